"""Hypothesis strategies built from the spec: request cases per operation and content type.

Example:
    >>> from diglot.specs import load_spec
    >>> from diglot.strategies import Names, from_operation
    >>> spec = load_spec()
    >>> cases = from_operation(spec.operation("listGroups"), spec=spec, content_type="xml",
    ...                        account_id="1234", names=Names())
"""

from __future__ import annotations

from diglot.strategies._cases import (
    CLEANUP_BATCH,
    IGNORED_MARKER,
    cleanup_cases,
    explicit_cases,
    from_operation,
    generates_cases,
    is_bulk,
    malformed_cleanup_case,
)
from diglot.strategies._names import EMAIL_DOMAIN, Names, new_run_id, run_id_of, run_started

__all__ = [
    "CLEANUP_BATCH",
    "EMAIL_DOMAIN",
    "IGNORED_MARKER",
    "Names",
    "cleanup_cases",
    "explicit_cases",
    "from_operation",
    "generates_cases",
    "is_bulk",
    "malformed_cleanup_case",
    "new_run_id",
    "run_id_of",
    "run_started",
]
