"""Merging the reports of sharded runs (CI matrix jobs, pytest-xdist workers) into one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from diglot.engine._results import CheckResult, RunResult
from diglot.errors import ReportError

if TYPE_CHECKING:
    from diglot.model import JSONValue


def merge(runs: Sequence[RunResult]) -> RunResult:
    """Combine the runs of one suite's shards into one run.

    Results for the same operation × content type × check are combined: exchanges and
    occurrences summed, findings regrouped by signature (their counts added), the cap on
    distinct findings applied again. A check skipped in one shard but run in another counts
    as run; one inconclusive in one shard and judged in another is judged (its reasons for
    being inconclusive are summed and kept). Timings span from the earliest start to the latest end; each shard's seed,
    start, duration and requests are kept under ``options["merged"]``.

    Args:
        runs: the shards, at least one, all against the same target.

    Raises:
        ReportError: no runs, or runs against different targets.

    Example:
        >>> whole = merge([from_json(p) for p in Path("shards").glob("*/report.json")])  # doctest: +SKIP
    """
    if not runs:
        raise ReportError("nothing to merge: pass at least one report")
    targets = sorted({run.target for run in runs})
    if len(targets) > 1:
        raise ReportError(
            f"cannot merge runs against different targets ({', '.join(targets)}): merge the "
            "shards of one run only, or keep one report per target"
        )
    first = runs[0]
    start = min(run.started_at for run in runs)
    end = max(run.started_at + timedelta(seconds=run.duration) for run in runs)
    shards: list[JSONValue] = [
        {
            "seed": run.seed,
            "started_at": run.started_at.isoformat(),
            "duration": run.duration,
            "requests": run.requests,
        }
        for run in runs
    ]
    options = dict(first.options)
    options["merged"] = shards
    options["shard"] = None  # the merged run is the whole, not one shard of it
    merged = RunResult(
        target=first.target,
        account_id=first.account_id,
        diglot_version=first.diglot_version,
        seed=first.seed,
        options=options,
        started_at=start,
        duration=(end - start).total_seconds(),
        requests=sum(run.requests for run in runs),
        errors=list(dict.fromkeys(error for run in runs for error in run.errors)),
        incomplete=list(dict.fromkeys(reason for run in runs for reason in run.incomplete)),
        # each shard lists as fixed only what it judged: the union (duplicates dropped)
        fixed=[dict(t) for t in dict.fromkeys(tuple(e.items()) for r in runs for e in r.fixed)],
        resources=[entry for run in runs for entry in run.resources],
    )
    combined: dict[tuple[str, str, str], list[CheckResult]] = {}
    for run in runs:
        for result in run.results:
            combined.setdefault((result.operation, result.content_type, result.check), []).append(
                result
            )
    merged.results = [_combine(parts) for parts in combined.values()]
    return merged


def _combine(parts: list[CheckResult]) -> CheckResult:
    first = parts[0]
    ran = [part for part in parts if part.exchanges > 0 and not part.skip_reason]
    reasons = dict.fromkeys(part.skip_reason for part in parts if part.skip_reason)
    inconclusive: dict[str, int] = {}
    for part in parts:
        for reason, count in part.inconclusive.items():
            inconclusive[reason] = inconclusive.get(reason, 0) + count
    # A check inconclusive in one shard and judged in another has exchanges, so it is
    # passed (or worse); its reasons are kept all the same.
    result = CheckResult(
        operation=first.operation,
        content_type=first.content_type,
        check=first.check,
        family=first.family,
        description=next((part.description for part in parts if part.description), ""),
        exchanges=sum(part.exchanges for part in parts),
        elapsed=sum(part.elapsed for part in parts),
        skip_reason="" if ran else "; ".join(reasons),
        inconclusive=inconclusive,
        known={key for part in parts for key in part.known},  # baselined in any shard
    )
    for part in parts:
        for finding in part.findings:
            count = part.count_of(finding) or 1
            key = finding.signature
            if key not in result.counts:
                result.add(finding)
                count -= 1
            if key in result.counts:
                result.counts[key] += count
    # Every occurrence counts, the shards' omitted ones included; add() above only saw
    # the distinct kept ones.
    result.occurrences = sum(part.occurrences for part in parts)
    result.omitted += sum(part.omitted for part in parts)
    return result
