"""The benchmark harness runs and prints every figure (behaviour only, never wall-clock)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = {
    "per response": 4,
    "generation": 4,
    "end to end": 3,
    "memory": 2,
    "scaling": 2,
    "budget": 6,
}


@pytest.mark.bench
def test_quick_run_prints_every_figure(tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(rows_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(rows_file.read_text())
    counts = {section: sum(r["section"] == section for r in rows) for section in SECTIONS}
    assert counts == SECTIONS
    for row in rows:
        assert isinstance(row["value"], float | int)
        assert math.isfinite(row["value"])
        assert row["value"] > 0, row
        assert row["passed"] in (True, False, None)
        assert (row["passed"] is None) == (row["target"] == "")
        assert row["name"] in done.stdout
    assert "schemathesis run --checks all" in done.stdout
    assert "hypothesis-jsonschema from_schema" in done.stdout
    assert "targets met" in done.stdout


def test_unknown_section_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown section(s) nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_render_lists_missed_targets() -> None:
    from benchmarks._harness import Row, at_least, render

    target, passed = at_least(3.0, 10)
    text = render([Row("end to end", "ratio", 3.0, "x", target, passed, "20 req/s", "a note")])
    assert "FAIL" in text
    assert ">= 10" in text
    assert "1 missed: ratio" in text
    assert "- ratio: a note" in text
