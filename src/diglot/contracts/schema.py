"""Schema checks: the body is what the documented shape says, in JSON and in XML alike."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lxml import etree

from diglot.contracts._observation import RESTAPI_NS, Observation, show
from diglot.contracts._registry import CheckInfo, register_check
from diglot.model import JSONValue, Severity
from diglot.specs._codec import XSI
from diglot.specs._model import SchemaError
from diglot.specs._schemas import CompiledSchema

if TYPE_CHECKING:
    from diglot.specs import Spec

_NIL = f"{{{XSI}}}nil"

UNKNOWN_PROPERTY = CheckInfo(
    "schema.unknown_property",
    "Every property (JSON) or element (XML) is a documented one, judged per parent type. "
    "Undocumented ones are warnings, one each: the API adds fields over time.",
)

_UNKNOWN_KEYWORDS = frozenset({"additionalProperties", "unevaluatedProperties"})


@register_check(
    "schema.body",
    description="The body of every documented status validates against the documented shape: JSON "
    "against the JSON Schema, XML against the XML Schema (namespace, root and item names, "
    "child order, nil) and the same value rules.",
    also=(UNKNOWN_PROPERTY,),
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
        # back as unevaluatedProperties errors (warnings), everything else as violations.
        # Null-valued properties mean "no value": judged as if absent, but an undocumented
        # name is undocumented whatever its value, so a body with nulls takes two passes.
        strict = _strict_schema(obs.spec, obs.operation.operation_id, obs.status)
        errors = strict.errors(obs.data)
        if errors:
            plain = without_nulls(obs.data)
            if plain != obs.data:
                unknown = [e for e in errors if e.keyword in _UNKNOWN_KEYWORDS]
                errors = unknown + [
                    e for e in strict.errors(plain) if e.keyword not in _UNKNOWN_KEYWORDS
                ]
        _report_json_errors(obs, errors)
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
            for name in error.unexpected or (error.message,):
                obs.report(
                    "schema.unknown_property",
                    f"undocumented property {name!r}",
                    expected="only documented properties",
                    actual=name,
                    location=error.location,  # the object; the name is in the message
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
    # every undocumented element and attribute is a warning, one each, as in JSON; the rest
    # is then validated without them, so an added field neither trips the XSD nor hides an
    # order error
    codec = obs.spec.codec
    undocumented = codec.undocumented_elements(root)
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
    if undocumented:
        root = copy.deepcopy(root)
        for element in codec.undocumented_elements(root):
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
    attributes = codec.undocumented_attributes(root)
    if attributes and not undocumented:
        root = copy.deepcopy(root)
        attributes = codec.undocumented_attributes(root)
    for element, name in attributes:
        shown = etree.QName(name).localname if str(name).startswith("{") else str(name)
        obs.report(
            "schema.unknown_property",
            f"undocumented attribute {shown!r} on <{etree.QName(element).localname}>",
            expected="only documented elements, and no attribute but XML Schema's own (xsi:nil)",
            actual=f'{shown}="{element.get(name)}"',
            location=obs.spec.xml_path(element),
            severity=Severity.WARNING,
        )
        del element.attrib[name]
    nils = [e for e in root.iter() if e.get(_NIL) in ("true", "1") and e.getparent() is not None]
    if nils:
        # nil is "no value", as absent is: an optional element may be either, whatever the
        # XSD's nillable says (as null for an optional JSON property); a required one that is
        # nil is missing, and the XSD says so
        if not (undocumented or attributes):
            root = copy.deepcopy(root)
        for element in [e for e in root.iter() if e.get(_NIL) in ("true", "1")]:
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
        decoded = obs.spec.validate_json(
            obs.operation.operation_id, obs.status, without_nulls(obs.data)
        )
        _report_json_errors(obs, [e for e in decoded if e.keyword not in _UNKNOWN_KEYWORDS])


def without_nulls(data: JSONValue) -> JSONValue:
    """The data with every null-valued property left out, as if it had not been written.

    An optional property that is null says "no value", as an absent one does (DocuSign's own
    JSON omits nulls, .NET's serializers write them); a required one that is null is then
    missing, and the schema says so.
    """
    if isinstance(data, dict):
        return {k: without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [without_nulls(item) for item in data]
    return data


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
