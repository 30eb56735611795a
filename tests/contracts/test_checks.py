"""Checks judged on real exchanges: no false positives on faithful bodies, findings on broken ones."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import diglot
from diglot.contracts.equivalence import differences
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.specs import load_spec

SPEC = load_spec()


@pytest.fixture(scope="module")
def base_url():
    with running() as url:
        yield url


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize("path", ["groups", "signing_groups?include_users=true", "groups?count=2"])
def test_check_accepts_faithful_responses(base_url, accept, path):
    response = httpx.get(
        f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/{path}", headers={"Accept": accept}
    )
    assert diglot.check(response) == []


def test_check_raises_with_readable_findings(base_url):
    with running(fault="xml-child-order") as url:
        response = httpx.get(
            f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups",
            headers={"Accept": "application/xml"},
        )
    with pytest.raises((diglot.ContractViolation, ExceptionGroup)) as info:
        diglot.check(response)
    error = info.value
    text = str(error.exceptions[0]) if isinstance(error, ExceptionGroup) else str(error)
    assert "schema.body" in text
    assert "curl" in text


def test_check_names_the_problem_when_the_operation_is_unknown():
    request = httpx.Request("GET", "http://127.0.0.1/elsewhere")
    response = httpx.Response(200, json={}, request=request)
    with pytest.raises(diglot.UsageError, match="operation="):
        diglot.check(response)


def documented_names() -> set[str]:
    names: set[str] = set()
    stack: list[object] = [SPEC.document["components"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                names.update(node["properties"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


RESPONSE_SCHEMAS = [(op.operation_id, status) for op in SPEC.operations for status in op.responses]


@pytest.mark.parametrize(("operation", "status"), RESPONSE_SCHEMAS)
def test_json_and_its_xml_encoding_never_differ(operation, status):
    """Equivalence has no false positive: a body and its own XML encoding always agree."""
    schema = dict(SPEC.response_schema(operation, status))
    schema["components"] = SPEC.document["components"]
    root = SPEC.operation(operation).responses[status].xml_root
    known = documented_names()

    def documented_only(value: object) -> object:
        # undocumented keys are schema.unknown_property's business, not equivalence's
        if isinstance(value, dict):
            return {k: documented_only(v) for k, v in value.items() if k in known}
        if isinstance(value, list):
            return [documented_only(v) for v in value]
        if isinstance(value, str):  # what XML 1.0 can carry at all
            return "".join(
                c for c in value if c in "\t\n" or " " <= c < "\ud800" or "\ue000" <= c < "\ufffe"
            )
        return value

    strategy = from_schema(schema).map(documented_only)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=strategy)
    def roundtrip(data):
        element = SPEC.codec.parse(SPEC.codec.encode(root, data))
        assume(not SPEC.validate_xml(element))  # shapes the XSD rejects are schema.body's
        decoded = SPEC.codec.decode(element)
        assert list(differences(data, decoded)) == []

    roundtrip()


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers() | st.text() | st.none()))
def test_differences_is_empty_only_for_equal_data(data):
    assert list(differences(data, data)) == []
    changed = {**data, "a": "something else entirely"}
    if data.get("a") != "something else entirely":
        assert list(differences(data, changed))
