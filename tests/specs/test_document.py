"""The OpenAPI document itself: valid OpenAPI 3.1, the documented surface, constraints in schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from openapi_spec_validator import validate

from diglot.specs import bundled_file
from diglot.specs._codec import NAMESPACE

COMPONENTS = {
    "groupInformation",
    "group",
    "userInfo",
    "errorDetails",
    "signingGroupInformation",
    "signingGroup",
    "signingGroupUser",
    "newUsersDefinition",
    "userInformation",
    "userSettings",
    "newUsersSummary",
    "newUser",
    "userInfoList",
    "usersResponse",
}
REQUEST_VARIANTS = {"groupsRequest", "groupRequest"}
OPERATIONS = {
    ("GET", "/v2.1/accounts/{accountId}/groups"): ("listGroups", 200),
    ("POST", "/v2.1/accounts/{accountId}/groups"): ("createGroups", 201),
    ("POST", "/v2.1/accounts/{accountId}/users"): ("createUsers", 201),
    ("GET", "/v2.1/accounts/{accountId}/signing_groups"): ("listSigningGroups", 200),
    # the cleanup operations, from DocuSign's published OpenAPI description
    ("DELETE", "/v2.1/accounts/{accountId}/groups"): ("deleteGroups", 200),
    ("DELETE", "/v2.1/accounts/{accountId}/users"): ("deleteUsers", 200),
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(bundled_file("openapi.json"))
    return document


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in ("get", "post", "put", "delete", "patch"):
            if method in item:
                yield method.upper(), path, item[method]


def test_passes_openapi_spec_validator(doc):
    assert doc["openapi"].startswith("3.1.")
    validate(doc)  # raises on any violation of the OpenAPI 3.1 meta-schema


def test_schemathesis_loads_it_and_sees_the_four_operations(doc):
    schema = schemathesis.openapi.from_dict(doc)
    labels = {result.ok().label for result in schema.get_all_operations()}  # type: ignore[union-attr]
    assert labels == {f"{method} {path}" for method, path in OPERATIONS}


def test_server_and_exactly_the_documented_operations(doc):
    assert doc["servers"] == [{"url": "https://demo.docusign.net/restapi"}]
    found = {(m, p): (op["operationId"], op) for m, p, op in _operations(doc)}
    assert set(found) == set(OPERATIONS)
    for key, (op_id, success) in OPERATIONS.items():
        assert found[key][0] == op_id
        assert set(found[key][1]["responses"]) == {str(success), "400"}


def test_list_groups_records_the_v2_alias_not_a_second_path(doc):
    op = doc["paths"]["/v2.1/accounts/{accountId}/groups"]["get"]
    assert op["x-diglot-aliases"] == ["/v2/accounts/{accountId}/groups"]
    assert not any(path.startswith("/v2/") for path in doc["paths"])


def test_every_body_in_json_and_xml_requests_also_text_xml(doc):
    for _, _, op in _operations(doc):
        for response in op["responses"].values():
            assert list(response["content"]) == ["application/json", "application/xml"]
        if "requestBody" in op:
            assert list(op["requestBody"]["content"]) == [
                "application/json",
                "application/xml",
                "text/xml",
            ]
            assert op["requestBody"]["required"] is True


def test_component_names_are_exactly_the_documented_shapes_plus_request_variants(doc):
    assert set(doc["components"]["schemas"]) == COMPONENTS | REQUEST_VARIANTS


def test_every_component_and_property_says_how_it_looks_in_xml(doc):
    for name, component in doc["components"]["schemas"].items():
        assert component["xml"]["namespace"] == NAMESPACE, name
        assert component["xml"]["name"], name
        for prop, schema in component["properties"].items():
            xml = schema["xml"]
            assert xml["name"] == prop, (name, prop)
            assert xml["namespace"] == NAMESPACE, (name, prop)
            assert xml.get("wrapped", False) is (schema.get("type") == "array"), (name, prop)


def _walk(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        yield where, schema
        for key, value in schema.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _walk(value, f"{where}/{index}")


def test_no_response_shape_forbids_additional_properties(doc):
    for where, node in _walk(doc):
        assert node.get("additionalProperties") is not False, where


def test_response_scalars_are_strings_with_the_documented_facets(doc):
    schemas = doc["components"]["schemas"]
    for name in COMPONENTS - {"userInformation", "userSettings", "newUsersDefinition"}:
        for prop, schema in schemas[name]["properties"].items():
            if "$ref" in schema or schema.get("type") == "array":
                continue
            if (name, prop) == ("group", "isManagedByScim"):
                # the one JSON boolean of a response: DocuSign's published description types
                # it so (the documentation pages do not show it)
                assert schema["type"] == "boolean"
                assert schema["x-diglot-source"] == "docusign-openapi"
                continue
            assert schema["type"] in ("string", ["string", "null"]), (name, prop)
    info = schemas["groupInformation"]["properties"]
    for prop in ("resultSetSize", "totalSetSize", "startPosition", "endPosition"):
        assert info[prop]["pattern"] == "^[0-9]+$"
    for prop in ("nextUri", "previousUri"):
        assert info[prop]["type"] == ["string", "null"]
    statuses = ["ActivationRequired", "ActivationSent", "Active", "Closed", "Disabled"]
    assert schemas["userInfo"]["properties"]["userStatus"]["enum"] == statuses
    assert schemas["signingGroupUser"]["properties"]["userName"]["maxLength"] == 100
    group_type = schemas["signingGroup"]["properties"]["groupType"]
    assert "enum" not in group_type
    for value in ("adminstrators", "everyone", "customGroup"):
        assert value in group_type["description"]


def test_components_require_nothing_operations_require_their_fields(doc):
    for name, component in doc["components"]["schemas"].items():
        assert "required" not in component, name
    paths = doc["paths"]
    listed = paths["/v2.1/accounts/{accountId}/groups"]["get"]["responses"]["200"]
    overlay = listed["content"]["application/json"]["schema"]["allOf"][1]
    assert overlay["required"] == ["resultSetSize", "totalSetSize", "startPosition"]
    assert overlay["properties"]["groups"]["items"]["required"] == ["groupId", "groupName"]
    signing = paths["/v2.1/accounts/{accountId}/signing_groups"]["get"]["responses"]["200"]
    overlay = signing["content"]["application/xml"]["schema"]["allOf"][1]
    assert overlay["properties"]["groups"]["items"]["required"] == ["signingGroupId", "groupName"]
    for _, _, op in _operations(doc):
        for media in op["responses"]["400"]["content"].values():
            assert media["schema"]["allOf"][0] == {"$ref": "#/components/schemas/errorDetails"}
            assert media["schema"]["allOf"][1]["required"] == ["errorCode", "message"]


def test_request_constraints(doc):
    schemas = doc["components"]["schemas"]
    params = {
        p["name"]: p for p in doc["paths"]["/v2.1/accounts/{accountId}/groups"]["get"]["parameters"]
    }
    assert set(params) == {
        "count",
        "start_position",
        "search_text",
        "group_type",
        "include_usercount",
    }
    count = params["count"]["schema"]
    # the bound in a standard keyword (other tools ignore x-diglot-*), the same as numbers
    assert count == {
        "type": "string",
        "pattern": "^0*(?:[1-9][0-9]?|100)$",
        "x-diglot-minimum": 1,
        "x-diglot-maximum": 100,
    }
    usercount = params["include_usercount"]
    assert usercount["x-diglot-source"] == "docusign-openapi"
    assert usercount["schema"] == {"type": "string"}  # the published description: no enum
    assert "at least 1" in params["count"]["description"]
    assert params["start_position"]["schema"]["pattern"] == "^[0-9]+$"
    signing = doc["paths"]["/v2.1/accounts/{accountId}/signing_groups"]["get"]["parameters"]
    assert {p["name"]: p["schema"] for p in signing}["include_users"]["enum"] == ["true", "false"]
    new_users = schemas["newUsersDefinition"]["properties"]["newUsers"]
    assert (new_users["minItems"], new_users["maxItems"]) == (1, 500)
    user = schemas["userInformation"]
    assert "required" not in user
    assert user["x-diglot-entry-required"] == ["userName", "email"]
    assert {"locale", "canSendEnvelope"} <= set(schemas["userSettings"]["properties"])
    assert schemas["groupRequest"]["x-diglot-used-properties"] == [
        "groupName",
        "permissionProfileId",
    ]
    assert schemas["groupRequest"]["properties"]["permissionProfileId"]["type"] == [
        "string",
        "integer",
    ]


def test_new_user_fields_cover_the_documented_example(doc):
    props = doc["components"]["schemas"]["newUser"]["properties"]
    assert {"userId", "uri", "email", "userName", "userStatus", "createdDateTime"} <= set(props)
    assert "errorDetails" in props


@pytest.mark.parametrize(
    "value",
    [str(n) for n in range(0, 102)] + ["007", "0100", "000", "0101", "", "1 ", "+5", "-1", "1e2"],
)
def test_the_count_pattern_is_the_range_1_to_100(doc, value):
    import re

    params = doc["paths"]["/v2.1/accounts/{accountId}/groups"]["get"]["parameters"]
    schema = next(p for p in params if p["name"] == "count")["schema"]
    in_range = value.isdigit() and value.isascii() and 1 <= int(value) <= 100
    assert bool(re.fullmatch(schema["pattern"].strip("^$"), value)) is in_range


# properties DocuSign's published OpenAPI description (and its SDKs) document and the
# documentation pages do not; issue 11
FROM_DOCUSIGN_OPENAPI = {
    "group": {
        "usersCount": "string",
        "dsGroupId": "string",
        "accessType": "string",
        "isManagedByScim": "boolean",
        "lastModifiedOn": "string",
        "userGroupType": "string",
    },
    "userInfo": {
        "accountId": "string",
        "accountName": "string",
        "ipAddress": "string",
        "membershipId": "string",
    },
    "newUser": {"apiPassword": "string", "licenseStatus": "string", "licenseType": "string"},
}


def test_properties_from_docusigns_openapi_are_typed_and_marked(doc):
    schemas = doc["components"]["schemas"]
    marked = {
        name: {
            prop: schema["type"]
            for prop, schema in component["properties"].items()
            if "x-diglot-source" in schema
        }
        for name, component in schemas.items()
    }
    assert {name: props for name, props in marked.items() if props} == FROM_DOCUSIGN_OPENAPI
    for name, props in FROM_DOCUSIGN_OPENAPI.items():
        for prop in props:
            schema = schemas[name]["properties"][prop]
            assert schema["x-diglot-source"] == "docusign-openapi"
            assert "published OpenAPI description" in schema["description"], (name, prop)
    assert schemas["group"]["properties"]["usersCount"]["pattern"] == "^[0-9]+$"


def test_the_docusign_sdk_knows_every_property_by_the_same_name_and_type(doc):
    # the SDK is generated from the same published description
    import docusign_esign.models as models

    classes = {
        "group": models.Group,
        "userInfo": models.UserInfo,
        "newUser": models.NewUser,
        "groupInformation": models.GroupInformation,
        "errorDetails": models.ErrorDetails,
        "signingGroupInformation": models.SigningGroupInformation,
        "signingGroup": models.SigningGroup,
        "signingGroupUser": models.SigningGroupUser,
        "newUsersSummary": models.NewUsersSummary,
        "newUsersDefinition": models.NewUsersDefinition,
    }
    schemas = doc["components"]["schemas"]
    sdk_types = {"string": "str", "boolean": "bool"}
    for name, cls in classes.items():
        by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
        properties = schemas[name]["properties"]
        # the published description knows every property diglot describes, and no more of
        # these shapes' (userInformation, the request entry, is a documented subset)
        assert set(properties) == set(by_json), name
        for prop, schema in properties.items():
            kind = schema.get("type")
            if isinstance(kind, str) and kind in sdk_types:
                assert cls.swagger_types[by_json[prop]] == sdk_types[kind], (name, prop)
