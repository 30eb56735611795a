"""The observation: one exchange as every check sees it, parsed once, findings collected."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diglot.contracts._registry import CHECKS
from diglot.model import Exchange, Finding, JSONValue, Severity
from diglot.transport import BodyProblem, parse_json, parse_xml
from diglot.transport._client import THROTTLING_CODES

if TYPE_CHECKING:
    from lxml import etree

    from diglot.specs import Spec
    from diglot.specs._model import Operation

RESTAPI_NS = "http://www.docusign.com/restapi"


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

    @property
    def throttled(self) -> str | None:
        """Why the server refused to serve this request now (throttling), or None.

        DocuSign throttles with 400 ``HOURLY_APIINVOCATION_LIMIT_EXCEEDED`` or
        ``BURST_APIINVOCATION_LIMIT_EXCEEDED``; others with 429, or 503 with ``Retry-After``.
        Such an answer says nothing about the contract: the checks call it inconclusive.
        """
        response = self.response
        if response is None:
            return None
        if response.status == 429:
            return "throttled: 429 Too Many Requests"
        if response.status == 503 and "retry-after" in response.headers:
            return "throttled: 503 with Retry-After"
        if response.status == 400:
            data = self.data
            code = data.get("errorCode") if isinstance(data, dict) else None
            if code in THROTTLING_CODES:
                return f"throttled: 400 {code}"
        return None

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
            raise KeyError(f"{check_id!r} is not a registered check")
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


def show(value: JSONValue, limit: int = 200) -> str:
    """A short, unambiguous rendering of a value for expected/actual fields."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def pointer(*parts: str | int) -> str:
    """A JSON pointer from its parts (RFC 6901 escaping)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
