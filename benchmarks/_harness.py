"""Rows of the benchmark table, medians, and the table itself."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of the table.

    Attributes:
        section: end to end, per response, generation, memory or scaling.
        name: what was measured.
        value: the median measured.
        unit: the unit of ``value``.
        target: the target, readable (``>= 10``); empty when there is none.
        passed: whether ``value`` meets the target; None when there is no target.
        counterpart: schemathesis's (or the reference library's) figure, readable; or empty.
        note: anything that qualifies the figure.
    """

    section: str
    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    counterpart: str = ""
    note: str = ""


def at_least(value: float, bound: float) -> tuple[str, bool]:
    return f">= {bound:g}", value >= bound


def at_most(value: float, bound: float) -> tuple[str, bool]:
    return f"<= {bound:g}", value <= bound


def median(values: list[float]) -> float:
    return statistics.median(values)


def per_call(function: Callable[[], object], *, calls: int, repeats: int) -> float:
    """Median over ``repeats`` of the seconds per call of ``function`` called ``calls`` times."""
    function()  # warm up: caches, lazy imports
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        samples.append((time.perf_counter() - started) / calls)
    return median(samples)


def fmt(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def render(rows: list[Row]) -> str:
    """The table as plain text, one line per row, grouped by section."""
    headers = ("section", "figure", "value", "unit", "target", "ok", "schemathesis / reference")
    lines = [
        (
            row.section,
            row.name,
            fmt(row.value),
            row.unit,
            row.target or "-",
            "-" if row.passed is None else ("PASS" if row.passed else "FAIL"),
            row.counterpart or "-",
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    for line in lines:
        cells = [
            cell.rjust(w) if i == 2 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    notes = [f"- {row.name}: {row.note}" for row in rows if row.note]
    if notes:
        out += ["", "notes:", *notes]
    failed = [row for row in rows if row.passed is False]
    out.append("")
    out.append(
        f"{len(rows)} figures, {sum(r.passed is True for r in rows)} targets met, "
        f"{len(failed)} missed" + (": " + ", ".join(r.name for r in failed) if failed else "")
    )
    return "\n".join(out)
