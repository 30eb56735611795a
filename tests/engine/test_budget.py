"""Budget first: a small --max-requests reaches every kind of check in both content types.

The run's schedule goes across every operation and content type in rounds (the checks'
glances, the explicit cases one of each pair in turn, a first slice of generated cases, the
checks' longer sequences, the rest), so what a budget buys is spread, not spent on the first
pair. The fault matrix at --max-requests 150 is in tests/test_runner.py.
"""

from __future__ import annotations

import pytest

from diglot import RunOptions
from diglot.engine import Status
from diglot.engine._run import Finished, Progress, iter_run, run

SENT = {"listGroups", "createGroups", "createUsers", "listSigningGroups"}


def test_a_small_budget_reaches_every_operation_in_both_content_types() -> None:
    result = run(RunOptions(seed=3, max_requests=60))
    assert result.requests >= 60  # and the cleanup's deletes, outside the budget
    reached = {(r.operation, r.content_type) for r in result.results if r.exchanges}
    assert reached >= {(op, ct) for op in SENT for ct in ("json", "xml")}
    assert any("budget" in reason for reason in result.incomplete)


def test_the_xml_namespace_fault_is_caught_in_the_first_requests() -> None:
    # the case: a server whose XML lacks its namespace, a budget of 150; the old
    # order sent all 150 requests to JSON and said PASSED
    result = run(RunOptions(seed=1, max_requests=150, fault="xml-wrong-namespace"))
    failed = [r for r in result.results if r.status is Status.FAILED and r.content_type == "xml"]
    assert failed
    assert min(r.found_at for r in failed) <= 15


def test_the_clean_server_stays_clean_under_a_budget() -> None:
    result = run(RunOptions(seed=2, max_requests=100))
    assert [f for r in result.results for f in r.findings] == []
    assert not result.short  # most checks ran: incomplete, yet not "much less than asked"


def test_shards_are_dealt_by_cost() -> None:
    pairs: list[set[tuple[str, str]]] = [set(), set()]
    shards = []
    for index in (0, 1):
        for event in iter_run(RunOptions(seed=1, max_examples=5, shard=(index, 2))):
            if isinstance(event, Progress):  # a step of the shard's own schedule
                pairs[index].add((event.operation, event.content_type))
            elif isinstance(event, Finished):
                shards.append(event.result)
    assert pairs[0].isdisjoint(pairs[1])
    assert pairs[0] | pairs[1] == {(op, ct) for op in SENT for ct in ("json", "xml")}
    # about even in requests, the scarce resource (by count of pairs, one shard took 4
    # list and create pairs' sequences and the other little)
    requests = sorted(s.requests for s in shards)
    assert requests[1] <= 1.6 * requests[0], requests


@pytest.mark.parametrize("budget", [70, 370, 430])
def test_a_budget_running_out_anywhere_ends_the_run_cleanly(budget: int) -> None:
    # wherever it lands (a glance, a generated comparison, a state machine, a generated
    # case), the stop is not a failure for hypothesis to replay: the run ends with its report
    result = run(RunOptions(seed=1, max_requests=budget))
    assert result.requests <= budget
    assert any("budget" in reason for reason in result.incomplete)
    assert [f for r in result.results for f in r.findings] == []
