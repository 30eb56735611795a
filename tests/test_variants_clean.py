"""Fair judging (issue 11): a faithful server that reads the documentation differently passes clean.

Every variant of the reference server answers faithfully, only in another representation or
another reading of an open point; a strict run of diglot against it must find nothing at all,
neither violations nor warnings.
"""

from __future__ import annotations

import pytest

from diglot.engine._options import RunOptions
from diglot.engine._results import RunResult
from diglot.engine._run import run
from diglot.server import VARIANTS


def describe(result: RunResult) -> str:
    lines = [
        f"[{f.severity.value}] {f.check} on {r.operation} ({r.content_type}): {f.message}"
        + (f" at {f.location}" if f.location else "")
        + (f"; expected {f.expected}, got {f.actual}" if f.expected or f.actual else "")
        for r in result.results
        for f in r.findings
    ]
    return "\n".join(lines + [f"error: {e}" for e in result.errors])


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_strict_run_finds_nothing_against_a_variant(variant: str) -> None:
    result = run(RunOptions(max_examples=5, seed=1, strict=True, variant=variant))
    findings = [f for r in result.results for f in r.findings]
    assert not findings, f"{VARIANTS[variant].description}:\n{describe(result)}"
    assert not result.errors, describe(result)
    assert not result.failed(strict=True)
    assert result.requests > 100


@pytest.mark.slow
def test_selftest_reports_faults_caught_and_variants_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from diglot.cli import main

    args = ["selftest", "--max-examples", "2", "--faults", "ignore-accept,xml-child-order"]
    assert main([*args, "--variants", "gzip,xml-prefixed"]) == 0
    out = capsys.readouterr().out
    assert "2/2 faults caught" in out
    assert "variants clean 2/2" in out
    assert "clean server clean" in out


def test_selftest_refuses_an_unknown_variant_before_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from diglot.cli import main

    assert main(["selftest", "--variants", "gzipp"]) == 2
    err = capsys.readouterr().err
    assert "unknown variant 'gzipp'" in err
    assert "gzip" in err
