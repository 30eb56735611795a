"""Detection under a request budget: every reference fault, at each ``--max-requests``.

Each fault of the reference server is switched on in turn and a default run (fixed seed)
is made at every budget; a fault counts as caught when the run reports a finding of the
family that must catch it (a warning is enough for the faults that break a point the
documentation leaves open). The clean server is run at every budget too: it must stay clean.
The remote default (``--base-url``, what a CI job against staging runs) is measured on its
own: its request count on the clean server, and what it catches.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from benchmarks._harness import Row, at_least, at_most

BUDGETS: tuple[int | None, ...] = (50, 100, 150, 300, None)
"""The budgets of the table; None is a run without one."""
TARGET_BUDGET = 150
"""At this budget the run must catch every fault the unlimited run catches."""
REMOTE_TARGET = 300
"""A default run against a remote target sends at most this many requests (clean server)."""
SEED = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    fault: str | None
    budget: int | None
    remote: bool
    requests: int
    caught: bool
    findings: int
    first: int
    """The request count at the first finding of the fault's family (0 when none)."""


def one_run(fault: str | None, budget: int | None, remote: bool) -> Outcome:
    """A default run against the reference server with ``fault`` on (None: clean)."""
    from diglot import RunOptions
    from diglot.engine._run import run
    from diglot.model import Severity
    from diglot.server import DEFAULT_ACCOUNT_ID, FAULTS, running

    with contextlib.ExitStack() as stack:
        if remote:
            base_url = stack.enter_context(running(fault=fault))
            options = RunOptions(
                seed=SEED, base_url=base_url, account_id=DEFAULT_ACCOUNT_ID, max_requests=budget
            )
        else:
            options = RunOptions(seed=SEED, fault=fault, max_requests=budget)
        result = run(options)
    findings = [(row, f) for row in result.results for f in row.findings]
    if fault is None:
        return Outcome(fault, budget, remote, result.requests, False, len(findings), 0)
    info = FAULTS[fault]
    wanted = {Severity.WARNING, Severity.VIOLATION} if info.warning_only else {Severity.VIOLATION}
    hits = [row.found_at for row, f in findings if f.family == info.family and f.severity in wanted]
    return Outcome(
        fault, budget, remote, result.requests, bool(hits), len(findings), min(hits, default=0)
    )


def _star(job: tuple[str | None, int | None, bool]) -> Outcome:
    return one_run(*job)


def measure(*, quick: bool) -> list[Row]:
    from diglot.server import FAULTS

    faults: list[str] = sorted(FAULTS)
    if quick:
        faults = faults[::6]
    budgets = (TARGET_BUDGET, None) if quick else BUDGETS
    targets: list[str | None] = [*faults, None]
    jobs = [(fault, budget, False) for budget in budgets for fault in targets]
    jobs += [(fault, None, True) for fault in targets]
    with ProcessPoolExecutor(2) as pool:
        outcomes = list(pool.map(_star, jobs))
    embedded = {(o.fault, o.budget): o for o in outcomes if not o.remote}
    remote = {o.fault: o for o in outcomes if o.remote}
    unlimited = {f for f in faults if embedded[(f, None)].caught}
    rows: list[Row] = []
    for budget in budgets:
        caught = {f for f in faults if embedded[(f, budget)].caught}
        label = "no budget" if budget is None else f"--max-requests {budget}"
        target, passed = ("", None)
        if budget == TARGET_BUDGET:
            target, passed = f"= {len(unlimited)} (unlimited)", caught >= unlimited
        missed = sorted(f for f in faults if f not in caught)
        rows.append(
            Row(
                "budget",
                f"faults caught, {label}",
                len(caught),
                f"of {len(faults)}",
                target,
                passed,
                note=f"{100 * len(caught) / len(faults):.0f} %"
                + (f"; missed: {', '.join(missed)}" if missed else ""),
            )
        )
    clean = [embedded[(None, budget)] for budget in budgets]
    clean_ok = sum(o.findings == 0 for o in clean)
    target, passed = at_least(clean_ok, len(budgets))
    rows.append(
        Row(
            "budget",
            "budgets at which the clean server gives no finding",
            clean_ok,
            f"of {len(budgets)}",
            target,
            passed,
            note="findings per budget: " + ", ".join(str(o.findings) for o in clean),
        )
    )
    firsts = sorted(embedded[(f, None)].first for f in unlimited)
    rows.append(
        Row(
            "budget",
            "request by which every fault is first caught (no budget)",
            max(firsts, default=0),
            "requests",
            note=f"median {firsts[len(firsts) // 2] if firsts else 0}; the unlimited run sends "
            f"{embedded[(None, None)].requests} requests on the clean server",
        )
    )
    clean_remote = remote[None]
    target, passed = at_most(clean_remote.requests, REMOTE_TARGET)
    rows.append(
        Row(
            "budget",
            "remote default run, requests (clean server)",
            clean_remote.requests,
            "requests",
            target,
            passed,
            note=f"{clean_remote.findings} findings on the clean server",
        )
    )
    remote_caught = {f for f in faults if remote[f].caught}
    missed = sorted(f for f in faults if f not in remote_caught)
    rows.append(
        Row(
            "budget",
            "remote default run, faults caught",
            len(remote_caught),
            f"of {len(faults)}",
            note=(f"missed: {', '.join(missed)}" if missed else "none missed")
            + "; the 501-user limit needs --bulk-cases against a remote target, by design",
        )
    )
    return rows
