"""Hypothesis strategies built from the spec: request cases per operation and content type.

Example:
    >>> from diglot.specs import load_spec
    >>> from diglot.strategies import Names, from_operation
    >>> spec = load_spec()
    >>> cases = from_operation(spec.operation("listGroups"), spec=spec, content_type="xml",
    ...                        account_id="1234", names=Names())
"""

from __future__ import annotations

from diglot.strategies._cases import IGNORED_MARKER, explicit_cases, from_operation
from diglot.strategies._names import Names

__all__ = ["IGNORED_MARKER", "Names", "explicit_cases", "from_operation"]
