"""``diglot run --record`` and ``diglot replay``: a faulty run replayed against a fixed server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diglot.cli import main
from diglot.engine._record import FAILURES_FILE, TRAFFIC_FILE, Recorder, read_har
from diglot.server import running

pytestmark = pytest.mark.slow

TOKEN = "tok-3f9a1c77e2b54d0b"


def _faulty_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Path:
    monkeypatch.setenv("DIGLOT_TOKEN", TOKEN)
    reports = tmp_path / "run"
    code = main(
        ["run", "--max-examples", "3", "--seed", "3", "--fault", "xml-child-order",
         "--operations", "listGroups,createGroups", "--report-dir", str(reports), *extra]
    )  # fmt: skip
    assert code == 1
    return reports


def test_a_failing_run_saves_its_failures_and_replays_them_as_fixed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = _faulty_run(tmp_path, monkeypatch)
    assert not (reports / TRAFFIC_FILE).exists()
    saved = read_har(reports / FAILURES_FILE)
    assert saved
    # the failing XML answers, and the creates, so that a replay meets the same data
    assert any(e.request.headers.get("Accept") == "application/xml" for e in saved)
    assert any(e.request.method == "POST" for e in saved)
    for written in reports.iterdir():
        assert TOKEN not in written.read_text(), written
    capsys.readouterr()
    # against a fresh, clean reference server: every finding is fixed, none new
    assert main(["replay", str(reports), "--report-dir", str(tmp_path / "replayed")]) == 0
    out = capsys.readouterr().out
    fixed = next(line for line in out.splitlines() if line.startswith("fixed since:"))
    assert int(fixed.split()[2]) > 0
    assert "still there: 0 finding(s)" in out
    assert "new: 0 finding(s)" in out
    assert "FIXED schema.body on listGroups (xml)" in out
    document = json.loads((tmp_path / "replayed" / "report.json").read_text())
    assert document["summary"]["failed"] == 0


def test_a_full_record_replayed_against_the_same_fault_reproduces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = _faulty_run(tmp_path, monkeypatch, "--record")
    recorded = read_har(reports / TRAFFIC_FILE)
    document = json.loads((reports / "report.json").read_text())
    # every exchange the run judged (the clean-up of what it created is not part of it)
    assert 0.9 * document["summary"]["requests"] <= len(recorded)
    assert len(recorded) <= document["summary"]["requests"]
    assert all("Authorization" not in e.request.headers for e in recorded)
    assert all(e.request.authenticated for e in recorded)
    assert TOKEN not in (reports / TRAFFIC_FILE).read_text()
    log = json.loads((reports / TRAFFIC_FILE).read_text())["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "diglot"
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert {"method", "url", "httpVersion", "headers", "queryString"} <= set(entry["request"])
        assert {"status", "headers", "content", "redirectURL"} <= set(entry["response"])
    capsys.readouterr()
    with running(fault="xml-child-order") as base_url:
        code = main(["replay", str(reports / TRAFFIC_FILE), "--base-url", base_url])
    out = capsys.readouterr().out
    assert code == 1
    assert "fixed since: 0 finding(s)" in out
    still = next(line for line in out.splitlines() if line.startswith("still there:"))
    assert int(still.split()[2]) > 0
    assert "[violation] schema.body on listGroups (xml)" in out
    assert "new: 0 finding(s)" in out


def test_the_record_is_bounded_and_says_so(tmp_path: Path) -> None:
    reports = tmp_path / "run"
    code = main(
        ["run", "--max-examples", "3", "--seed", "3", "--operations", "listGroups",
         "--content-types", "json", "--record", "--record-limit", "20000",
         "--report-dir", str(reports)]
    )  # fmt: skip
    assert code == 0
    assert (reports / TRAFFIC_FILE).stat().st_size < 200_000
    document = json.loads((reports / "report.json").read_text())
    assert any("traffic record reached its limit (20000 bytes)" in e for e in document["errors"])
    assert Recorder(limit=1).limit_note() is None


def test_replay_of_nothing_recorded_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["replay", str(tmp_path)]) == 2
