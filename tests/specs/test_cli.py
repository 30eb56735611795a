"""``diglot spec`` prints or writes the bundled files."""

from __future__ import annotations

import json

from lxml import etree

from diglot.cli import main
from diglot.specs import bundled_file, exported_openapi


def test_prints_the_exported_openapi_document_by_default(capsys):
    assert main(["spec"]) == 0
    out = capsys.readouterr().out
    assert out.encode() == exported_openapi()  # the bundled one, loosened for other tools
    assert json.loads(out)["openapi"].startswith("3.1")
    assert main(["spec", "--format", "openapi"]) == 0
    assert capsys.readouterr().out == out


def test_prints_the_xsd(capsys):
    assert main(["spec", "--format", "xsd"]) == 0
    out = capsys.readouterr().out
    etree.XMLSchema(etree.fromstring(out.encode()))  # compiles as printed


def test_writes_to_a_file(tmp_path, capsys):
    target = tmp_path / "restapi.xsd"
    assert main(["spec", "--format", "xsd", "--output", str(target)]) == 0
    assert target.read_bytes() == bundled_file("restapi.xsd")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "wrote" in captured.err


def test_unwritable_output_is_a_usage_error(tmp_path, capsys):
    assert main(["spec", "-o", str(tmp_path / "missing" / "openapi.json")]) == 2
    err = capsys.readouterr().err
    assert "cannot write" in err
    assert "existing folder" in err
    assert "Traceback" not in err
