"""A small, independent generator: hypothesis strategies from the JSON Schema subset diglot uses.

Hand-built (not diglot.strategies) so the property tests check the spec and the codec with
an oracle that shares no code with them. Supports allOf (merged), object/properties/required,
array/items/minItems/maxItems, string pattern/enum/maxLength, and type lists.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

# characters XML 1.0 can carry (the codec refuses the others, tested separately)
_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_TEXT = st.text(
    st.characters(exclude_categories=["Cs"]).filter(lambda c: bool(_XML_CHAR.fullmatch(c))),
    max_size=12,
)
MAX_ITEMS = 3


def merge(schema: dict[str, Any]) -> dict[str, Any]:
    """Fold allOf into one schema (required united, properties and items merged)."""
    result = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        result = _merge_two(result, merge(part))
    return result


def _merge_two(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key == "required":
            out["required"] = sorted({*out.get("required", []), *value})
        elif key == "properties":
            props = dict(out.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge_two(props.get(name, {}), sub)
            out["properties"] = props
        elif key == "items":
            out["items"] = _merge_two(out.get("items", {}), value)
        else:
            out[key] = value
    return out


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = merge(schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(types, list):
        return st.one_of(*(from_schema({**schema, "type": t}) for t in types))
    if types == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {name: from_schema(sub) for name, sub in props.items() if name in required},
            optional={
                name: from_schema(sub) for name, sub in props.items() if name not in required
            },
        )
    if types == "array":
        return st.lists(
            from_schema(schema.get("items", {})),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", MAX_ITEMS), MAX_ITEMS),
        )
    if types == "null":
        return st.none()
    if types == "boolean":
        return st.booleans()
    if types == "integer":
        return st.integers(min_value=-(10**6), max_value=10**12)
    if types == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: len(s) <= 30)
        return XML_TEXT.filter(lambda s: len(s) <= schema.get("maxLength", 10**6))
    raise ValueError(f"jsongen does not support {schema!r}")


def normalise(value: Any, schema: dict[str, Any] | None = None) -> Any:
    """What the XML form carries: booleans and numbers as strings.

    Where ``schema`` types a value as a JSON boolean only (``"type": "boolean"``, like
    ``isManagedByScim``), the XML form's ``true``/``false`` decodes back to a boolean.
    """
    schema = merge(schema) if schema else {}
    if isinstance(value, bool):
        if schema.get("type") == "boolean":
            return value
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: normalise(v, props.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, schema.get("items")) for v in value]
    return value
