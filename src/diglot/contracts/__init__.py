"""Contract checks: JSON and XML responses judged against the documented contract.

Checks are grouped in families (protocol, schema, equivalence, pagination, semantics); each
has an id, a claim, and reports findings with a severity. ``CHECKS`` lists them all.
"""

from __future__ import annotations

from diglot.contracts import equivalence, pagination, protocol, schema, semantics
from diglot.contracts._registry import CHECKS, CheckInfo, Observation, run_single_checks

__all__ = [
    "CHECKS",
    "CheckInfo",
    "Observation",
    "equivalence",
    "pagination",
    "protocol",
    "run_single_checks",
    "schema",
    "semantics",
]
