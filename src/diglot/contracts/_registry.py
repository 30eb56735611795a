"""The check registry and the observation every check reads.

A check is a function of one :class:`Observation` (one exchange, parsed once) that reports
findings through it and returns whether it applied. Checks that need several exchanges
(JSON ⇄ XML equivalence, pagination walks, stateful sequences) are plain functions over
several observations in their own modules; they report through the same objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diglot.model import Exchange, Family, Finding, JSONValue, Severity
from diglot.transport._bodies import BodyProblem, parse_json, parse_xml

if TYPE_CHECKING:
    from lxml import etree

    from diglot.specs import Spec
    from diglot.specs._model import Operation

RESTAPI_NS = "http://www.docusign.com/restapi"


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """What a check claims, for reports and for the result matrix.

    Attributes:
        id: ``family.claim``, e.g. ``schema.body``.
        family: the family it belongs to.
        description: the claim, one sentence.
        operations: the operations it applies to; None for all.
        multi: True when it judges several exchanges together (run by the runner's phases).
        via: the single-exchange check that reports for it (``schema.unknown_property`` is
            judged by ``schema.body``); it counts as applied whenever that one applies...
        rule_prefix: ...to a case whose ``rule`` starts with this (empty: any case).
    """

    id: str
    family: Family
    description: str
    operations: frozenset[str] | None = None
    multi: bool = False
    via: str = ""
    rule_prefix: str = ""

    def applies_to(self, operation_id: str) -> bool:
        return self.operations is None or operation_id in self.operations


CHECKS: dict[str, CheckInfo] = {}
SingleCheck = Callable[["Observation"], bool]
SINGLE_CHECKS: list[tuple[CheckInfo, SingleCheck]] = []


def register(info: CheckInfo) -> CheckInfo:
    if info.id in CHECKS:
        raise ValueError(f"check {info.id!r} registered twice")
    CHECKS[info.id] = info
    return info


def check(
    check_id: str, family: Family, description: str, *, operations: frozenset[str] | None = None
) -> Callable[[SingleCheck], SingleCheck]:
    """Register a single-exchange check."""

    def decorate(function: SingleCheck) -> SingleCheck:
        info = register(CheckInfo(check_id, family, description, operations))
        SINGLE_CHECKS.append((info, function))
        return function

    return decorate


class Observation:
    """One exchange as the checks see it: the body parsed once, findings collected.

    Args:
        spec: the loaded spec.
        exchange: the case, request and response.
        seed: the run's seed, attached to findings.
    """

    def __init__(self, spec: Spec, exchange: Exchange, *, seed: int | None = None) -> None:
        self.spec = spec
        self.exchange = exchange
        self.case = exchange.case
        self.response = exchange.response
        self.operation: Operation = spec.operation(exchange.case.operation)
        self.seed = seed
        self.findings: list[Finding] = []
        self.no_evidence: list[tuple[str, str]] = []
        """(check id, reason) for each check that was exercised here but had nothing to
        judge: it returns False (not applied) and says why, so it is never a silent pass."""
        self._parsed = False
        self._format: str | None = None
        self._data: JSONValue = None
        self._root: etree._Element | None = None
        self._problem: str | None = None

    # -- the body -------------------------------------------------------------------------
    @property
    def body_format(self) -> str | None:
        """``json`` or ``xml``: by the declared Content-Type, else by what was asked."""
        self._parse()
        return self._format

    @property
    def data(self) -> JSONValue:
        """The body as data (JSON, or XML decoded to the same shape); None if unreadable."""
        self._parse()
        return self._data

    @property
    def root(self) -> etree._Element | None:
        self._parse()
        return self._root

    @property
    def problem(self) -> str | None:
        """Why the body could not be read, if it could not."""
        self._parse()
        return self._problem

    @property
    def status(self) -> int:
        return self.response.status if self.response is not None else 0

    def _parse(self) -> None:
        if self._parsed:
            return
        self._parsed = True
        response = self.response
        if response is None or not response.body.strip():
            return
        media = response.media_type
        if media == "application/json" or media.endswith("+json"):
            self._format = "json"
        elif media in ("application/xml", "text/xml") or media.endswith("+xml"):
            self._format = "xml"
        else:
            self._format = self.case.content_type
        try:
            if self._format == "json":
                self._data = parse_json(response.body, truncated=response.truncated)
            else:
                self._root = parse_xml(response.body, truncated=response.truncated)
                self._data = self.spec.codec.decode(self._root)
        except BodyProblem as problem:
            self._problem = str(problem)
        if response.truncated and self._problem is None:
            self._problem = "the body was cut at the size limit"

    # -- reporting ------------------------------------------------------------------------
    def inconclusive(self, check_id: str, reason: str) -> bool:
        """Say that ``check_id`` had no evidence in this exchange, and why; returns False.

        Example:
            >>> return obs.inconclusive("semantics.filters", "the filter matched no group")
        """
        if check_id not in CHECKS:
            raise KeyError(check_id)
        self.no_evidence.append((check_id, reason))
        return False

    def report(
        self,
        check_id: str,
        message: str,
        *,
        expected: str = "",
        actual: str = "",
        location: str = "",
        severity: Severity = Severity.VIOLATION,
    ) -> None:
        """Record a finding of check ``check_id`` about this exchange."""
        info = CHECKS[check_id]
        self.findings.append(
            Finding(
                check=check_id,
                family=info.family,
                severity=severity,
                message=message,
                operation=self.case.operation,
                content_type=self.case.content_type,
                location=location,
                expected=expected,
                actual=actual,
                request=self.exchange.request,
                response=self.response,
                seed=self.seed,
            )
        )


def run_single_checks(observation: Observation) -> Iterator[tuple[CheckInfo, bool]]:
    """Run every single-exchange check on one observation; yields (check, applied)."""
    operation = observation.case.operation
    companions = _companions()
    for info, function in SINGLE_CHECKS:
        if info.applies_to(operation):
            applied = function(observation)
            yield info, applied
            for companion in companions.get(info.id, ()):
                if companion.applies_to(operation):
                    rule = observation.case.rule
                    yield companion, applied and rule.startswith(companion.rule_prefix)


_COMPANIONS: dict[str, tuple[CheckInfo, ...]] = {}


def _companions() -> dict[str, tuple[CheckInfo, ...]]:
    """Checks reported through another one (``via``), by that one's id; computed once."""
    if not _COMPANIONS:
        for info in CHECKS.values():
            if info.via:
                _COMPANIONS[info.via] = (*_COMPANIONS.get(info.via, ()), info)
        _COMPANIONS.setdefault("", ())
    return _COMPANIONS


def show(value: JSONValue, limit: int = 200) -> str:
    """A short, unambiguous rendering of a value for expected/actual fields."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def pointer(*parts: str | int) -> str:
    """A JSON pointer from its parts (RFC 6901 escaping)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
