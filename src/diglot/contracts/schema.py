"""Schema checks: the body is what the documented shape says, in JSON and in XML alike."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lxml import etree

from diglot.contracts._registry import (
    RESTAPI_NS,
    CheckInfo,
    Observation,
    check,
    pointer,
    register,
    show,
)
from diglot.model import Family, JSONValue, Severity
from diglot.specs._model import SchemaError
from diglot.specs._schemas import CompiledSchema

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
_UNEXPECTED_KEYS = re.compile(r"\((.*) (?:was|were) unexpected\)")


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
            obs.problem,
            expected=f"a well-formed {obs.operation.responses[obs.status].component}",
            actual=response.body[:200].decode("utf-8", "replace"),
        )
        return True
    if obs.body_format == "xml":
        _check_xml(obs)
    else:
        # one pass of a strict variant of the documented schema: undocumented properties come
        # back as unevaluatedProperties errors (warnings), everything else as violations
        strict = _strict_schema(obs.spec, obs.operation.operation_id, obs.status)
        _report_json_errors(obs, strict.errors(obs.data))
    return True


@functools.cache
def _strict_schema(spec: Spec, operation_id: str, status: int) -> CompiledSchema:
    """The operation's response schema with every documented object closed."""
    return CompiledSchema(
        _closed(spec.response_schema(operation_id, status)),
        where=f"{operation_id} {status} (strict)",
    )


def _closed(schema: Any) -> Any:
    """Add ``unevaluatedProperties: false`` to every object schema that lists properties.

    Only to those that say ``type: object``: an ``allOf`` overlay that lists a property only
    to require things inside it must stay open, or it would reject the documented rest.
    """
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {key: _closed(value) for key, value in schema.items()}
    kind = out.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if is_object and "properties" in out and "additionalProperties" not in out:
        out.setdefault("unevaluatedProperties", False)
    return out


def _report_json_errors(obs: Observation, errors: list[SchemaError]) -> None:
    for error in errors:
        if obs.status == 400 and error.keyword == "required" and error.location == "":
            continue  # protocol.error_shape names the missing errorCode / message
        if error.keyword in _UNKNOWN_KEYWORDS:
            # one warning per property, as in XML: the validator lists them in one message
            for name in _unexpected_names(_resolve(obs.data, error.location), error.message):
                obs.report(
                    "schema.unknown_property",
                    f"undocumented property {name!r}",
                    expected="only documented properties",
                    actual=name,
                    location=error.location + pointer(name),
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
    undocumented = obs.spec.codec.undocumented_elements(root)
    if undocumented:
        # each one a warning, as in JSON; then the rest is validated without them, so an
        # added field neither hides an order error nor trips the XSD
        for element in undocumented:
            name = etree.QName(element).localname
            obs.report(
                "schema.unknown_property",
                f"undocumented element <{name}>",
                expected="only documented elements",
                actual=f"<{name}>",
                location=obs.spec.xml_path(element),
                severity=Severity.WARNING,
            )
        root = copy.deepcopy(root)
        for element in obs.spec.codec.undocumented_elements(root):
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
    errors = obs.spec.validate_xml(root)
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


def _unexpected_names(node: JSONValue, message: str) -> list[str]:
    """The keys of ``node`` that a validator's unevaluated-properties message names."""
    if isinstance(node, dict):
        named = [key for key in node if f"'{key}'" in message]
        if named:
            return named
    found = _UNEXPECTED_KEYS.search(message)
    return [found.group(1) if found else message]


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
