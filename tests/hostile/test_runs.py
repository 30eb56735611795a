"""Whole ``diglot run``s against a target that misbehaves on one operation × content type.

Each hostile behaviour of the catalogue is put behind ``Selective``: GET list groups, when the
request asks for the content type under test, gets the behaviour; every other request is
relayed to a faithful reference server. The run must end by itself with exit code 1, name
what was wrong in a finding, print no traceback, still check the other operations, read no
local file, reach no other host, keep its memory bounded and write the token nowhere.

The probe (one plain request before anything else) goes to the first read-only operation
given to ``--operations``: list signing groups here, so the hostile operation is judged like
any other. ``test_a_hostile_probe_*`` point the probe at it instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from diglot.cli import main
from diglot.engine._session import GIVE_UP_AFTER
from diglot.server import DEFAULT_ACCOUNT_ID, running
from tests.hostile import catalogue
from tests.hostile.catalogue import BEHAVIOURS
from tests.hostile.proxy import Selective
from tests.hostile.server import HostileServer
from tests.hostile.test_hostile import TOKEN, assert_no_token

pytestmark = pytest.mark.slow

HOSTILE_OPERATION = "listGroups"
OPERATIONS = ("listSigningGroups", HOSTILE_OPERATION, "createGroups")
"""The probe takes the first read-only operation: list signing groups, which stays faithful."""
HEAVY = frozenset({"huge-body", "endless-chunked", "gzip-bomb", "deflate-bomb"})
"""Behaviours that would fill memory if diglot let them: run in a child, its peak RSS measured."""
MEMORY_CEILING_KIB = 300 * 1024
CHILD_DEADLINE = 90.0
TIMEOUT = "2"
MAX_BODY = 2**20


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    report_dir: Path
    handler: Selective
    sentinel_connections: int
    marker: str
    peak_rss_kib: int | None = None
    report: dict[str, object] = field(default_factory=dict)

    def results(self) -> list[dict[str, object]]:
        results = self.report.get("results", [])
        assert isinstance(results, list)
        return results

    def exchanges(self, operation: str, content_type: str) -> int:
        return sum(
            int(r["exchanges"])  # type: ignore[call-overload]
            for r in self.results()
            if r["operation"] == operation and r["content_type"] == content_type
        )

    def findings(self, operation: str, content_type: str) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for result in self.results():
            if result["operation"] == operation and result["content_type"] == content_type:
                findings = result["findings"]
                assert isinstance(findings, list)
                found += findings
        return found


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running() as base_url:
        yield base_url


def _argv(name: str, base_url: str, report_dir: Path, operations: tuple[str, ...]) -> list[str]:
    argv = ["run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID]
    argv += ["--timeout", TIMEOUT, "--max-examples", "2", "--seed", "11"]
    argv += ["--operations", ",".join(operations), "--report-dir", str(report_dir)]
    if BEHAVIOURS[name].slow or name in HEAVY:
        # each hostile answer costs the time limit or a full body: keep the walks out
        argv.append("--no-stateful")
    if name in HEAVY:
        argv += ["--max-body", str(MAX_BODY)]
    return argv


# The child's own peak: VmHWM is per address space and starts afresh at exec, whereas
# ru_maxrss (wait4, getrusage) carries over the RSS of the process that forked it: a child of
# a pytest process that has grown past 300 MB would report that, whatever it used itself.
_BOOTSTRAP = """
import atexit, os, runpy, sys

def _record_peak():
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        for line in status:
            if line.startswith("VmHWM:"):
                out.write(line.split()[1])

atexit.register(_record_peak)
sys.argv = ["diglot", *sys.argv[1:]]
runpy.run_module("diglot", run_name="__main__")
"""


def _in_child(argv: list[str]) -> tuple[int, str, str, int]:
    """Run ``python -m diglot`` in a child; return its exit code, output and peak RSS (KiB)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        env = {**os.environ, "DIGLOT_TOKEN": TOKEN, "PEAK_FILE": str(peak_file)}
        env.pop("DIGLOT_DEBUG", None)
        with (
            open(os.devnull, "rb") as stdin,
            _temporary_file() as out,
            _temporary_file() as err,
        ):
            child = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, *argv],
                stdin=stdin,
                stdout=out,
                stderr=err,
                env=env,
            )
            try:
                code = child.wait(timeout=CHILD_DEADLINE)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                pytest.fail(f"diglot did not end within {CHILD_DEADLINE} s: {argv}")
            out.seek(0)
            err.seek(0)
            return code, out.read(), err.read(), int(peak_file.read_text())


def _temporary_file() -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")


