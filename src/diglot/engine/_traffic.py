"""Judging traffic that diglot did not generate: a HAR file, a replay, what a proxy sees.

Each request is matched to its operation by method and path template (any base path before
``/v2.1/accounts/…`` or the ``/v2/`` form the documentation also shows) and judged in its
content type by every single-exchange check. Then the checks that span exchanges run where
the traffic allows: the JSON and the XML answers to the same GET are compared
(``equivalence.json_xml``), and a page's ``nextUri``/``previousUri`` is judged against the page
it leads to when that page was recorded too (``pagination.links``). Exchanges that match no
documented operation are counted and listed, not judged.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from diglot.contracts import CHECKS, MULTI_CHECKS, Observation
from diglot.contracts.equivalence import judge_pair
from diglot.contracts.pagination import Page, judge_link, resolve_link
from diglot.engine._options import RunOptions
from diglot.engine._record import Recorded
from diglot.engine._results import RunResult
from diglot.engine._session import Session
from diglot.model import Case, Exchange, Expect, Finding, JSONValue, Request
from diglot.specs import Spec, load_spec
from diglot.strategies import Names
from diglot.transport import Transport

_MARKERS = ("/v2.1/accounts/", "/v2/accounts/")
LISTED_UNMATCHED = 20
"""Unmatched exchanges named one by one in the result; the rest are counted."""


@dataclass(frozen=True, slots=True)
class Matched:
    """A recorded request read as a case of a documented operation."""

    case: Case
    base_url: str
    """The URL up to the API version (the ``…/restapi`` base)."""


def match_request(spec: Spec, request: Request, response_media: str = "") -> Matched | None:
    """The case a recorded request is, or None when it is for no documented operation."""
    parts = urlsplit(request.url)
    path = parts.path
    starts = [path.find(marker) for marker in _MARKERS if marker in path]
    if not starts:
        return None
    start = min(starts)
    found = spec.match(request.method, path[start:])
    if found is None:
        return None
    operation, params = found
    accept = next((v for k, v in request.headers.items() if k.lower() == "accept"), "").lower()
    if "xml" in accept and "json" not in accept:
        content_type = "xml"
    elif "json" in accept:
        content_type = "json"
    else:
        content_type = "xml" if "xml" in response_media else "json"
    body: JSONValue = None
    body_format = None
    if request.body:
        sent = next(
            (v for k, v in request.headers.items() if k.lower() == "content-type"), ""
        ).lower()
        body_format = "xml" if "xml" in sent or request.body.lstrip()[:1] == b"<" else "json"
        body = _decode(spec, request.body, body_format)
    case = Case(
        operation.operation_id,
        content_type,
        params,
        dict(parse_qsl(parts.query, keep_blank_values=True)),
        body=body,
        body_format=body_format,
        raw_body=request.body or None,
        expect=Expect.EITHER,
        note="recorded",
    )
    return Matched(case, f"{parts.scheme}://{parts.netloc}{path[:start]}")


def _decode(spec: Spec, body: bytes, body_format: str) -> JSONValue:
    """A request body as data; None when it cannot be read (the checks then see no body)."""
    try:
        if body_format == "json":
            value: JSONValue = json.loads(body)
            return value
        return spec.codec.decode(spec.codec.parse(body))
    except Exception:  # any malformed body: judged without it
        return None


@dataclass
class TrafficJudge:
    """Judges exchanges one by one as they come (a proxy) or all at once (a HAR file).

    ``finish()`` then runs the checks that span exchanges over what was seen and gives the
    ``RunResult``, the same a run gives, for the same reports.
    """

    source: str
    spec: Spec = field(default_factory=load_spec)
    strict: bool = False
    max_kept: int = 20_000
    """Observations kept for the cross-exchange checks; older ones are let go."""
    unmatched: list[str] = field(default_factory=list)
    unmatched_count: int = 0
    unanswered: int = 0
    """Recorded requests without a response (a browser's cancelled ones): not judged."""
    observations: list[tuple[Observation, str, int]] = field(default_factory=list)
    """Each judged exchange with its base URL and epoch."""
    epoch: int = 0
    """Counts the requests that may change state (anything but GET and HEAD): two answers
    are compared, or a link followed, only within one epoch, where nothing changed between."""
    session: Session = field(init=False)

    def __post_init__(self) -> None:
        # recorded traffic is judged as it is: no check drives requests of its own here
        config = RunOptions(strict=self.strict, stateful=False, read_only=True)
        result = RunResult(
            target=self.source,
            account_id="",
            diglot_version=_version(),
            seed=0,
            options={"source": self.source, "strict": self.strict},
            started_at=datetime.now(UTC),
        )
        # no request is ever sent through it: the transport is there for the type only
        self._transport = Transport("http://127.0.0.1")
        self.session = Session(config, self.spec, self._transport, "", "", 0, Names(""), result)

    def add(self, request: Request, response_or_exchange: Recorded | Exchange | None) -> None:
        """Judge one exchange (a ``Recorded`` entry, or an ``Exchange`` already made)."""
        response = None
        failure = None
        if isinstance(response_or_exchange, Recorded):
            response = response_or_exchange.response
            if response is None:  # cancelled or blocked in the recorder: nothing to judge
                self.session.result.requests += 1
                self.unanswered += 1
                if request.method not in ("GET", "HEAD"):
                    self.epoch += 1
                return
        elif isinstance(response_or_exchange, Exchange):
            response, failure = response_or_exchange.response, response_or_exchange.failure
        self.session.result.requests += 1
        matched = match_request(self.spec, request, response.media_type if response else "")
        if request.method not in ("GET", "HEAD"):
            self.epoch += 1
        if matched is None:
            self.unmatched_count += 1
            if len(self.unmatched) < LISTED_UNMATCHED:
                self.unmatched.append(f"{request.method} {urlsplit(request.url).path}")
            return
        if not self.session.account_id:
            self.session.account_id = matched.case.path_parameters.get("accountId", "")
            self.session.result.account_id = self.session.account_id
        obs = self.session.observe(Exchange(matched.case, request, response, failure))
        self.observations.append((obs, matched.base_url, self.epoch))
        if len(self.observations) > self.max_kept:
            del self.observations[: self.max_kept // 10]

    def finish(self) -> RunResult:
        """Run the cross-exchange checks and give the result."""
        self._equivalence()
        self._links()
        self._rows()
        result = self.session.result
        if self.unanswered:
            result.errors.append(
                f"{self.unanswered} recorded request(s) have no response and were not judged"
            )
        if self.unmatched_count:
            shown = ", ".join(self.unmatched)
            more = self.unmatched_count - len(self.unmatched)
            result.errors.append(
                f"{self.unmatched_count} exchange(s) match no documented operation and were "
                f"not judged: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        result.results = sorted(
            self.session.table.values(),
            key=lambda r: (r.operation, r.content_type, r.family, r.check),
        )
        self._transport.close()
        return result

    def _equivalence(self) -> None:
        pairs: dict[tuple[str, str, str, int], dict[str, Observation]] = {}
        for obs, _base, epoch in self.observations:
            if not obs.operation.is_read_only or obs.response is None:
                continue
            request = obs.exchange.request
            key = (obs.case.operation, request.method, _normal(request.url), epoch)
            pairs.setdefault(key, {}).setdefault(obs.case.content_type, obs)
        for found in pairs.values():
            if "json" in found and "xml" in found:
                judge_pair(found["json"], found["xml"])
                self.session.judged(found["xml"], "equivalence.json_xml")

    def _links(self) -> None:
        index: dict[tuple[str, str, int], Observation] = {}
        for obs, _base, epoch in self.observations:
            if obs.case.operation == "listGroups":
                at = (_normal(obs.exchange.request.url), obs.case.content_type, epoch)
                index.setdefault(at, obs)
        for obs, base, epoch in self.observations:
            if obs.case.operation != "listGroups" or obs.status != 200:
                continue
            page = Page.of(obs.data)
            if page is None:
                continue
            for key in ("nextUri", "previousUri"):
                uri = page.raw.get(key)
                if not isinstance(uri, str) or not uri.strip():
                    continue
                account = obs.case.path_parameters.get("accountId", "")
                url = resolve_link(self.spec, base, account, uri, page_url=obs.exchange.request.url)
                reached = index.get((_normal(url), obs.case.content_type, epoch)) if url else None
                if url is not None and reached is None:
                    self.session.row(
                        "listGroups", obs.case.content_type, "pagination.links"
                    ).no_evidence(
                        f"the page {key} leads to is not in the traffic (with no write between)"
                    )
                    continue
                judge_link(obs, key, reached, url)
                self.session.judged(obs, "pagination.links")

    def _rows(self) -> None:
        """A row, skipped with its reason, for each check the traffic gave nothing to judge."""
        owned = {info.id for multi in MULTI_CHECKS for info in multi.checks}
        seen = {(obs.case.operation, obs.case.content_type) for obs, _, _ in self.observations}
        seen |= {(row.operation, row.content_type) for row in self.session.table.values()}
        for operation, content_type in seen:
            for check_id, info in CHECKS.items():
                if check_id in owned or not info.applies_to(operation):
                    continue
                row = self.session.row(operation, content_type, check_id)
                if row.exchanges == 0 and not row.skip_reason and not row.inconclusive:
                    row.skip_reason = "no recorded exchange gave this check anything to judge"


def _normal(url: str | None) -> str:
    """A URL compared by path and sorted query (how a client spells the query varies)."""
    if url is None:
        return ""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.path.rstrip('/')}?{query}"


def _version() -> str:
    from diglot._version import __version__

    return __version__


def judge_traffic(
    entries: Iterable[Recorded], *, source: str, spec: Spec | None = None, strict: bool = False
) -> RunResult:
    """Judge recorded exchanges (``read_har``) as a run would, and give the result.

    Example:
        >>> result = judge_traffic(read_har(Path("traffic.har")), source="traffic.har")  # doctest: +SKIP
    """
    judge = TrafficJudge(source, spec or load_spec(), strict=strict)
    for entry in entries:
        judge.add(entry.request, entry)
    return judge.finish()


# -- replay ---------------------------------------------------------------------------------


@dataclass
class Replay:
    """A replay: today's checks on the recorded answers (``before``) and on the new ones."""

    before: RunResult
    after: RunResult
    fixed: list[Finding]
    still: list[Finding]
    new: list[Finding]
    not_sent: int


def findings_of(result: RunResult) -> Iterator[Finding]:
    for row in result.results:
        yield from row.findings


def replay(
    entries: list[Recorded],
    *,
    source: str,
    base_url: str | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> Replay:
    """Send the recorded requests again, in order, and judge the answers with today's checks.

    Without ``base_url`` they go to a fresh embedded reference server (no fault). Requests for
    no documented operation are not sent.
    """
    from diglot.transport import Limits

    spec = load_spec()
    before = judge_traffic(entries, source=source, spec=spec)
    judge = TrafficJudge(f"replay of {source}", spec)
    not_sent = 0
    with contextlib.ExitStack() as stack:
        if base_url is None:
            from diglot.server import running

            base_url = stack.enter_context(running())
        else:
            from diglot.transport import check_reachable

            check_reachable(base_url, timeout=timeout)
        judge.session.result.target = base_url
        transport = stack.enter_context(
            Transport(base_url, token=token, limits=Limits(timeout=timeout))
        )
        for entry in entries:
            old = entry.request
            matched = match_request(spec, old)
            if matched is None:
                not_sent += 1
                judge.add(old, None)
                continue
            url = base_url.rstrip("/") + old.url[len(matched.base_url) :]
            request = Request(
                old.method, url, dict(old.headers), old.body, authenticated=token is not None
            )
            response, failure = transport.send(request)
            judge.add(request, Exchange(matched.case, request, response, failure))
    after = judge.finish()
    was = {f.signature: f for f in findings_of(before)}
    now = {f.signature: f for f in findings_of(after)}
    return Replay(
        before,
        after,
        fixed=[f for key, f in was.items() if key not in now],
        still=[f for key, f in now.items() if key in was],
        new=[f for key, f in now.items() if key not in was],
        not_sent=not_sent,
    )
