"""Throttling, retries and the request budget, end to end against a target that throttles the
DocuSign way (``tests.hostile.throttling``: a loopback proxy in front of the reference server).

A throttled exchange is never a finding; a wait longer than ``--max-wait`` stops the run with
exit code 5 and the rest inconclusive; a POST answered 503 is not repeated; retries count
toward ``--max-requests``; ``--rate-limit-margin`` keeps the account's budget above the margin.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import ExitCode, main
from diglot.model import Request
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.transport import Transport
from tests.hostile.server import HostileServer
from tests.hostile.throttling import Throttling

SMALL = ["--max-examples", "4", "--seed", "5", "--timeout", "5"]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running() as base_url:
        yield base_url


def diglot_run(server: HostileServer, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "run",
            "--base-url",
            server.base_url,
            "--account-id",
            DEFAULT_ACCOUNT_ID,
            *SMALL,
            "--report-dir",
            str(out),
            *extra,
        ]
    )
    report = json.loads((out / "report.json").read_text("utf-8"))
    return code, report


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for r in report["results"] for f in r["findings"]]


def test_docusigns_hourly_throttle_stops_the_run_with_exit_5_and_no_finding(
    upstream: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no budget headers until the throttle itself: the 400 HOURLY_... is what diglot meets
    throttle = Throttling(upstream, limit=15, budget_headers=False)
    with HostileServer(throttle) as server:
        code, report = diglot_run(server, tmp_path, "--max-wait", "2")
    assert code == ExitCode.THROTTLED
    assert throttle.throttled == 1  # a clear stop: nothing sent after the first refusal
    assert len(throttle.seen) == 16
    assert findings(report) == []
    assert report["summary"]["failed"] == 0
    assert report["requests"] == 16
    assert any("throttled" in reason for reason in report["incomplete"])
    inconclusive = [r for r in report["results"] if r["status"] == "inconclusive"]
    assert inconclusive
    assert all(any("throttled" in why for why in r["inconclusive"]) for r in inconclusive)
    out = capsys.readouterr().out
    assert "THROTTLED" in out
    assert "HOURLY_APIINVOCATION_LIMIT_EXCEEDED" in out
    for name in ("junit.xml", "index.html", "summary.md"):
        assert "INCOMPLETE" in (tmp_path / name).read_text("utf-8") or "incomplete" in (
            tmp_path / name
        ).read_text("utf-8")


def test_the_rate_limit_margin_stops_before_the_account_is_throttled(
    upstream: str, tmp_path: Path
) -> None:
    throttle = Throttling(upstream, limit=20)
    with HostileServer(throttle) as server:
        code, report = diglot_run(server, tmp_path, "--rate-limit-margin", "5")
    assert code == ExitCode.THROTTLED
    assert throttle.throttled == 0  # never pushed into the throttle
    assert len(throttle.seen) == 15  # stopped when X-RateLimit-Remaining reached 5
    assert findings(report) == []
    assert any("X-RateLimit-Remaining" in reason for reason in report["incomplete"])


@pytest.mark.slow
def test_a_near_reset_is_waited_out_and_the_run_completes(upstream: str, tmp_path: Path) -> None:
    throttle = Throttling(upstream, limit=6, window=0.6, budget_headers=False)
    with HostileServer(throttle) as server:
        code, report = diglot_run(
            server,
            tmp_path,
            "--operations",
            "listGroups",
            "--content-types",
            "json",
            "--max-wait",
            "3",
        )
    assert throttle.throttled >= 1  # it was throttled, waited, and went on
    assert code == ExitCode.OK, report["incomplete"]
    assert findings(report) == []
    assert report["incomplete"] == []
    assert report["requests"] == len(throttle.seen)  # retries are requests on the wire


def test_a_post_answered_503_is_never_repeated(upstream: str) -> None:
    throttle = Throttling(upstream, limit=1000, post_503=True)
    with HostileServer(throttle) as server, Transport(server.base_url) as transport:
        url = f"{server.base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/users"
        body = b'{"newUsers":[{"userName":"a","email":"a@example.com"}]}'
        response, _ = transport.send(
            Request("POST", url, {"Content-Type": "application/json"}, body)
        )
        assert response is not None
        assert response.status == 503
        assert len(throttle.methods("POST")) == 1
        listed, _ = transport.send(Request("GET", url.replace("/users", "/groups")))
    assert listed is not None
    assert listed.status == 200
    assert transport.stopped is None  # a 503 asking for no wait does not stop the run


def test_a_whole_run_never_repeats_a_post_answered_503(upstream: str, tmp_path: Path) -> None:
    throttle = Throttling(upstream, limit=1000, post_503=True)
    with HostileServer(throttle) as server:
        code, report = diglot_run(
            server, tmp_path, "--operations", "listGroups,createUsers", "--content-types", "json"
        )
    posts = throttle.methods("POST")
    assert posts
    # every POST diglot made reached the server once: no body twice in a row
    assert all(a.body != b.body for a, b in itertools.pairwise(posts))
    assert report["requests"] == len(throttle.seen)
    assert not [f for f in findings(report) if f["response"] and f["response"]["status"] == 503]
    assert code in (ExitCode.OK, ExitCode.VIOLATIONS)


def test_retries_count_toward_max_requests(upstream: str, tmp_path: Path) -> None:
    # every request after the 5th is answered 429 Retry-After: 0: diglot repeats the GET
    throttle = Throttling(upstream, limit=5, mode="429", retry_after="0", budget_headers=False)
    with HostileServer(throttle) as server:
        code, report = diglot_run(server, tmp_path, "--max-requests", "7")
    # the budget holds on the wire, retries and the cleanup included (its deletes are
    # reserved: the tests stop early enough to leave room for them)
    assert len(throttle.seen) <= 7
    assert throttle.throttled >= 1
    assert report["requests"] == len(throttle.seen)
    assert [r["requests"] for r in report["resources"]] == [
        sum(s.method == "DELETE" for s in throttle.seen)
    ]
    assert findings(report) == []
    assert any("budget" in reason for reason in report["incomplete"])
    assert code == ExitCode.INCOMPLETE  # 7 requests cannot cover half of the work


def test_a_throttle_that_never_lifts_stops_after_the_retries(upstream: str, tmp_path: Path) -> None:
    throttle = Throttling(upstream, limit=5, mode="429", retry_after="0", budget_headers=False)
    with HostileServer(throttle) as server:
        code, report = diglot_run(server, tmp_path)
    assert code == ExitCode.THROTTLED
    assert len(throttle.seen) == 5 + 4  # one request and its three retries, then nothing
    assert findings(report) == []


@pytest.mark.parametrize("limit", [1, 2, 3, 8])
def test_a_throttle_anywhere_early_is_a_clean_stop(
    upstream: str, tmp_path: Path, limit: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # wherever the throttle lands (the probe, a link a check follows, a generated case)
    throttle = Throttling(upstream, limit=limit, budget_headers=False)
    with HostileServer(throttle) as server:
        code, report = diglot_run(server, tmp_path)
    assert code == ExitCode.THROTTLED, capsys.readouterr().err
    assert len(throttle.seen) == limit + 1
    assert findings(report) == []
