"""Results of a run: one per operation × content type × check, and the run around them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from diglot.model import Finding, JSONValue, Severity

if TYPE_CHECKING:
    from diglot.engine._record import Recorder

KEPT_BODY = 64 * 1024
"""Response body bytes a kept finding holds (the reports show at most a few KB of it)."""

MAX_EXAMPLES_PER_RESULT = 20
"""Distinct findings kept per result; further ones are counted, not kept."""


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    KNOWN = "known"
    """Every finding of the check is in the run's baseline (``--baseline``): accepted, so it
    fails nothing, even under ``--strict``."""
    INCONCLUSIVE = "inconclusive"
    """The check was exercised but the exchanges held no evidence either way (see
    ``inconclusive``): never counted as a pass."""
    SKIPPED = "skipped"


@dataclass(slots=True)
class CheckResult:
    """Everything one check concluded for one operation in one content type.

    Repeated findings (same signature) are grouped: ``findings`` holds the distinct ones,
    at most ``MAX_EXAMPLES_PER_RESULT``; ``occurrences`` counts every one found and
    ``omitted`` the distinct ones not kept.
    """

    operation: str
    content_type: str
    check: str
    family: str
    description: str = ""
    exchanges: int = 0
    elapsed: float = 0.0
    """Seconds the target took to answer the exchanges this check judged (JUnit's time)."""
    found_at: int = 0
    """The run's request count when the first finding came (how much of the budget it took
    to find); 0 when there is none."""
    findings: list[Finding] = field(default_factory=list)
    counts: dict[tuple[str, str, str, str, str], int] = field(default_factory=dict)
    occurrences: int = 0
    omitted: int = 0
    skip_reason: str = ""
    inconclusive: dict[str, int] = field(default_factory=dict)
    """Why exercising the check gave no evidence, with how often (e.g. "the filter matched
    no group"). A check with such reasons and no judged exchange is inconclusive."""
    known: set[tuple[str, str, str, str, str]] = field(default_factory=set)
    """Signatures (``Finding.signature``) of the kept findings that the run's baseline
    accepts: they make the status ``known``, not failed or warning."""

    @property
    def status(self) -> Status:
        new = [f for f in self.findings if f.signature not in self.known]
        if any(f.severity is Severity.VIOLATION for f in new):
            return Status.FAILED
        if new:
            return Status.WARNING
        if self.findings:
            return Status.KNOWN
        if self.exchanges == 0 and self.inconclusive:
            return Status.INCONCLUSIVE
        if self.exchanges == 0 or self.skip_reason:
            return Status.SKIPPED
        return Status.PASSED

    @property
    def inconclusive_reason(self) -> str:
        """The reasons it was inconclusive, most frequent first, as one sentence."""
        ranked = sorted(self.inconclusive.items(), key=lambda item: -item[1])
        return "; ".join(f"{reason} ({count}×)" for reason, count in ranked)

    def no_evidence(self, reason: str) -> None:
        """Record one exercise of the check that had nothing to judge, and why."""
        self.inconclusive[reason] = self.inconclusive.get(reason, 0) + 1

    def add(self, finding: Finding) -> None:
        """Record a finding, grouping it with earlier ones of the same signature.

        A kept finding's response body is cut to ``KEPT_BODY`` bytes: the reports show an
        excerpt, and a run must not hold a full body (up to ``--max-body``) per finding.
        """
        self.occurrences += 1
        key = finding.signature
        if key in self.counts:
            self.counts[key] += 1
            return
        response = finding.response
        if response is not None and len(response.body) > KEPT_BODY:
            cut = replace(response, body=response.body[:KEPT_BODY], truncated=True)
            finding = replace(finding, response=cut)
        if len(self.findings) >= MAX_EXAMPLES_PER_RESULT:
            # keep violations in preference to warnings
            if finding.severity is Severity.VIOLATION:
                for i, kept in enumerate(self.findings):
                    if kept.severity is Severity.WARNING:
                        del self.counts[kept.signature]
                        self.findings[i] = finding
                        self.counts[key] = 1
                        self.omitted += 1
                        return
            self.omitted += 1
            return
        self.counts[key] = 1
        self.findings.append(finding)

    def count_of(self, finding: Finding) -> int:
        """How many times this finding (by signature) occurred."""
        return self.counts.get(finding.signature, 0)


@dataclass(slots=True)
class Resource:
    """One group or user a run created on the target (``kind`` is ``group`` or ``user``)."""

    kind: str
    id: str
    name: str
    content_type: str
    removed: bool = False


@dataclass(slots=True)
class Resources:
    """What a run created on the target, and what its cleanup did about it.

    ``cleanup`` is ``done`` (nothing left), ``partial`` / ``failed`` (some or all left, see
    ``notes``), ``unsupported`` (the target answered the deletes 404 or 405), ``kept``
    (``--no-cleanup``), ``not run`` (nothing created, or the run stopped first).
    """

    run_id: str
    name_prefix: str
    created: list[Resource] = field(default_factory=list)
    cleanup: str = "not run"
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    """Requests the cleanup sent: counted in the run's, outside ``--max-requests``."""

    @property
    def left(self) -> list[Resource]:
        """What the run created and did not remove."""
        return [r for r in self.created if not r.removed]

    def sentence(self) -> str:
        """The cleanup in one sentence for people, e.g. ``cleanup partial: 2 groups left``."""
        made = len(self.created)
        if not made:
            return ""
        left = self.left
        groups = sum(r.kind == "group" for r in left)
        users = len(left) - groups
        if not left:
            return f"cleanup {self.cleanup}: the {made} groups and users run {self.run_id} created are gone"
        what = " and ".join(
            f"{n} {kind}{'s' if n != 1 else ''}"
            for n, kind in ((groups, "group"), (users, "user"))
            if n
        )
        return (
            f"cleanup {self.cleanup}: {what} of run {self.run_id} left on the target "
            f"(names start {self.name_prefix}{self.run_id}-; `diglot cleanup report.json` removes them)"
        )


@dataclass(slots=True)
class RunResult:
    """A whole run: what was tested, how, and every check result."""

    target: str
    account_id: str
    diglot_version: str
    seed: int
    options: dict[str, JSONValue]
    started_at: datetime
    duration: float = 0.0
    requests: int = 0
    results: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Run-level problems (target unreachable, operation not served), each a sentence."""
    fixed: list[dict[str, str]] = field(default_factory=list)
    """Baseline entries (check, operation, content_type, location, kind) that no longer
    occur where the run looked (``--baseline``)."""
    resources: list[Resources] = field(default_factory=list)
    """What the run created on the target and whether its cleanup removed it: one entry per
    run (a merged report keeps each shard's)."""
    incomplete: list[str] = field(default_factory=list)
    """Why the run checked less than it was asked to (the target throttled, the request
    budget was spent, it was interrupted, an empty shard), each a sentence; empty when the
    run did all it was asked. Every report shows it."""
    throttled: bool = False
    """The target's throttling stopped the run (``diglot run`` exits 5)."""
    interrupted: bool = False
    """Ctrl-C or SIGTERM ended the run early."""
    short: bool = False
    """The run checked much less than asked: nothing at all (an empty shard), or less than
    half of its operation × content type pairs ran to the end (``diglot run`` exits 6
    unless ``--allow-incomplete``)."""
    traffic: Recorder | None = field(default=None, repr=False, compare=False)
    """The exchanges kept for the run's HAR file (written beside the reports)."""

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        counts["findings"] = sum(r.occurrences for r in self.results)
        counts["requests"] = self.requests
        counts["fixed"] = len(self.fixed)
        return counts

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the run found violations (or, when strict, warnings)."""
        bad = {Status.FAILED, Status.WARNING} if strict else {Status.FAILED}
        return any(r.status in bad for r in self.results)
