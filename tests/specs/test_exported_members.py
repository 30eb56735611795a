from __future__ import annotations

import diglot.specs


def test_all_is_sorted_and_exported():
    assert list(diglot.specs.__all__) == sorted(diglot.specs.__all__)
    for name in diglot.specs.__all__:
        assert hasattr(diglot.specs, name), name


def test_the_public_surface():
    assert set(diglot.specs.__all__) == {
        "Body",
        "Operation",
        "Parameter",
        "SchemaError",
        "Spec",
        "XmlCodec",
        "bundled_file",
        "example_names",
        "exported_openapi",
        "load_spec",
        "read_example",
    }


def test_namespaces_are_on_the_codec():
    assert diglot.specs.XmlCodec.NAMESPACE == "http://www.docusign.com/restapi"
    assert diglot.specs.XmlCodec.XSI == "http://www.w3.org/2001/XMLSchema-instance"
