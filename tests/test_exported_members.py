from __future__ import annotations

import subprocess
import sys

import pytest

import diglot

PUBLIC = [
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


def test_the_public_surface_is_pinned_and_sorted():
    assert diglot.__all__ == PUBLIC
    for name in diglot.__all__:
        assert hasattr(diglot, name), name


def test_import_diglot_stays_cheap():
    code = "import sys, diglot; print(sorted(m for m in ('hypothesis', 'lxml', 'httpx', 'pytest') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_attributes_still_raise():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = diglot.no_such_thing