def hostile_run(
    name: str,
    content_type: str,
    upstream: str,
    tmp_path: Path,
    *,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    operations: tuple[str, ...] = OPERATIONS,
) -> Outcome:
    behaviour = BEHAVIOURS[name]
    handler = Selective(behaviour.handler, upstream, content_type=content_type)
    report_dir = tmp_path / "reports"
    with HostileServer(handler) as server:
        argv = _argv(name, server.base_url, report_dir, operations)
        peak: int | None = None
        if name in HEAVY:
            code, stdout, stderr, peak = _in_child(argv)
        else:
            monkeypatch.setenv("DIGLOT_TOKEN", TOKEN)
            monkeypatch.delenv("DIGLOT_DEBUG", raising=False)
            capsys.readouterr()
            code = main(argv)
            captured = capsys.readouterr()
            stdout, stderr = captured.out, captured.err
        outcome = Outcome(
            code,
            stdout,
            stderr,
            report_dir,
            handler,
            server.sentinel.connections(),
            server.context.marker,
            peak,
        )
    report_file = report_dir / "report.json"
    if report_file.exists():
        outcome.report = json.loads(report_file.read_text(encoding="utf-8"))
    return outcome


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_nothing_leaked(outcome: Outcome) -> None:
    """No token in any encoding, no marker file content, no other host reached."""
    assert_no_token(outcome.stdout)
    assert_no_token(outcome.stderr)
    files = sorted(outcome.report_dir.rglob("*")) if outcome.report_dir.exists() else []
    for path in files:
        if path.is_file():
            data = path.read_bytes()
            assert_no_token(data)
            assert outcome.marker.encode() not in data, path.name
    assert outcome.marker not in outcome.stdout + outcome.stderr
    assert outcome.sentinel_connections == 0


def _param(name: str, content_type: str) -> object:
    return pytest.param(name, content_type, id=f"{name}-{content_type}")


@pytest.mark.parametrize(("name", "content_type"), [_param(*case) for case in catalogue.cases()])
def test_a_run_against_one_hostile_operation(
    name: str,
    content_type: str,
    upstream: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    behaviour = BEHAVIOURS[name]
    outcome = hostile_run(
        name, content_type, upstream, tmp_path, capsys=capsys, monkeypatch=monkeypatch
    )
    output = outcome.stdout + outcome.stderr

    # it ended by itself, with violations found, and no traceback
    assert outcome.code == 1, output[-3000:]
    assert outcome.code in behaviour.exit_codes
    assert "Traceback" not in output
    assert "internal error" not in output
    assert outcome.handler.hits > 0, "the hostile behaviour was never exercised"
    if outcome.peak_rss_kib is not None:
        assert outcome.peak_rss_kib < MEMORY_CEILING_KIB, f"peak RSS {outcome.peak_rss_kib} KiB"
        options = outcome.report["options"]
        assert isinstance(options, dict)
        assert options["max_body"] == MAX_BODY
    if behaviour.slow:
        # a few time limits, then diglot stops sending to that operation × content type
        assert outcome.handler.hits == GIVE_UP_AFTER
        errors = outcome.report["errors"]
        assert isinstance(errors, list)
        assert any("stopped sending" in error for error in errors), errors
        assert "stopped sending" in outcome.stdout

    # a finding on the hostile operation × content type names what was wrong
    findings = outcome.findings(HOSTILE_OPERATION, content_type)
    violations = [f for f in findings if f["severity"] == "violation"]
    assert violations, f"no violation on {HOSTILE_OPERATION} [{content_type}]"
    if behaviour.must_say is not None:
        text = "\n".join(_strings(findings))
        assert re.search(behaviour.must_say, text, re.IGNORECASE), text[:3000]

    # the other operations were still checked, and the faithful ones pass
    for operation in OPERATIONS:
        for other in ("json", "xml"):
            if (operation, other) != (HOSTILE_OPERATION, content_type):
                assert outcome.exchanges(operation, other) > 0, (operation, other)
    for other in ("json", "xml"):
        assert outcome.findings("listSigningGroups", other) == []

    assert_nothing_leaked(outcome)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        _param("empty-reply", "json"),
        _param("never-answers", "json"),
        _param("huge-header", "json"),
        _param("json-nan-infinity", "json"),
        _param("echo-authorization-raw", "json"),
    ],
)
def test_a_hostile_probe_ends_the_run_cleanly(
    name: str,
    content_type: str,
    upstream: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the very first request is the hostile one: exit 3 with a reason, or a normal run."""
    behaviour = BEHAVIOURS[name]
    outcome = hostile_run(
        name,
        content_type,
        upstream,
        tmp_path,
        capsys=capsys,
        monkeypatch=monkeypatch,
        operations=(HOSTILE_OPERATION, "listSigningGroups"),
    )
    output = outcome.stdout + outcome.stderr
    assert outcome.code in behaviour.exit_codes, output[-3000:]
    assert "Traceback" not in output
    assert outcome.handler.hits > 0
    if behaviour.layer == "failure":
        assert outcome.code == 3
        assert "target unusable" in outcome.stderr
        assert behaviour.must_say is not None
        assert re.search(behaviour.must_say, outcome.stderr, re.IGNORECASE), outcome.stderr
    else:
        assert outcome.code == 1
        assert outcome.exchanges("listSigningGroups", "xml") > 0
    assert_nothing_leaked(outcome)


@pytest.mark.parametrize("option", ["--max-body", "--max-header-bytes", "--max-headers"])
def test_limits_must_be_positive(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", option, "0", "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "at least 1" in err
    assert "Traceback" not in err


def test_the_peak_rss_measured_is_the_childs_own_not_its_parents():
    # a parent past the ceiling must not lend its high-water mark to the child it forks
    ballast = bytearray(MEMORY_CEILING_KIB * 1024 + 50 * 2**20)
    for index in range(0, len(ballast), 4096):
        ballast[index] = 1
    code, _out, _err, peak = _in_child(["--version"])
    del ballast
    assert code == 0
    assert 0 < peak < MEMORY_CEILING_KIB
