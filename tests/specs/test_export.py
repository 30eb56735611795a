"""The exported OpenAPI document: the bundled one, loosened only where a faithful server
answers 201 whatever a request entry holds."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from openapi_spec_validator import validate

from diglot.specs import bundled_file, exported_openapi

BUNDLED: dict[str, Any] = json.loads(bundled_file("openapi.json"))
EXPORTED: dict[str, Any] = json.loads(exported_openapi())
ENTRIES = {"groupRequest", "userInformation"}
BODIES = {"groupsRequest": "groups", "newUsersDefinition": "newUsers"}


def test_is_valid_openapi_31_that_schemathesis_loads():
    validate(EXPORTED)
    schema = schemathesis.openapi.from_dict(EXPORTED)
    # the four operations and the two deletes diglot cleans up with
    assert len([r.ok() for r in schema.get_all_operations()]) == 6  # type: ignore[union-attr]
    assert "--exclude-method DELETE" in EXPORTED["info"]["description"]


def test_is_deterministic_utf8_json():
    data = exported_openapi()
    assert data == exported_openapi()
    assert data.endswith(b"\n")
    assert json.loads(data.decode("utf-8")) == EXPORTED


def test_only_request_bodies_and_the_info_change():
    changed = {
        name
        for name, schema in EXPORTED["components"]["schemas"].items()
        if schema != BUNDLED["components"]["schemas"][name]
    }
    assert changed == ENTRIES | set(BODIES)
    assert set(EXPORTED["components"]["schemas"]) == set(BUNDLED["components"]["schemas"])
    assert EXPORTED["info"]["description"].startswith(BUNDLED["info"]["description"])
    assert "Exported by `diglot spec --format openapi`" in EXPORTED["info"]["description"]
    for path, item in BUNDLED["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                assert EXPORTED["paths"][path][method] == operation
                continue
            exported = EXPORTED["paths"][path][method]
            assert exported["responses"] == operation["responses"]
            assert exported.get("parameters") == operation.get("parameters")
            if "requestBody" in operation:
                assert (
                    exported["requestBody"]["content"]["application/json"]
                    == (operation["requestBody"]["content"]["application/json"])
                )


@pytest.mark.parametrize(("body", "items"), sorted(BODIES.items()))
def test_request_bodies_require_their_list(body, items):
    schema = EXPORTED["components"]["schemas"][body]
    assert schema["required"] == [items]
    assert (
        schema["properties"][items] == BUNDLED["components"]["schemas"][body]["properties"][items]
    )


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_entries_are_objects_whose_properties_only_say_what_they_are(entry):
    schema = EXPORTED["components"]["schemas"][entry]
    bundled = BUNDLED["components"]["schemas"][entry]
    assert schema["type"] == "object"
    assert list(schema["properties"]) == list(bundled["properties"])
    for name, prop in schema["properties"].items():
        assert set(prop) <= {"description", "xml", "x-diglot-source"}, (entry, name)
        assert prop["description"] == bundled["properties"][name]["description"]
        assert prop["xml"]["name"] == name
        assert "wrapped" not in prop["xml"]


def test_xml_request_entries_may_be_any_one_element():
    for path, method, body in (
        ("/v2.1/accounts/{accountId}/groups", "post", "groupsRequest"),
        ("/v2.1/accounts/{accountId}/users", "post", "newUsersDefinition"),
    ):
        content = EXPORTED["paths"][path][method]["requestBody"]["content"]
        assert content["application/xml"] == content["text/xml"]
        xml = content["application/xml"]["schema"]
        assert xml["xml"] == BUNDLED["components"]["schemas"][body]["xml"]
        items = xml["properties"][BODIES[body]]["items"]
        assert "array" not in items["type"]
        assert "object" in items["type"]
        assert items["xml"]["name"] in {"group", "userInformation"}


def test_the_count_bound_is_a_standard_keyword_in_both():
    import re

    for document in (BUNDLED, EXPORTED):
        params = document["paths"]["/v2.1/accounts/{accountId}/groups"]["get"]["parameters"]
        pattern = next(p for p in params if p["name"] == "count")["schema"]["pattern"]
        assert [v for v in ("0", "1", "007", "100", "101", "1000") if re.search(pattern, v)] == [
            "1",
            "007",
            "100",
        ]


def test_diglot_spec_writes_it(tmp_path):
    from diglot.cli import main

    target = tmp_path / "openapi.json"
    assert main(["spec", "-o", str(target)]) == 0
    assert target.read_bytes() == exported_openapi()
