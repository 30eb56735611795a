"""Findings: what a contract check reports about one exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from diglot._display import inert

if TYPE_CHECKING:
    from diglot._exchange import Request, Response


MESSAGE_LIMIT = 1000
"""Characters of a finding's message in ``describe()``."""
NAME_LIMIT = 100
"""Characters of a check id, operation id, content type or method in ``describe()``."""
URL_LIMIT = 2000
"""Characters of the request URL in ``describe()`` (the curl line repeats it whole)."""


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
        """Render as Reason / Expected / Actual / Path / Request / Reproduce, each one line.

        Every field is server text or may hold some: each is made inert (``diglot._display``:
        control, bidi and newline characters shown as escapes) and cut, the message
        at ``MESSAGE_LIMIT`` characters and the others at ``limit``, so the lines are the
        only lines and no field can pose as another.
        """
        lines = [
            f"[{self.severity}] {inert(self.check, limit=NAME_LIMIT)} on "
            f"{inert(self.operation, limit=NAME_LIMIT)} ({inert(self.content_type, limit=NAME_LIMIT)})"
            f": {inert(self.message, limit=MESSAGE_LIMIT)}"
        ]
        if self.expected:
            lines.append(f"  Expected: {inert(self.expected, limit=limit)}")
        if self.actual:
            lines.append(f"  Actual:   {inert(self.actual, limit=limit)}")
        if self.location:
            lines.append(f"  Path:     {inert(self.location, limit=limit)}")
        if self.request is not None:
            request = self.request
            lines.append(
                f"  Request:  {inert(request.method, limit=NAME_LIMIT)} "
                f"{inert(request.sent_url, limit=URL_LIMIT)}"
            )
            if request.url[:8].lower().startswith(("http://", "https://")):
                lines.append(f"  Reproduce: {request.to_curl()}")
        if self.seed is not None:
            lines.append(f"  Seed:     {self.seed}")
        return "\n".join(lines)
