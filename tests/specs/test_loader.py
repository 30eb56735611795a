"""Malformed inputs to load_spec raise InvalidSpec naming the file, the place and the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from diglot.errors import DiglotError, InvalidSpec
from diglot.specs import bundled_file, load_spec


@pytest.fixture
def openapi(tmp_path: Path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_bytes(bundled_file("openapi.json"))
    return path


@pytest.fixture
def xsd(tmp_path: Path) -> Path:
    path = tmp_path / "restapi.xsd"
    path.write_bytes(bundled_file("restapi.xsd"))
    return path


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


def test_explicit_copies_of_the_bundled_files_load(openapi, xsd):
    spec = load_spec(openapi, xsd)
    assert spec is not load_spec()
    assert [op.operation_id for op in spec.operations] == [
        op.operation_id for op in load_spec().operations
    ]
    assert load_spec(str(openapi)).codec.roots == load_spec().codec.roots


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidSpec, match=r"nope\.json.*no such file.*Pass the path"):
        load_spec(missing)
    with pytest.raises(InvalidSpec, match=r"nope\.xsd.*no such file"):
        load_spec(xsd=tmp_path / "nope.xsd")


def test_directory(tmp_path):
    with pytest.raises(InvalidSpec, match="is a directory"):
        load_spec(tmp_path)


def test_bad_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"openapi": "3.1.0",\n  "paths": {,}\n}')
    with pytest.raises(InvalidSpec, match=r"broken\.json: not valid JSON: .* line 2, column"):
        load_spec(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"info": "\xe9"}')
    with pytest.raises(InvalidSpec, match=r"latin\.json: not (UTF-8|valid JSON)"):
        load_spec(path)


def test_not_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[]")
    with pytest.raises(InvalidSpec, match=r"list\.json: the document is a JSON list"):
        load_spec(path)


def test_not_openapi_3_1(openapi):
    _edit(openapi, lambda d: d.update(openapi="3.0.3"))
    with pytest.raises(
        InvalidSpec, match=r"openapi\.json: /openapi is '3\.0\.3': not an OpenAPI 3\.1"
    ):
        load_spec(openapi)
    _edit(openapi, lambda d: d.pop("openapi"))
    with pytest.raises(InvalidSpec, match="/openapi is None"):
        load_spec(openapi)


def test_swagger_2(tmp_path):
    path = tmp_path / "swagger.json"
    path.write_text(json.dumps({"swagger": "2.0", "paths": {}}))
    with pytest.raises(InvalidSpec, match=r"not an OpenAPI 3\.1 document"):
        load_spec(path)


def test_missing_components(openapi):
    _edit(openapi, lambda d: d.pop("components"))
    with pytest.raises(InvalidSpec, match="/components is missing"):
        load_spec(openapi)


def test_dangling_reference_names_the_place(openapi):
    _edit(openapi, lambda d: d["components"]["schemas"].pop("userInfo"))
    with pytest.raises(
        InvalidSpec, match=r"/components/schemas/group.*#/components/schemas/userInfo"
    ):
        load_spec(openapi)


def test_operation_without_id(openapi):
    _edit(
        openapi, lambda d: d["paths"]["/v2.1/accounts/{accountId}/users"]["post"].pop("operationId")
    )
    with pytest.raises(
        InvalidSpec, match=r"/paths/~1v2\.1~1accounts~1\{accountId\}~1users/post: no operationId"
    ):
        load_spec(openapi)


def test_xml_root_unknown_to_the_xsd(openapi):
    _edit(openapi, lambda d: d["components"]["schemas"]["errorDetails"]["xml"].update(name="oops"))
    with pytest.raises(
        InvalidSpec, match="XML root 'oops' of 'errorDetails' is not a global element"
    ):
        load_spec(openapi)


def test_xsd_not_well_formed(xsd):
    xsd.write_text(xsd.read_text().replace("</xs:schema>", ""))
    with pytest.raises(InvalidSpec, match=r"restapi\.xsd: not well-formed XML: .*line"):
        load_spec(xsd=xsd)


def test_xsd_that_does_not_compile(xsd):
    xsd.write_text(xsd.read_text().replace('type="digitString"', 'type="noSuchType"', 1))
    with pytest.raises(
        InvalidSpec, match=r"restapi\.xsd: the XML Schema does not compile \(line \d+\)"
    ):
        load_spec(xsd=xsd)


def test_xsd_without_a_root_the_document_needs(xsd):
    xsd.write_text(
        xsd.read_text().replace('<xs:element name="newUsersSummary" type="newUsersSummary"/>', "")
    )
    with pytest.raises(InvalidSpec, match="'newUsersSummary' is not a global element"):
        load_spec(xsd=xsd)


def test_invalid_spec_is_a_diglot_error_and_a_value_error(tmp_path):
    with pytest.raises(DiglotError) as info:
        load_spec(tmp_path / "x.json")
    assert isinstance(info.value, ValueError)
