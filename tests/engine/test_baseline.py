"""The baseline: known findings fail nothing, new ones do, gone ones are fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import main
from diglot.engine._baseline import kind_of, load_baseline, signature
from diglot.errors import UsageError
from diglot.model import Finding, Severity
from diglot.reports import from_json

LIST_JSON = ["--operations", "listGroups", "--content-types", "json", "--max-examples", "3"]


def diglot_run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "reports"
    code = main(["run", *LIST_JSON, "--report-dir", str(out), *args])
    return code, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_the_kind_leaves_out_what_changes_between_runs():
    one = kind_of(
        "group 'diglot-k3x9a-0001' (id 4f2c9a1e-7b3d-4e8a-9c61-2d5f8b0e7a13) listed 3 times"
    )
    two = kind_of(
        'group "diglot-zz001-0042" (id 11bb19b0-98d9-547c-b40b-7d6330a3a31b) listed 7 times'
    )
    assert one == two == "group <value> (id <id>) listed <n> times"
    assert kind_of("groupName is missing") != kind_of("groupId is missing")


def test_the_signature_keeps_list_indexes_and_ignores_values():
    def finding(location: str, message: str) -> Finding:
        return Finding(
            "schema.body",
            "schema",
            Severity.VIOLATION,
            message,
            "listGroups",
            "json",
            location=location,
            actual="run-specific",
        )

    assert signature(finding("/groups/1", "'x' is bad")) == signature(
        finding("/groups/1", "'y' is bad")
    )
    assert signature(finding("/groups/1", "bad")) != signature(finding("/groups/2", "bad"))


def test_a_broken_baseline_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file; write one with --baseline-update"):
        load_baseline(tmp_path / "missing.json")
    (tmp_path / "b.json").write_text('{"version": 1, "findings": [{"check": 1}]}')
    with pytest.raises(UsageError, match=r"findings\[0\] needs the strings"):
        load_baseline(tmp_path / "b.json")
    assert main(["run", "--no-reports", "--baseline", str(tmp_path / "b.json")]) == 2


@pytest.mark.slow
def test_a_baseline_turns_a_red_run_green_and_a_new_fault_red_again(tmp_path):
    baseline = tmp_path / "diglot-baseline.json"
    fault = ("--fault", "json-renamed-field")

    code, red = diglot_run(tmp_path, *fault, "--seed", "1")
    assert code == 1
    assert red["summary"]["failed"] > 0

    code, _ = diglot_run(
        tmp_path, *fault, "--seed", "1", "--baseline", str(baseline), "--baseline-update"
    )
    assert code == 0  # writing the baseline fails nothing
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert written["version"] == 1
    assert written["findings"]
    assert all(e["operation"] == "listGroups" for e in written["findings"])

    # another seed: other generated cases, other names; the same problems are known
    code, green = diglot_run(tmp_path, *fault, "--seed", "2", "--baseline", str(baseline))
    assert code == 0, [(r["check"], r["status"]) for r in green["results"]]
    assert green["summary"]["failed"] == 0
    assert green["summary"]["known"] > 0
    known = [r for r in green["results"] if r["status"] == "known"]
    assert known
    assert all(r["known"] for r in known)
    html = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'class="result s-known"' in html
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert "Baseline: " in summary
    assert " known (accepted, fail nothing)" in summary
    assert "known" in (tmp_path / "reports" / "junit.xml").read_text(encoding="utf-8")
    again = from_json(green)  # the report reads back: statuses agree with the known marks
    assert again.summary()["known"] == green["summary"]["known"]

    # a new fault: its findings are new (red), the baselined ones no longer occur (fixed)
    code, other = diglot_run(
        tmp_path, "--fault", "json-numbers-as-numbers", "--seed", "2", "--baseline", str(baseline)
    )
    assert code == 1
    assert other["summary"]["failed"] > 0
    assert other["summary"]["fixed"] > 0
    assert {e["check"] for e in other["fixed"]} <= {e["check"] for e in written["findings"]}

    # the clean server: nothing known, everything in the baseline fixed, green
    code, clean = diglot_run(tmp_path, "--seed", "3", "--baseline", str(baseline))
    assert code == 0
    assert clean["summary"]["known"] == 0
    assert clean["summary"]["fixed"] == len(written["findings"])


@pytest.mark.slow
def test_the_pytest_plugin_reads_the_same_baseline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """diglot run --baseline-update writes it; the repo's pytest suite, configured by the same
    [tool.diglot], then passes against the same fault, and fails on another."""
    import subprocess
    import sys

    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    pytester.makepyprojecttoml(
        """
        [tool.diglot]
        operations = { only = ["listGroups"] }
        content-types = ["json"]
        max-examples = 2
        stateful = false
        fault = "json-renamed-field"
        baseline = "diglot-baseline.json"
        report-dir = "diglot-reports"
        """
    )
    pytester.makepyfile(
        test_conformance="import diglot\n\n\n@diglot.parametrize()\ndef test_it(case):\n"
        "    case.call_and_validate()\n"
    )
    cli = subprocess.run(
        [sys.executable, "-m", "diglot", "run", "--baseline-update", "--seed", "1"],
        cwd=pytester.path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert (pytester.path / "diglot-baseline.json").is_file()

    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--diglot-seed", "2").assert_outcomes(
        passed=1
    )
    report = json.loads((pytester.path / "diglot-reports" / "report.json").read_text())
    assert report["summary"]["known"] > 0
    assert report["summary"]["failed"] == 0

    text = (pytester.path / "pyproject.toml").read_text()
    (pytester.path / "pyproject.toml").write_text(
        text.replace("json-renamed-field", "json-numbers-as-numbers")
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
