"""Findings: what a contract check reports about one exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diglot._exchange import Request, Response


class Severity(enum.StrEnum):
    """How bad a finding is.

    ``violation`` breaks what the documentation says; ``warning`` is a point the
    documentation leaves open (a strictness point) and fails a run only under ``--strict``.
    """

    VIOLATION = "violation"
    WARNING = "warning"


class Family(enum.StrEnum):
    """The families of contract checks; every reference-server fault names one."""

    PROTOCOL = "protocol"
    SCHEMA = "schema"
    EQUIVALENCE = "equivalence"
    PAGINATION = "pagination"
    SEMANTICS = "semantics"


@dataclass(frozen=True, slots=True)
class Finding:
    """One deviation from the documented contract, with the evidence for it.

    Attributes:
        check: id of the check that found it, e.g. ``schema.json``.
        family: the check's family.
        severity: violation or warning.
        message: the reason, one sentence.
        operation: the operation id, e.g. ``listGroups``.
        content_type: ``json`` or ``xml``.
        location: JSON pointer or XPath into the response body; empty for the whole exchange.
        expected: what the contract promises.
        actual: what came (truncated).
        request: the request that caused it (secrets already redacted).
        response: the response that shows it (body truncated by the reporter).
        seed: the hypothesis seed of the run, to reproduce it.
    """

    check: str
    family: Family
    severity: Severity
    message: str
    operation: str
    content_type: str
    location: str = ""
    expected: str = ""
    actual: str = ""
    request: Request | None = field(default=None, compare=False)
    response: Response | None = field(default=None, compare=False)
    seed: int | None = field(default=None, compare=False)

    @property
    def signature(self) -> tuple[str, str, str, str, str]:
        """What makes two findings 'the same problem', for grouping repeated ones."""
        return (self.check, self.operation, self.content_type, self.location, self.message)

    def describe(self, *, limit: int = 400) -> str:
        """Render as Reason / Expected / Actual / Path / Reproduce, each truncated."""
        lines = [
            f"[{self.severity}] {self.check} on {self.operation} ({self.content_type}): {self.message}"
        ]
        if self.expected:
            lines.append(f"  Expected: {_cut(self.expected, limit)}")
        if self.actual:
            lines.append(f"  Actual:   {_cut(self.actual, limit)}")
        if self.location:
            lines.append(f"  Path:     {self.location}")
        if self.request is not None:
            lines.append(f"  Request:  {self.request.method} {self.request.url}")
            lines.append(f"  Reproduce: {self.request.to_curl()}")
        if self.seed is not None:
            lines.append(f"  Seed:     {self.seed}")
        return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"
