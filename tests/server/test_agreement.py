"""The server and the bundled spec files agree on the clean server's every answer.

The server shares no code with ``diglot.specs`` (it is written from the documentation); this
reads only the spec's data files, so a disagreement between the two independent readings of
the documentation shows up here rather than as a finding against the clean server.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
from lxml import etree

DATA = files("diglot") / "specs" / "data"

OPENAPI: dict[str, Any] = json.loads((DATA / "openapi.json").read_text(encoding="utf-8"))
XSD = etree.XMLSchema(etree.fromstring((DATA / "restapi.xsd").read_bytes()))

EXCHANGES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (id, method, path, httpx keyword arguments)
    ("list-first", "GET", "/groups", {"params": {"count": "3"}}),
    ("list-middle", "GET", "/groups", {"params": {"count": "3", "start_position": "3"}}),
    ("list-all", "GET", "/groups", {}),
    ("list-empty", "GET", "/groups", {"params": {"start_position": "999"}}),
    (
        "list-filtered",
        "GET",
        "/groups",
        {"params": {"search_text": "&", "group_type": "CustomGroup"}},
    ),
    ("list-bad-count", "GET", "/groups", {"params": {"count": "0"}}),
    ("signing", "GET", "/signing_groups", {}),
    ("signing-users", "GET", "/signing_groups", {"params": {"include_users": "true"}}),
    ("signing-bad", "GET", "/signing_groups", {"params": {"include_users": "maybe"}}),
    (
        "create-groups",
        "POST",
        "/groups",
        {
            "json": {
                "groups": [{"groupName": "agree"}, {"groupName": "x", "permissionProfileId": 1}, {}]
            }
        },
    ),
    ("create-groups-bad", "POST", "/groups", {"json": {"groups": []}}),
    (
        "create-users",
        "POST",
        "/users",
        {
            "json": {
                "newUsers": [
                    {"userName": "Claire Horace", "email": "claire@example.com"},
                    {"userName": "Agreeable", "email": "agree@example.com"},
                    {"userName": "No Mail"},
                ]
            }
        },
    ),
    (
        "create-users-bad",
        "POST",
        "/users",
        {"content": b"{", "headers": {"content-type": "application/json"}},
    ),
]


def response_schema(method: str, path: str, status: int) -> dict[str, Any]:
    for template, operations in OPENAPI["paths"].items():
        if template.startswith("/v2.1/") and template.endswith(path):
            operation = operations[method.lower()]
            schema: dict[str, Any] = operation["responses"][str(status)]["content"][
                "application/json"
            ]["schema"]
            return {**schema, "components": OPENAPI["components"]}
    raise AssertionError(f"no {method} {path} in openapi.json")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), [e[1:] for e in EXCHANGES], ids=[e[0] for e in EXCHANGES]
)
def test_json_answers_match_openapi(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    response = client.request(method, path, **kwargs)
    schema = response_schema(method, path, response.status_code)
    jsonschema.Draft202012Validator(schema).validate(response.json())


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), [e[1:] for e in EXCHANGES], ids=[e[0] for e in EXCHANGES]
)
def test_xml_answers_match_the_xsd(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    headers = {**kwargs.pop("headers", {}), "accept": "application/xml"}
    response = client.request(method, path, headers=headers, **kwargs)
    document = etree.fromstring(response.content)
    XSD.assertValid(document)
