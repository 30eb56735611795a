"""Reproduce lines work after the run for long and binary bodies (issue 15).

A body too long for a curl line (over 2000 bytes: a createUsers of 501 users) or not UTF-8 text
is written, redacted, to ``bodies/`` beside the reports, and every curl line reads it with
``--data-binary @…``: relative to the report folder in the report files, relative to where the
run started in the terminal. The lines are run with the real curl against real servers on
loopback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import main
from diglot.engine._results import CheckResult, RunResult
from diglot.errors import ReportError
from diglot.model import CURL_BODY_LIMIT, Family, Finding, Request, Response, Severity
from diglot.reports import from_json, to_json, write_reports
from diglot.reports._bodies import BODIES
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.transport._client import Limits, Transport
from diglot.transport._redact import Redactor
from tests.hostile.server import Context, HostileServer, Peer, RawRequest
from tests.reports.conftest import assert_valid_report_file

TOKEN = "dgl.b0dies-T0k3n_value"
STATUS_ONLY = "curl() { command curl -o /dev/null -w '%{http_code}' \"$@\"; }\n"
"""Prepended to a curl line: the same request, printing only the status it got."""


@pytest.fixture(autouse=True)
def _curl(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("needs the curl binary and bash")
    monkeypatch.setenv("DIGLOT_TOKEN", TOKEN)


def bash(line: str, cwd: Path, *, prefix: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIGLOT_TOKEN": TOKEN}
    return subprocess.run(
        ["bash", "-c", prefix + line], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def reproduce_block(summary: str) -> str:
    """The curl line of summary.md's "first failing request alone"."""
    lines = summary.splitlines()
    return lines[lines.index("# the first failing request alone:") + 1]


def long_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for r in report["results"]
        for f in r["findings"]
        if f["request"] is not None and "body_file" in f["request"]
    ]


def test_the_501_users_line_from_the_reports_and_the_terminal_gets_the_same_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with running(fault="users-limit-ignored") as base_url:
        code = main(
            [
                "run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
                "--operations", "createUsers", "--content-types", "json", "--bulk-cases",
                "--max-examples", "1", "--seed", "1", "--no-stateful", "--report-dir", "r",
            ]
        )  # fmt: skip
        assert code == 1
        report = assert_valid_report_file(tmp_path / "r" / "report.json")
        (finding,) = long_findings(report)
        assert finding["check"] == "semantics.limits"
        status = str(finding["response"]["status"])
        assert status == "201"  # the fault: 501 users accepted
        body_file = finding["request"]["body_file"]
        assert re.fullmatch(r"bodies/[0-9a-f]{16}\.json", body_file)
        sent = json.loads((tmp_path / "r" / body_file).read_bytes())
        assert len(sent["newUsers"]) == 501
        assert len(finding["request"]["body"]) < len((tmp_path / "r" / body_file).read_bytes())

        # summary.md: run in the report folder, as the line says
        line = reproduce_block((tmp_path / "r" / "summary.md").read_text("utf-8"))
        assert line == finding["curl"]
        assert f"--data-binary @{body_file}" in line
        assert line.endswith(f"run it in the report folder: it reads the body from {body_file}")
        done = bash(line, tmp_path / "r", prefix=STATUS_ONLY)
        assert done.returncode == 0, done.stderr
        assert done.stdout == status
        # the same line in index.html and junit.xml
        for name in ("index.html", "junit.xml"):
            assert f"--data-binary @{body_file}" in (tmp_path / "r" / name).read_text("utf-8")

        # the terminal: the path is the report folder as given, from where the run started
        out = capsys.readouterr().out
        (shown,) = [x for x in out.splitlines() if x.startswith("  Reproduce: ")]
        terminal = shown.removeprefix("  Reproduce: ")
        assert f"--data-binary @r/{body_file}" in terminal
        assert "#" not in terminal  # nothing cut, nothing to say
        done = bash(terminal, tmp_path, prefix=STATUS_ONLY)
        assert done.returncode == 0, done.stderr
        assert done.stdout == status


def test_without_reports_the_line_says_the_body_was_too_long_to_print(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "run", "--fault", "users-limit-ignored", "--operations", "createUsers",
            "--content-types", "xml", "--max-examples", "1", "--seed", "1", "--no-stateful",
            "--no-reports",
        ]
    )  # fmt: skip
    assert code == 1
    out = capsys.readouterr().out
    (shown,) = [x for x in out.splitlines() if x.startswith("  Reproduce: ")]
    assert "--data-raw" in shown
    assert f"body cut at {CURL_BODY_LIMIT} bytes: this line sends less than diglot sent" in shown
    assert "is too long to print: with a report folder (--report-dir)" in shown
    assert "--data-binary @" not in shown


