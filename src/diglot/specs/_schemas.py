"""JSON Schema helpers: inline an OpenAPI document's references, compile, report errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from diglot.errors import InvalidSpec
from diglot.specs._model import SchemaError

if TYPE_CHECKING:
    from diglot.model import JSONValue

COMPONENT_PREFIX = "#/components/schemas/"


def pointer_get(document: Mapping[str, JSONValue], pointer: str) -> JSONValue:
    """The value at a local JSON pointer (``#/components/schemas/group``) of a document.

    Raises:
        KeyError: the pointer does not lead anywhere.
    """
    node: JSONValue = dict(document)
    for raw in pointer.removeprefix("#").split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(pointer)
    return node


def inline(
    schema: JSONValue, document: Mapping[str, JSONValue], where: str, _seen: tuple[str, ...] = ()
) -> JSONValue:
    """A copy of ``schema`` with every local ``$ref`` replaced by what it points to.

    The shapes of this API are not recursive, so the result is a plain, self-contained JSON
    Schema that any validator or generator can use without the document. Annotations beside a
    ``$ref`` (``description``, ``xml``) are kept and win over the target's.

    Raises:
        InvalidSpec: a reference is not local, leads nowhere, or is recursive.
    """
    if isinstance(schema, list):
        return [inline(item, document, where, _seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise InvalidSpec(
                f"{where}: $ref {ref!r} is not a local reference; openapi.json must be "
                "self-contained (use #/components/schemas/...)."
            )
        if ref in _seen:
            raise InvalidSpec(
                f"{where}: $ref {ref!r} is recursive ({' -> '.join((*_seen, ref))}); "
                "diglot's shapes must not refer to themselves."
            )
        try:
            target = pointer_get(document, ref)
        except KeyError:
            raise InvalidSpec(
                f"{where}: $ref {ref!r} points to nothing in the document; define it or fix the "
                "reference."
            ) from None
        resolved = inline(target, document, where, (*_seen, ref))
        if not isinstance(resolved, dict):
            raise InvalidSpec(f"{where}: $ref {ref!r} does not point to a schema object.")
        siblings = {k: inline(v, document, where, _seen) for k, v in schema.items() if k != "$ref"}
        return {**resolved, **siblings}
    return {key: inline(value, document, where, _seen) for key, value in schema.items()}


class CompiledSchema:
    """A JSON Schema compiled once with jsonschema-rs; reports errors as ``SchemaError``."""

    __slots__ = ("_validator", "schema")

    def __init__(self, schema: Mapping[str, JSONValue], where: str) -> None:
        self.schema = schema
        try:
            self._validator: Any = jsonschema_rs.Draft202012Validator(dict(schema))
        except (ValueError, jsonschema_rs.ValidationError) as exc:
            raise InvalidSpec(f"{where}: the schema does not compile: {exc}") from None

    def is_valid(self, instance: JSONValue) -> bool:
        return bool(self._validator.is_valid(instance))

    def errors(self, instance: JSONValue) -> list[SchemaError]:
        """Every violation, each with a JSON pointer and the failing keyword."""
        if self._validator.is_valid(instance):
            return []
        return [
            SchemaError(
                location=to_pointer(error.instance_path),
                message=error.message,
                keyword=_keyword(error.schema_path),
                unexpected=tuple(str(n) for n in getattr(error.kind, "unexpected", None) or ()),
            )
            for error in self._validator.iter_errors(instance)
        ]


def to_pointer(parts: Iterable[str | int]) -> str:
    """A JSON pointer (RFC 6901) from path parts: ``["groups", 0]`` -> ``/groups/0``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _keyword(schema_path: Iterable[str | int]) -> str:
    for part in reversed(list(schema_path)):
        if isinstance(part, str):
            return part
    return ""
