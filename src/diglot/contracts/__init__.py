"""Contract checks: JSON and XML responses judged against the documented contract.

Every check has an id (``family.claim``), a family and a claim, and reports findings with a
severity through the :class:`Observation` it judges. One file per family, each check id
defined, driven and judged in its file: ``protocol``, ``schema``, ``equivalence``,
``pagination``, ``semantics`` and ``persistence`` (a semantics check that spans requests).
The registry (``register_check``, ``MultiCheck``, ``register_multi_check``) is the same public
API a user's checks use; ``CHECKS`` lists every registered check.
"""

from __future__ import annotations

from diglot.contracts import (
    completeness,
    equivalence,
    outcomes,
    pagination,
    persistence,
    protocol,
    schema,
    semantics,
)
from diglot.contracts._observation import RESTAPI_NS, Observation, pointer, show
from diglot.contracts._registry import (
    CHECKS,
    MULTI_CHECKS,
    SINGLE_CHECKS,
    CheckInfo,
    MultiCheck,
    RunContext,
    load_checks,
    register_check,
    register_multi_check,
    run_single_checks,
)

__all__ = [
    "CHECKS",
    "MULTI_CHECKS",
    "RESTAPI_NS",
    "SINGLE_CHECKS",
    "CheckInfo",
    "MultiCheck",
    "Observation",
    "RunContext",
    "completeness",
    "equivalence",
    "load_checks",
    "outcomes",
    "pagination",
    "persistence",
    "pointer",
    "protocol",
    "register_check",
    "register_multi_check",
    "run_single_checks",
    "schema",
    "semantics",
    "show",
]
