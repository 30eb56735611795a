"""Promise coverage in every report: which documented promises this run judged, and why not.

Derived from the run's check rows alone (``diglot.specs.promises.coverage``), so a merged or
re-rendered report shows the same coverage as the run that wrote it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from diglot.specs.promises import coverage

if TYPE_CHECKING:
    from diglot.engine._results import RunResult
    from diglot.model import JSONValue

STATES = ("broken", "judged", "inconclusive", "not judged", "no check")
"""Each promise's state, worst first."""


MAX_REASONS = 3


def promise_coverage(run: RunResult, clean: Callable[[str], str] = str) -> list[JSONValue]:
    """One entry per promise: its id, state, checks, the content types it was judged in, why not.

    Args:
        run: the run.
        clean: applied to every reason (they may quote the server: redacted and capped).
    """
    judged_in: dict[str, set[str]] = {}
    for row in run.results:
        if row.exchanges:
            judged_in.setdefault(row.check, set()).add(row.content_type)
    out: list[JSONValue] = []
    for item in coverage(run.results):
        types = sorted({t for check in item.promise.checks for t in judged_in.get(check, ())})
        out.append(
            {
                "id": item.promise.id,
                "state": item.state,
                "checks": list(item.promise.checks),
                "judged_in": list(types),
                "reasons": [clean(reason) for reason in item.reasons[:MAX_REASONS]],
            }
        )
    return out


def counts(run: RunResult) -> Counter[str]:
    """How many promises are in each state."""
    return Counter(item.state for item in coverage(run.results))


def summary_line(run: RunResult) -> str:
    """``41 of 52 promises judged (1 broken, 2 inconclusive, 4 not judged, 5 without a check)``."""
    n = counts(run)
    total = sum(n.values())
    rest = ", ".join(
        f"{n[s]} {s if s != 'no check' else 'without a check'}"
        for s in STATES[1:]
        if n[s] and s != "judged"
    )
    head = f"{n['judged'] + n['broken']} of {total} documented promises judged"
    parts = ([f"{n['broken']} broken"] if n["broken"] else []) + ([rest] if rest else [])
    return head + (f" ({', '.join(parts)})" if parts else "")


_CLASS = {
    "broken": "s-failed",
    "judged": "s-passed",
    "inconclusive": "s-inconclusive",
    "not judged": "s-skipped",
    "no check": "s-skipped",
}


def promises_html(run: RunResult, escape: Callable[[object], str]) -> str:
    """The HTML report's section: the summary line, then each promise not judged clean."""
    rows = []
    for item in promise_coverage(run):
        assert isinstance(item, dict)
        state = str(item["state"])
        if state == "judged":
            continue
        reasons = item["reasons"]
        why = "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else ""
        judged = item["judged_in"]
        types = ", ".join(str(t) for t in judged) if isinstance(judged, list) else ""
        rows.append(
            f'<tr class="{_CLASS[state]}"><td><code>{escape(item["id"])}</code></td>'
            f"<td>{escape(state)}</td><td>{escape(types)}</td><td>{escape(why)}</td></tr>"
        )
    table = (
        "<table><tr><th>promise</th><th>state</th><th>judged in</th><th>why</th></tr>"
        f"{''.join(rows)}</table>"
        if rows
        else ""
    )
    return (
        '<section id="promises"><h2>Promise coverage</h2>'
        f"<p>{escape(summary_line(run))}; <code>diglot checks --promises</code> lists every "
        "promise with the seed's words, its checks and its proving faults.</p>"
        f"{table}</section>"
    )


def promises_markdown(run: RunResult, cell: Callable[[str], str]) -> list[str]:
    """The summary's lines: the summary line, then the promises not judged, with why."""
    out = [f"**Promise coverage:** {cell(summary_line(run))}.", ""]
    missed = [c for c in coverage(run.results) if c.state in ("inconclusive", "not judged")]
    for item in missed[:10]:
        why = "; ".join(item.reasons[:MAX_REASONS])
        out.append(f"- `{item.promise.id}` {item.state}: {cell(why)}")
    if len(missed) > 10:
        out.append(f"- … {len(missed) - 10} more (see report.json)")
    if missed:
        out.append("")
    return out
