"""What the API promises: the OpenAPI document, the XML Schema, and the model built from them.

``load_spec()`` reads the bundled ``openapi.json`` (OpenAPI 3.1) and ``restapi.xsd`` once and
gives the operations, compiled JSON Schema validators, the compiled XSD and the XML codec::

    from diglot.specs import load_spec

    spec = load_spec()
    op = spec.operation("listGroups")
    errors = spec.validate_json("listGroups", 200, {"resultSetSize": "1"})
    root = spec.codec.parse(xml_bytes)
    errors = spec.validate_xml(root, root_name=op.responses[200].xml_root)
    data = spec.codec.decode(root)
"""

from __future__ import annotations

from diglot.specs._codec import XmlCodec
from diglot.specs._examples import example_names, read_example
from diglot.specs._export import exported_openapi
from diglot.specs._loader import bundled_file, load_spec
from diglot.specs._model import Body, Operation, Parameter, SchemaError
from diglot.specs._spec import Spec

__all__ = [
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
]
