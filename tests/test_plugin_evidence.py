"""The pytest plugin never shows a silent pass for a check that had no evidence (issue 15).

An item whose run was throttled, ran out of its request budget, or has an inconclusive check
is skipped with the reason; a failing item stays failed. Driven the way another repository
uses the plugin (pytester, a pytest subprocess) against real servers on loopback: a target
that throttles the DocuSign way (HTTP 400 ``HOURLY_APIINVOCATION_LIMIT_EXCEEDED`` with
``X-RateLimit-*``, ``tests.hostile.throttling``) and the embedded reference server.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from diglot.engine._results import CheckResult, RunResult
from diglot.model import Family
from diglot.plugin._api import inconclusive_reason
from diglot.server import DEFAULT_ACCOUNT_ID, running
from tests.hostile.server import HostileServer
from tests.hostile.throttling import Throttling

EXAMPLE = Path(__file__).parents[1] / "examples" / "consumer"
FAST = ("-p", "no:cacheprovider", "--diglot-max-examples", "3", "--diglot-seed", "11", "-rfs")
LIST_ITEMS = ("-k", "test_conformance and listGroups")


def target(server: HostileServer) -> tuple[str, ...]:
    return (
        "--diglot-base-url", server.base_url, "--diglot-account-id", DEFAULT_ACCOUNT_ID,
        "--diglot-max-wait", "1", "--diglot-timeout", "5",
    )  # fmt: skip


def skips(junit: Path) -> dict[str, str]:
    """Item name → its skip message, for the skipped items of pytest's JUnit XML."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is not None:
            found[case.get("name", "")] = skipped.get("message", "")
    return found


@pytest.mark.parametrize(
    ("budget_headers", "limit", "said"),
    [
        # DocuSign's 400 HOURLY_APIINVOCATION_LIMIT_EXCEEDED (with X-RateLimit-*) is met
        (False, 12, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"),
        # X-RateLimit-Remaining on every answer: diglot stops at --rate-limit-margin first
        (True, 30, "X-RateLimit-Remaining"),
    ],
    ids=["hourly-400", "remaining-at-the-margin"],
)
def test_items_a_docusign_throttle_cut_short_are_skipped_as_throttled(
    consumer: pytest.Pytester, budget_headers: bool, limit: int, said: str
) -> None:
    with running() as upstream:
        throttle = Throttling(upstream, limit=limit, budget_headers=budget_headers)
        with HostileServer(throttle) as server:
            result = consumer.runpytest_subprocess(
                *FAST, *target(server), "--junitxml=junit.xml", *LIST_ITEMS
            )
    # each item is its own run: one refusal each, then a stop (none at the margin)
    assert throttle.throttled == (0 if budget_headers else 2)
    result.assert_outcomes(skipped=2)  # not passed: neither judged all it should
    reasons = skips(consumer.path / "junit.xml")
    assert sorted(reasons) == [
        "test_conformance[listGroups-json]",
        "test_conformance[listGroups-xml]",
    ]
    for reason in reasons.values():
        assert "was inconclusive: throttled: the target throttled the run" in reason
        assert said in reason
    # the first item judged some checks before the throttle: they are said, not hidden
    first = reasons["test_conformance[listGroups-json]"]
    assert re.search(r"; [1-9][0-9]* checks judged, [0-9]+ inconclusive \(", first), first
    result.stdout.fnmatch_lines(["diglot: the target throttled 2 item(s): *skipped, not passed*"])


def test_a_failing_item_stays_failed_when_the_throttle_comes_later(
    consumer: pytest.Pytester,
) -> None:
    with running(fault="json-numbers-as-numbers") as upstream:
        throttle = Throttling(upstream, limit=12, budget_headers=False)
        with HostileServer(throttle) as server:
            result = consumer.runpytest_subprocess(
                *FAST, *target(server), "--junitxml=junit.xml", *LIST_ITEMS
            )
    assert throttle.throttled == 2  # one refusal per item, then each stops
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*FAILED schema.body (family schema)*",
            "*incomplete: the target throttled the run*",
            "FAILED tests/test_conformance.py::test_conformance[[]listGroups-json[]]*",
        ]
    )
    (reason,) = skips(consumer.path / "junit.xml").values()
    assert "was inconclusive: throttled: " in reason


def test_items_out_of_their_request_budget_are_skipped_as_incomplete(
    consumer: pytest.Pytester,
) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "--diglot-max-requests", "8", "--junitxml=junit.xml", *LIST_ITEMS
    )
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["diglot: 2 item(s) incomplete*"])
    reasons = skips(consumer.path / "junit.xml")
    assert len(reasons) == 2
    for reason in reasons.values():
        assert re.search(
            r"was incomplete: the request budget \(--max-requests 8\b.*; "
            r"[1-9][0-9]* checks judged, [1-9][0-9]* skipped$",
            reason,
        ), reason
    junit = (consumer.path / "junit.xml").read_text("utf-8")
    # the checks the items did judge are still recorded as properties
    assert 'value="passed (protocol)"' in junit


