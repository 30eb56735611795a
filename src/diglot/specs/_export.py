"""The OpenAPI document as other tools (schemathesis, Prism, SDK generators) should read it.

``openapi.json`` is diglot's own reading of the documentation, and diglot judges with more
than JSON Schema can say: an entry of a batch request that has a problem is that entry's
error, answered with 201 and the entry's ``errorDetails`` (or with a 400, both are right);
create groups ignores every property but ``groupName`` and ``permissionProfileId``. A tool
that only knows "a schema-valid request gets a 2xx, a schema-violating one a 4xx" would
misjudge a faithful server on both counts. So the exported document is the bundled one with
one transformation, applied only here, at export time:

- every request body's list (``groups``, ``newUsers``) is ``required``: a faithful server
  answers a body without it with a 400;
- the entries of those lists (``groupRequest``, ``userInformation``) stay objects (a
  non-object entry is a 400) but their properties are annotations only (description, XML
  name): whatever an entry holds, a faithful server answers 201, reporting a problem in that
  entry's ``errorDetails`` or ignoring the property;
- in the XML request bodies (inlined, since they now differ from JSON's) an entry may be any
  one element, an object or text: XML says "not an object" only as text inside the entry
  element, which a server may read as an empty entry (the reference server does) or refuse.

Everything else is exported as bundled: response shapes, status codes, parameters (the
``count`` bound is a standard ``pattern`` in the bundled document itself). The info
description says what was changed.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from diglot.specs._loader import bundled_file
from diglot.specs._schemas import COMPONENT_PREFIX

if TYPE_CHECKING:
    from diglot.model import JSONValue

# what a property schema keeps in an entry: what it says, not what it asserts
_ANNOTATIONS = ("description", "xml", "x-diglot-source")

_NOTE = (
    " Exported by `diglot spec --format openapi` for other tools: request bodies require "
    "their list; the entries of the list are objects whose properties are not constrained, "
    "since a faithful server answers any entry with 201 (a problem with one entry is reported "
    "in that entry's errorDetails, and create groups ignores every property but groupName and "
    "permissionProfileId). In XML an entry may be any one element: text inside an entry "
    "element is not an object, and a server may read it as an empty entry or refuse it. "
    "diglot itself judges entries with the bundled document. The two delete operations "
    "(x-diglot-cleanup) really delete groups and close users: against a shared account, "
    "exclude them from a generating tool (schemathesis: --exclude-method DELETE)."
)


def exported_openapi() -> bytes:
    """The OpenAPI document ``diglot spec --format openapi`` prints, as UTF-8 JSON bytes.

    The bundled ``openapi.json`` with its request entries loosened to what a faithful server
    accepts (see the module's docstring), so that a tool that expects a 2xx for every
    schema-valid request and a 4xx for every schema-violating one (schemathesis's
    ``positive_data_acceptance`` and ``negative_data_rejection``) judges a faithful server
    as conforming.

    Example:
        >>> doc = json.loads(exported_openapi())
        >>> doc["components"]["schemas"]["groupsRequest"]["required"]
        ['groups']
    """
    document: dict[str, Any] = json.loads(bundled_file("openapi.json"))
    exported = _export(document)
    return (json.dumps(exported, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _export(bundled: dict[str, Any]) -> dict[str, JSONValue]:
    document = copy.deepcopy(bundled)
    schemas: dict[str, Any] = document["components"]["schemas"]
    bodies = _request_bodies(document)
    for component in sorted({component for _, _, component in bodies}):
        body = schemas[component]
        lists = _lists(body)
        if lists:
            body["required"] = lists
        for name in lists:
            entry = _component_name(body["properties"][name].get("items"))
            if entry is not None:
                _loosen(schemas[entry])
    for media_type, media, component in bodies:
        if "xml" in media_type:
            media["schema"] = _xml_body(schemas, component)
    info = document["info"]
    info["description"] = str(info.get("description", "")) + _NOTE
    return document


def _request_bodies(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """Each request body's media type, media type object and component."""
    found: list[tuple[str, dict[str, Any], str]] = []
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            if operation.get("x-diglot-cleanup"):
                continue  # the deletes name ids: nothing in their bodies to loosen
            for media_type, media in operation["requestBody"].get("content", {}).items():
                schema = media.get("schema", {})
                while isinstance(schema, dict) and "allOf" in schema:
                    schema = schema["allOf"][0]
                name = _component_name(schema)
                if name is not None:
                    found.append((media_type, media, name))
    return found


def _lists(body: dict[str, Any]) -> list[str]:
    return [
        name
        for name, prop in body.get("properties", {}).items()
        if isinstance(prop, dict) and prop.get("type") == "array"
    ]


def _xml_body(schemas: dict[str, Any], component: str) -> dict[str, Any]:
    """The XML request schema: the exported body with entries of any type, inlined.

    XML can say that an entry is not an object only with text inside the entry element
    (``<group>null</group>``), which a server may read as an empty entry (the reference
    server does, and answers 201 with the entry's errorDetails) or refuse: the export leaves
    that open rather than call either reading wrong. An entry is still one element: an
    object or a scalar (its text), never a list.
    """
    body: dict[str, Any] = copy.deepcopy(schemas[component])
    for name in _lists(body):
        entry = _component_name(body["properties"][name].get("items"))
        if entry is not None:
            items = copy.deepcopy(schemas[entry])
            # any one element: an object, or text; not a list (XML would write a list of
            # lists as no item at all)
            items["type"] = ["object", "string", "number", "boolean", "null"]
            body["properties"][name]["items"] = items
    return body


def _component_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
        return ref.removeprefix(COMPONENT_PREFIX)
    return None


def _loosen(entry: dict[str, Any]) -> None:
    """Keep an entry an object; reduce each property to its annotations."""
    entry["type"] = "object"
    for name, prop in list(entry.get("properties", {}).items()):
        kept = {key: prop[key] for key in _ANNOTATIONS if key in prop}
        if "xml" in kept:  # "wrapped" describes an array, which the property no longer is
            kept["xml"] = {k: v for k, v in kept["xml"].items() if k != "wrapped"}
        entry["properties"][name] = kept
