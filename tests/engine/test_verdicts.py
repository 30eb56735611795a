"""Honest verdicts (issue 15): what diglot says when it could not judge, over real HTTP.

A wrong ``--account-id`` is "target unusable" (exit 3), not violations; an account the
embedded server does not know is a usage error; ``DIGLOT_TOKEN`` is stripped, never doubled
"Bearer", refused when it cannot travel in a header; a 401 shows the server's words;
``--report-dir`` is checked before the first request; a run that checked much less than asked
exits 6 unless ``--allow-incomplete``; SIGTERM mid-run still leaves a report, marked
incomplete.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diglot.cli import ExitCode, main
from diglot.engine import RunOptions
from diglot.errors import UsageError
from diglot.server import DEFAULT_ACCOUNT_ID, running
from tests.hostile.server import HostileServer
from tests.hostile.throttling import Throttling

SMALL = ["--max-examples", "2", "--seed", "3", "--no-stateful"]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running() as base_url:
        yield base_url


def test_a_wrong_account_id_is_target_unusable_not_violations(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--base-url",
            upstream,
            "--account-id",
            "not-my-account",
            *SMALL,
            "--report-dir",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == ExitCode.UNREACHABLE
    assert "is --account-id right?" in err
    assert "INVALID_ACCOUNT_ID" in err  # the reference server's own answer
    assert "Traceback" not in err


def test_an_account_id_the_embedded_server_does_not_know_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--account-id", "12345", *SMALL, "--no-reports"]) == ExitCode.USAGE
    assert "--base-url" in capsys.readouterr().err


def test_the_token_is_stripped_and_bearer_is_not_doubled(
    upstream: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for raw in ("  s3cret-t0ken\n", "Bearer s3cret-t0ken\n"):
        monkeypatch.setenv("DIGLOT_TOKEN", raw)
        throttle = Throttling(upstream, limit=10_000)
        with HostileServer(throttle) as server:
            code = main(
                [
                    "run",
                    "--base-url",
                    server.base_url,
                    "--account-id",
                    DEFAULT_ACCOUNT_ID,
                    *SMALL,
                    "--operations",
                    "listGroups",
                    "--content-types",
                    "json",
                    "--report-dir",
                    str(tmp_path),
                ]
            )
        assert code == ExitCode.OK
        assert {seen.authorization for seen in throttle.seen} == {"Bearer s3cret-t0ken"}


@pytest.mark.parametrize("raw", ["tok\nen", "tök", "two words"])
def test_a_token_that_cannot_be_sent_is_a_usage_error_naming_diglot_token(
    raw: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGLOT_TOKEN", raw)
    with pytest.raises(UsageError, match="DIGLOT_TOKEN"):
        RunOptions.token_from_environment()
    assert main(["run", *SMALL, "--no-reports"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "DIGLOT_TOKEN" in err
    assert raw not in err


def _expired(peer, request, context):
    body = json.dumps(
        {
            "errorCode": "AUTHORIZATION_INVALID_TOKEN",
            "message": "The access token provided is expired, revoked or malformed.",
        }
    ).encode()
    head = (
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return peer.send(head.encode() + body)


def test_a_401_shows_the_servers_own_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with HostileServer(_expired) as server:
        code = main(
            [
                "run",
                "--base-url",
                server.base_url,
                "--account-id",
                DEFAULT_ACCOUNT_ID,
                *SMALL,
                "--report-dir",
                str(tmp_path),
            ]
        )
    err = capsys.readouterr().err
    assert code == ExitCode.UNREACHABLE
    assert "expired, revoked or malformed" in err
    assert "AUTHORIZATION_INVALID_TOKEN" in err


def test_an_unwritable_report_dir_is_refused_before_the_first_request(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    throttle = Throttling(upstream, limit=10_000)
    with HostileServer(throttle) as server:
        code = main(
            [
                "run",
                "--base-url",
                server.base_url,
                "--account-id",
                DEFAULT_ACCOUNT_ID,
                *SMALL,
                "--report-dir",
                str(blocker / "reports"),
            ]
        )
    assert code == ExitCode.USAGE
    assert "--report-dir" in capsys.readouterr().err
    assert throttle.seen == []


def test_an_empty_shard_is_incomplete_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", *SMALL, "--operations", "listGroups", "--content-types", "json"]
    argv += ["--shard", "1/2", "--report-dir", str(tmp_path)]
    assert main(argv) == ExitCode.INCOMPLETE
    assert "INCOMPLETE" in capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert any("shard" in reason for reason in report["incomplete"])
    for name in ("junit.xml", "index.html", "summary.md"):
        assert "INCOMPLETE" in (tmp_path / name).read_text("utf-8"), name
    assert main([*argv, "--allow-incomplete"]) == ExitCode.OK


@pytest.mark.slow
def test_sigterm_mid_run_leaves_a_report_marked_incomplete(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "diglot",
            "run",
            "--max-examples",
            "400",
            "--seed",
            "1",
            "--report-dir",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DIGLOT_TOKEN": ""},
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()  # "diglot: testing …": the run has begun
        assert "testing" in first
        time.sleep(3)  # well inside the first operation's 400 cases
        child.send_signal(signal.SIGTERM)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == ExitCode.TERMINATED, stderr
    assert "Traceback" not in stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert any("interrupted" in reason for reason in report["incomplete"])
    assert report["requests"] > 0
    assert "INCOMPLETE" in (out / "summary.md").read_text("utf-8")
    assert "incomplete" in stdout


def test_the_html_report_lists_failures_first() -> None:
    import re

    from diglot.reports import render_html
    from tests.reports.builders import make_run

    page = render_html(make_run())
    section = page[page.index('<section id="results">') :]
    statuses = re.findall(r'<div class="result [^"]*" id="r\d+" data-status="(\w+)"', section)
    order = ["failed", "warning", "inconclusive", "known", "passed", "skipped"]
    assert statuses[0] == "failed"
    assert statuses == sorted(statuses, key=order.index)


def test_junit_times_are_the_targets_answer_times(tmp_path: Path) -> None:
    from lxml import etree

    argv = ["run", *SMALL, "--operations", "listGroups", "--content-types", "json"]
    assert main([*argv, "--report-dir", str(tmp_path)]) == ExitCode.OK
    root = etree.parse(str(tmp_path / "junit.xml")).getroot()
    cases = root.findall(".//testcase")
    times = [float(case.get("time", "0")) for case in cases]
    assert any(t > 0 for t in times)  # not all zero: what the target took for what was judged
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    judged = [r for r in report["results"] if r["exchanges"]]
    assert all(r["elapsed"] > 0 for r in judged)


def test_check_of_a_file_shows_no_request_and_no_curl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = tmp_path / "answer.xml"
    recorded.write_bytes(b"<groupInformation><a></groupInformation>")
    assert main(["check", "--operation", "listGroups", str(recorded)]) == ExitCode.VIOLATIONS
    out = capsys.readouterr().out
    assert "not well-formed XML" in out
    assert out.count("not well-formed XML") == 1  # said once, not "…XML: …XML:"
    assert "file://" not in out
    assert "Request:" not in out
    assert "curl" not in out