def test_a_budget_that_suffices_leaves_the_items_passing(consumer: pytest.Pytester) -> None:
    result = consumer.runpytest_subprocess(*FAST, "--diglot-max-requests", "5000", *LIST_ITEMS)
    result.assert_outcomes(passed=2)


def test_a_long_body_in_a_failure_message_is_read_from_the_report_folder(
    consumer: pytest.Pytester,
) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "--diglot-fault", "users-limit-ignored", "--diglot-bulk-cases",
        "--diglot-report-dir", "reports", "--diglot-content-types", "json",
        "-k", "test_conformance and createUsers",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    paths = re.findall(r"--data-binary @reports/(bodies/[0-9a-f]{16}\.json)", out)
    assert paths, out
    for path in paths:
        body = json.loads((consumer.path / "reports" / path).read_bytes())
        assert len(body["newUsers"]) == 501
    report = json.loads((consumer.path / "reports" / "report.json").read_text("utf-8"))
    filed = [
        f["request"]["body_file"]
        for r in report["results"]
        for f in r["findings"]
        if f["request"] and "body_file" in f["request"]
    ]
    assert set(paths) <= set(filed)
    assert all((consumer.path / "reports" / name).is_file() for name in filed)


@pytest.mark.slow
def test_under_xdist_the_workers_bodies_reach_the_merged_reports(
    consumer: pytest.Pytester,
) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "-n", "2", "--diglot-fault", "users-limit-ignored", "--diglot-bulk-cases",
        "--diglot-report-dir", "reports", "-k", "test_conformance and createUsers",
    )  # fmt: skip
    result.assert_outcomes(failed=2)
    folder = consumer.path / "reports"
    report = json.loads((folder / "report.json").read_text("utf-8"))
    filed = {
        f["request"]["body_file"]
        for r in report["results"]
        for f in r["findings"]
        if f["request"] and "body_file" in f["request"]
    }
    assert {name.rsplit(".", 1)[1] for name in filed} == {"json", "xml"}
    assert all((folder / name).is_file() for name in filed)
    assert not (folder / ".parts").exists()


def _run(
    *rows: CheckResult, incomplete: tuple[str, ...] = (), throttled: bool = False
) -> RunResult:
    run = RunResult("t", "a", "0", 5, {}, datetime.now(UTC), throttled=throttled)
    run.results = list(rows)
    run.incomplete = list(incomplete)
    return run


def _row(check: str, *, exchanges: int = 0, why: str = "", skip: str = "") -> CheckResult:
    row = CheckResult("listGroups", "json", check, Family.SEMANTICS, exchanges=exchanges)
    if why:
        row.no_evidence(why)
    row.skip_reason = skip
    return row


def test_one_inconclusive_check_is_enough_to_skip_an_item_that_otherwise_passed() -> None:
    passed = _row("schema.body", exchanges=4)
    quiet = _row("semantics.filters", why="the filter matched no group \x1b[2J")
    reason = inconclusive_reason(_run(passed, quiet))
    assert reason.startswith("diglot: listGroups (json) was inconclusive: 1 of 2 checks")
    assert "semantics.filters: the filter matched no group \\x1b[2J (1×)" in reason
    assert reason.endswith("; 1 checks judged")
    assert inconclusive_reason(_run(passed)) == ""


def test_checks_skipped_on_purpose_do_not_skip_an_item_that_judged() -> None:
    passed = _row("schema.body", exchanges=4)
    held = _row("semantics.limits", skip="not exercised: sent only with --bulk-cases")
    assert inconclusive_reason(_run(passed, held)) == ""
    alone = inconclusive_reason(_run(held))
    assert alone.startswith("diglot: listGroups (json) judged nothing: every check was skipped")
    assert "--bulk-cases" in alone


def test_throttled_and_incomplete_runs_say_so_first() -> None:
    passed = _row("schema.body", exchanges=4)
    stopped = _row("pagination.walk", why="throttled: HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
    throttled = inconclusive_reason(
        _run(passed, stopped, incomplete=("the target throttled the run",), throttled=True)
    )
    assert throttled.startswith(
        "diglot: listGroups (json) was inconclusive: throttled: the target throttled the run; "
        "1 checks judged, 1 inconclusive (pagination.walk: throttled: HOURLY_"
    )
    unreached = _row("semantics.persistence", skip="not reached: the request budget was spent")
    spent = inconclusive_reason(_run(passed, unreached, incomplete=("the budget was spent",)))
    assert spent == (
        "diglot: listGroups (json) was incomplete: the budget was spent; 1 checks judged, 1 skipped"
    )
