"""diglot: contract testing and schema conformance, in JSON and in XML.

The public API is small; everything else is private and may change::

    import diglot

    spec = diglot.load_spec()                    # the bundled description of the API
    findings = diglot.check(response)            # judge any httpx/requests response
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from diglot._check import check
from diglot._exchange import Case, CaseKind, Exchange, Expect, Request, Response
from diglot._findings import Family, Finding, Severity
from diglot._results import CheckResult, RunResult, Status
from diglot.errors import (
    ContractViolation,
    DiglotError,
    InvalidSpec,
    ReportError,
    TargetUnreachable,
    UnknownOperation,
    UsageError,
)

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
]
