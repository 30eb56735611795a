"""diglot: contract testing and schema conformance, in JSON and in XML.

The public API is small; everything else is private and may change::

    import diglot

    spec = diglot.load_spec()                    # the bundled description of the API
    findings = diglot.check(response)            # judge any httpx/requests response
    result = diglot.run(diglot.RunOptions(max_examples=5))   # the whole suite

    @diglot.parametrize()                        # in a pytest suite: one item per
    def test_conformance(case):                  # operation × content type
        case.call_and_validate()

    @diglot.register_check("acme.claim", description="…")   # a check of your own
    def acme_claim(obs: diglot.Observation) -> bool: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diglot._version import __version__
from diglot.engine._options import RunOptions
from diglot.engine._results import CheckResult, RunResult, Status
from diglot.errors import (
    ContractViolation,
    DiglotError,
    InvalidSpec,
    ReportError,
    TargetUnreachable,
    UnknownOperation,
    UsageError,
)
from diglot.model import (
    Case,
    CaseKind,
    Exchange,
    Expect,
    Family,
    Finding,
    Request,
    Response,
    Severity,
)

if TYPE_CHECKING:
    from diglot.contracts import (
        CheckInfo,
        MultiCheck,
        Observation,
        RunContext,
        register_check,
        register_multi_check,
    )
    from diglot.contracts._response import check
    from diglot.engine import run
    from diglot.plugin._api import parametrize
    from diglot.specs import load_spec


__all__ = [
    "Case",
    "CaseKind",
    "CheckInfo",
    "CheckResult",
    "ContractViolation",
    "DiglotError",
    "Exchange",
    "Expect",
    "Family",
    "Finding",
    "InvalidSpec",
    "MultiCheck",
    "Observation",
    "ReportError",
    "Request",
    "Response",
    "RunContext",
    "RunOptions",
    "RunResult",
    "Severity",
    "Status",
    "TargetUnreachable",
    "UnknownOperation",
    "UsageError",
    "__version__",
    "check",
    "load_spec",
    "parametrize",
    "register_check",
    "register_multi_check",
    "run",
]

# loaded on first use, so that ``import diglot`` stays cheap: the checks need lxml and the
# compiled schemas, the run hypothesis and httpx, ``parametrize`` pytest
_LAZY = {
    "CheckInfo": "diglot.contracts",
    "MultiCheck": "diglot.contracts",
    "Observation": "diglot.contracts",
    "RunContext": "diglot.contracts",
    "register_check": "diglot.contracts",
    "register_multi_check": "diglot.contracts",
    "check": "diglot.contracts._response",
    "run": "diglot.engine",
    "parametrize": "diglot.plugin._api",
    "load_spec": "diglot.specs",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'diglot' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
