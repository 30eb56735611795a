"""Schema checks: the body is what the documented shape says, in JSON and in XML alike."""

from __future__ import annotations

import copy
import functools
import re
from typing import TYPE_CHECKING

from diglot._findings import Family, Severity
from diglot._types import JSONValue
from diglot.contracts._base import RESTAPI_NS, CheckInfo, Observation, check, register, show
from diglot.specs._model import SchemaError

if TYPE_CHECKING:
    from diglot.specs import Spec

register(
    CheckInfo(
        "schema.unknown_property",
        Family.SCHEMA,
        "Every property (JSON) or element (XML) is a documented one. Undocumented ones are "
        "warnings: the API adds fields over time.",
        via="schema.body",
    )
)

_UNKNOWN_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})
_UNEXPECTED = re.compile(
    r"Element '(?:\{(?P<ns>[^}]*)\})?(?P<name>[^']+)': This element is not expected"
)


@check(
    "schema.body",
    Family.SCHEMA,
    "The body of every documented status validates against the documented shape: JSON "
    "against the JSON Schema, XML against the XML Schema (namespace, root and item names, "
    "child order, nil) and the same value rules.",
)
def body_conformance(obs: Observation) -> bool:
    response = obs.response
    if response is None or obs.status not in obs.operation.responses:
        return False
    if not response.body.strip():
        obs.report(
            "schema.body",
            f"the {obs.status} response has an empty body",
            expected=f"a {obs.operation.responses[obs.status].component} body",
            actual="(empty)",
        )
        return True
    if obs.problem is not None:
        obs.report(
            "schema.body",
            f"the body is not well-formed {(obs.body_format or '').upper()}: {obs.problem}",
            expected=f"a well-formed {obs.operation.responses[obs.status].component}",
            actual=response.body[:200].decode("utf-8", "replace"),
        )
        return True
    if obs.body_format == "xml":
        _check_xml(obs)
    else:
        _report_json_errors(
            obs, obs.spec.validate_json(obs.operation.operation_id, obs.status, obs.data)
        )
        _report_unknown_keys(obs, obs.data, "", known_properties(obs.spec))
    return True


@functools.cache
def _known_elements(spec: Spec) -> frozenset[str]:
    return spec.codec.known_elements


@functools.cache
def known_properties(spec: Spec) -> frozenset[str]:
    """Every property name the spec documents in any component."""
    schemas = spec.document.get("components", {})
    names: set[str] = set()
    stack: list[JSONValue] = [schemas.get("schemas") if isinstance(schemas, dict) else None]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(properties)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(names)


def _report_unknown_keys(obs: Observation, data: JSONValue, at: str, known: frozenset[str]) -> None:
    """Warn about JSON keys that no documented shape has (the XML side: unknown elements).

    Hot path: a set difference per object (C speed); locations are built only on the way
    down to containers and to what is reported.
    """
    if isinstance(data, dict):
        unknown = data.keys() - known
        for key in unknown:
            obs.report(
                "schema.unknown_property",
                f"undocumented property {key!r}",
                expected="only documented properties",
                actual=show(data[key]),
                location=f"{at}/{pointer_part(key)}",
                severity=Severity.WARNING,
            )
        for key, value in data.items():
            if isinstance(value, (dict, list)) and key not in unknown:
                _report_unknown_keys(obs, value, f"{at}/{pointer_part(key)}", known)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)):
                _report_unknown_keys(obs, item, f"{at}/{index}", known)


def pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _report_json_errors(obs: Observation, errors: list[SchemaError]) -> None:
    for error in errors:
        if obs.status == 400 and error.keyword == "required" and error.location == "":
            continue  # protocol.error_shape names the missing errorCode / message
        if error.keyword in _UNKNOWN_KEYWORDS:
            obs.report(
                "schema.unknown_property",
                f"undocumented property: {error.message}",
                expected="only documented properties",
                actual=show(_resolve(obs.data, error.location)),
                location=error.location,
                severity=Severity.WARNING,
            )
            continue
        obs.report(
            "schema.body",
            error.message,
            expected=f"{error.keyword} as documented" if error.keyword else "the documented shape",
            actual=show(_resolve(obs.data, error.location)),
            location=error.location,
        )


def _check_xml(obs: Observation) -> None:
    root = obs.root
    if root is None:
        return
    body = obs.operation.responses[obs.status]
    expected_tag = f"{{{RESTAPI_NS}}}{body.xml_root}"
    if root.tag != expected_tag:
        namespace, _, local = str(root.tag).rpartition("}")
        namespace = namespace.lstrip("{")
        if local == body.xml_root:
            message = (
                f"the root element is in namespace {namespace or '(none)'!r}, "
                f"the documented namespace is {RESTAPI_NS!r}"
            )
        else:
            message = f"the root element is <{local}>, the documented root is <{body.xml_root}>"
        obs.report(
            "schema.body", message, expected=expected_tag, actual=str(root.tag), location="/"
        )
        return
    errors = obs.spec.validate_xml(root)
    known = _known_elements(obs.spec)
    unknown = []
    for error in errors:
        found = _UNEXPECTED.search(error.message)
        if found and found["name"] not in known and (found["ns"] or "") in ("", RESTAPI_NS):
            unknown.append((error, found["name"]))
    if unknown:
        for error, name in unknown:
            obs.report(
                "schema.unknown_property",
                f"undocumented element <{name}>",
                expected="only documented elements",
                actual=f"<{name}>",
                location=error.location,
                severity=Severity.WARNING,
            )
        names = {name for _, name in unknown}
        stripped = copy.deepcopy(root)
        for element in list(stripped.iter()):
            parent = element.getparent()
            tag = element.tag
            if parent is not None and isinstance(tag, str) and tag.rpartition("}")[2] in names:
                parent.remove(element)
        errors = obs.spec.validate_xml(stripped)
    for error in errors:
        obs.report(
            "schema.body",
            error.message,
            expected="the documented XML shape (restapi.xsd)",
            location=error.location,
        )
    if not errors:
        # the XML Schema holds structure and value facets; the JSON Schema also knows what
        # each operation requires: judge the decoded data by it too
        decoded = obs.spec.validate_json(obs.operation.operation_id, obs.status, obs.data)
        _report_json_errors(obs, [e for e in decoded if e.keyword not in _UNKNOWN_KEYWORDS])


def _resolve(data: JSONValue, location: str) -> JSONValue:
    """The value at a JSON pointer, or None when it does not resolve."""
    if not location:
        return data
    node = data
    for raw in location.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
