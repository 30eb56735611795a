"""diglot: contract testing and schema conformance, in JSON and in XML.

The public API is small; everything else is private and may change::

    import diglot

    spec = diglot.load_spec()                    # the bundled description of the API
    findings = diglot.check(response)            # judge any httpx/requests response

    @diglot.parametrize()                        # in a pytest suite: one item per
    def test_conformance(case):                  # operation × content type
        case.call_and_validate()
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from diglot._check import check
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
    from diglot.plugin._api import parametrize
    from diglot.specs import load_spec

try:
    __version__ = version("diglot")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Case",
    "CaseKind",
    "CheckResult",
    "ContractViolation",
    "DiglotError",
    "Exchange",
    "Expect",
    "Family",
    "Finding",
    "InvalidSpec",
    "ReportError",
    "Request",
    "Response",
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
]


def __getattr__(name: str) -> Any:
    # ``parametrize`` needs pytest: imported on first use, so ``import diglot`` stays cheap
    if name == "parametrize":
        from diglot.plugin._api import parametrize

        return parametrize
    if name == "load_spec":  # compiles the schemas: loaded on first use too
        from diglot.specs import load_spec

        return load_spec
    raise AttributeError(f"module 'diglot' has no attribute {name!r}")
