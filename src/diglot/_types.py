"""Type aliases shared across diglot."""

from __future__ import annotations

from typing import TypeAlias

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""Any value that JSON can carry, and the data model of an XML body once decoded."""

JSONObject: TypeAlias = "dict[str, JSONValue]"