def _ok(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = b"{}"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return peer.send(head.encode("ascii") + b"\r\n" + body)


@pytest.fixture(scope="module")
def recorder() -> Iterator[HostileServer]:
    with HostileServer(_ok) as server:
        yield server


def run_of(requests: list[Request]) -> RunResult:
    run = RunResult("http://127.0.0.1:1/restapi", "1", "0", 7, {}, datetime.now(UTC))
    row = CheckResult("createUsers", "json", "schema.body", Family.SCHEMA, exchanges=1)
    for index, request in enumerate(requests):
        row.add(
            Finding(
                "schema.body",
                Family.SCHEMA,
                Severity.VIOLATION,
                f"finding {index}",
                "createUsers",
                "json",
                request=request,
                response=Response(400, {"content-type": "application/json"}, b"{}"),
            )
        )
    run.results.append(row)
    return run


def requests_to(server: HostileServer) -> list[Request]:
    url = f"{server.base_url}/v2.1/accounts/1/users"
    users = {"newUsers": [{"userName": f"u{i}", "email": f"u{i}@example.com"} for i in range(99)]}
    long_json = json.dumps(users).encode()
    xml = b'<newUsersDefinition xmlns="x"><newUsers>' + b"<u>\xc3\xa9</u>" * 600 + b"</newUsers>"
    return [
        Request("POST", url, {"Accept": "application/json", "Content-Type": "application/json"},
                long_json, True),
        Request("POST", url, {"Accept": "application/xml", "Content-Type": "application/xml"},
                xml, True),
        Request("POST", url, {"Content-Type": "application/json"}, b"\x00\xff'%s\\\x80", True),
        Request("PUT", url, {}, b"\xfe" * (CURL_BODY_LIMIT + 7), False),  # no Content-Type
        Request("POST", url, {"Content-Type": "application/json"}, b'{"short": "inline"}', True),
    ]  # fmt: skip


def test_every_line_of_a_written_report_sends_exactly_what_diglot_sent(
    recorder: HostileServer, tmp_path: Path
) -> None:
    requests = requests_to(recorder)
    write_reports(run_of(requests), tmp_path, redactor=Redactor([TOKEN]))
    report = assert_valid_report_file(tmp_path / "report.json")
    findings = report["results"][0]["findings"]
    files = sorted(p.name for p in (tmp_path / BODIES).iterdir())
    assert [f["request"].get("body_file", "")[-4:] for f in findings] == [
        "json",
        ".xml",
        ".bin",
        ".bin",
        "",
    ]
    assert len(files) == 4
    with Transport(recorder.base_url, token=TOKEN, limits=Limits(timeout=5), max_retries=0) as t:
        for request, finding in zip(requests, findings, strict=True):
            response, failure = t.send(request)
            assert response is not None, failure
            sent = recorder.requests[-1]
            done = bash(finding["curl"], tmp_path)
            assert done.returncode == 0, (finding["curl"], done.stderr)
            again = recorder.requests[-1]
            assert again is not sent
            assert again.method == sent.method
            assert again.target == sent.target
            assert again.body == sent.body, finding["curl"][:300]
            for name in ("content-type", "authorization", "expect"):
                assert again.headers.get(name) == sent.headers.get(name), name
            if "body_file" in finding["request"]:
                assert "--data-binary @bodies/" in finding["curl"]
                assert (tmp_path / finding["request"]["body_file"]).read_bytes() == request.body
            else:
                assert "--data-raw" in finding["curl"]


def test_a_body_holding_the_token_is_written_redacted(tmp_path: Path) -> None:
    body = json.dumps({"note": f"Bearer {TOKEN}", "pad": "p" * 3000}).encode()
    request = Request("POST", "http://127.0.0.1:1/restapi/v2.1/accounts/1/users", {}, body)
    write_reports(run_of([request]), tmp_path, redactor=Redactor([TOKEN]))
    (path,) = (tmp_path / BODIES).iterdir()
    written = path.read_bytes()
    assert TOKEN.encode() not in written
    assert b"[REDACTED]" in written
    assert path.suffix == ".bin"  # no content type said what it is


def test_the_bodies_survive_a_rerender_and_a_merge_and_stale_ones_go(tmp_path: Path) -> None:
    url = "http://127.0.0.1:1/restapi/v2.1/accounts/1/users"
    long = Request("POST", url, {"Content-Type": "application/json"}, b"[" + b"1," * 1500 + b"1]")
    first = tmp_path / "a"
    write_reports(run_of([long]), first, redactor=Redactor())
    document = json.loads((first / "report.json").read_text("utf-8"))
    (finding,) = document["results"][0]["findings"]
    body_file = finding["request"]["body_file"]
    # read back: the same document, the same line
    assert to_json(from_json(document)) == document
    assert to_json(from_json(first / "report.json")) == document
    # re-rendered or merged elsewhere: the body comes along
    assert main(["report", "merge", str(first / "report.json"), "--output-dir",
                 str(tmp_path / "m")]) == 0  # fmt: skip
    assert (tmp_path / "m" / body_file).read_bytes() == long.body
    merged = json.loads((tmp_path / "m" / "report.json").read_text("utf-8"))
    assert merged["results"][0]["findings"][0]["curl"] == finding["curl"]
    # the next run into the same folder names no body: the stale file goes, others stay
    (first / BODIES / "notes.txt").write_text("mine")
    write_reports(run_of([]), first, redactor=Redactor())
    assert [p.name for p in (first / BODIES).iterdir()] == ["notes.txt"]
    # an edited report cannot make diglot read or write outside its folder
    finding["request"]["body_file"] = "bodies/../../etc/passwd"
    with pytest.raises(ReportError, match="body_file"):
        from_json(document)
