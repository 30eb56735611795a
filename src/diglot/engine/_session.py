"""The session of one run: it sends, judges, records, and is what checks see of the run.

``Session`` implements ``diglot.contracts.RunContext``: the multi-exchange checks drive their
own requests through it, and every answer is judged by every single-exchange check and
recorded in the run's results, one row per operation × content type × check.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from diglot.contracts import CHECKS, MULTI_CHECKS, Observation, run_single_checks
from diglot.engine._baseline import Baseline, load_baseline
from diglot.engine._cleanup import Ledger, cleanup_cost
from diglot.engine._options import RunOptions
from diglot.engine._record import Recorder
from diglot.engine._results import CheckResult, RunResult
from diglot.engine._rules import DISABLED, selected
from diglot.errors import Halt
from diglot.model import Case, Exchange, Finding, Request, Severity
from diglot.specs import Spec
from diglot.strategies import Names
from diglot.transport import Transport
from diglot.transport._client import throttling
from diglot.transport._failures import TimeLimit

MEDIA = {"json": "application/json", "xml": "application/xml"}


class StopRun(Halt):
    """Nothing more may be sent in this run; what was checked so far is reported."""


class BudgetExhausted(StopRun):
    """The run's request budget (``--max-requests``) is spent."""


class TimeUp(StopRun):
    """The run's wall clock (``--max-time``) ran out."""


class ThrottledStop(StopRun):
    """The target throttles, and the wait it asks for is longer than ``--max-wait``."""


class PhaseThrottled(Halt):
    """A check driving its own requests got a throttled answer: that phase ends.

    Never a finding; the checks it leaves unjudged are inconclusive.
    """


_STOP = threading.Event()


def request_stop() -> None:
    """Ask the run in progress to stop before its next request (a signal handler's way).

    The ``KeyboardInterrupt`` a handler raises can be lost: raised inside a
    garbage-collector callback (hypothesis installs one), Python only prints it. This flag
    is not lost: the next request raises the interrupt instead of going out.
    """
    _STOP.set()


def stop_requested() -> bool:
    """Whether a stop was asked for and not yet acted on; clears it (the cleanup may run)."""
    if _STOP.is_set():
        _STOP.clear()
        return True
    return False


RESERVE_CHECKED_FROM = 64
"""Requests left in the budget from which each request first checks the cleanup's reserve
(what it costs is counted from the resources created so far)."""

GIVE_UP_AFTER = 3
"""Requests in a row of one operation × content type that hit the time limit before diglot
stops sending to it: a target that never answers costs a few timeouts, not one per case."""


class GaveUp(Halt):
    """The operation × content type being exercised stopped answering in time."""


@dataclass
class Session:
    config: RunOptions
    spec: Spec
    transport: Transport
    base_url: str
    account_id: str
    seed: int
    names: Names
    result: RunResult
    table: dict[tuple[str, str, str], CheckResult] = field(default_factory=dict)
    sent: int = 0
    timeouts: dict[tuple[str, str], int] = field(default_factory=dict)
    """Requests in a row that hit the time limit, per operation × content type."""
    abandoned: set[tuple[str, str]] = field(default_factory=set)
    throttled: dict[tuple[str, str], str] = field(default_factory=dict)
    """Operation × content type → why a phase of it ended on a throttled answer."""
    driving: bool = False
    """A multi-exchange check is driving its own requests (a throttled answer ends its phase)."""
    phase_throttled: bool = False
    """The phase got a throttled answer where a check drives its own requests: it sends
    nothing more (no replays, no shrinking)."""
    nested: int = 0
    """Above 0 while checks' after_response hooks run: their own requests (following a
    link) are judged by the check, so a throttled answer there ends the phase too."""
    latest_violation: Finding | None = None
    """The first violation recorded since it was last reset (drives hypothesis shrinking)."""
    baseline: Baseline | None = field(default=None, init=False)
    """The accepted findings (``--baseline``; not while ``--baseline-update`` rewrites it)."""

    deadline: float | None = field(default=None, init=False)
    """``time.monotonic()`` past which no test request is sent (``--max-time``)."""

    def __post_init__(self) -> None:
        if self.config.baseline is not None and not self.config.baseline_update:
            self.baseline = load_baseline(self.config.baseline)
        if self.config.max_time is not None:
            self.deadline = time.monotonic() + self.config.max_time

    recorder: Recorder | None = None
    """Keeps the run's exchanges for its HAR file (``--record``, or the failing ones)."""
    ledger: Ledger = field(default_factory=Ledger)
    """What the run created on the target (removed by the cleanup at the end)."""
    on_request: Callable[[str], None] | None = None
    """Told after every request, with one line of state (the progress bar's text)."""

    # -- sending ----------------------------------------------------------------------------
    def request_for(self, case: Case) -> Request:
        operation = self.spec.operation(case.operation)
        path = operation.path
        for name, value in case.path_parameters.items():
            path = path.replace("{" + name + "}", value)
        url = self.base_url.rstrip("/") + path
        if case.query:
            url += "?" + urlencode(dict(case.query))
        headers = {"Accept": MEDIA[case.content_type]}
        for line in self.config.header:  # -H: the user's extra headers, never diglot's own
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        body = b""
        if case.raw_body is not None:
            body = case.raw_body
        elif case.body_format is not None and operation.request_body is not None:
            if case.body_format == "xml":
                assert isinstance(case.body, dict)
                body = self.spec.codec.encode(operation.request_body.xml_root, case.body)
            else:
                body = json.dumps(case.body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = MEDIA[case.body_format]
        headers.update(case.headers)
        return Request(operation.method, url, headers, body, authenticated=self.authenticated)

    def exchange(self, case: Case, request: Request | None = None) -> Exchange:
        """Send a case (or an explicit request for it) and give back the exchange."""
        return self._send(case, request or self.request_for(case))

    def send(self, case: Case, request: Request | None = None) -> Observation:
        """Send, judge with every single-exchange check, record (``RunContext.send``)."""
        return self.observe(self.exchange(case, request))

    def fetch(self, case: Case) -> Observation:
        """Send and judge nothing (``RunContext.fetch``)."""
        return Observation(self.spec, self.exchange(case), seed=self.seed)

    def _send(self, case: Case, request: Request) -> Exchange:
        if stop_requested():
            raise KeyboardInterrupt
        transport = self.transport
        if transport.stopped is not None:
            raise ThrottledStop(transport.stopped)
        if transport.spent or self._reserved():
            raise BudgetExhausted
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TimeUp
        key = (case.operation, case.content_type)
        if key in self.abandoned:
            raise GaveUp
        if self.phase_throttled:
            raise PhaseThrottled(self.throttled.get(key, "throttled"))
        response, failure = transport.send(request)
        self.sent = transport.stats.requests  # on the wire: retries count
        if self.on_request is not None:
            self.on_request(self.state(case))
        if response is not None and (self.driving or self.nested):
            reason = throttling(response.status, response.headers, response.body)
            if reason is not None:
                self.throttled[key] = f"throttled: {reason}"
                self.phase_throttled = True
                raise PhaseThrottled(reason)
        if response is None and isinstance(failure, TimeLimit):
            self.timeouts[key] = self.timeouts.get(key, 0) + 1
            if self.timeouts[key] >= GIVE_UP_AFTER:
                self.abandoned.add(key)
                self.result.errors.append(
                    f"{case.operation} [{case.content_type}]: {GIVE_UP_AFTER} requests in a row "
                    f"hit the time limit ({self.config.timeout:g} s); diglot stopped sending "
                    "to it, and its checks after that point did not run"
                )
        else:
            self.timeouts[key] = 0
        exchange = Exchange(case, request, response, failure)
        if self.recorder is not None:
            self.recorder.sent(exchange)
        self.ledger.note(self.spec, self.names.stem, exchange)
        return exchange

    def _reserved(self) -> bool:
        """Whether what is left of ``--max-requests`` is the cleanup's (it must fit in)."""
        limit = self.config.max_requests
        if limit is None:
            return False
        left = limit - self.transport.stats.requests
        return left <= RESERVE_CHECKED_FROM and left <= cleanup_cost(self)

    def state(self, case: Case) -> str:
        """One line: where the run is, its budget, and what throttling cost so far."""
        stats = self.transport.stats
        limit = self.config.max_requests
        parts = [
            f"{case.operation} [{case.content_type}]",
            f"{stats.requests}/{limit} requests" if limit else f"{stats.requests} requests",
        ]
        if stats.throttled:
            parts.append(f"throttled {stats.throttled}×, waited {stats.waited:.0f} s")
        if stats.remaining is not None:
            parts.append(f"account budget {stats.remaining} left")
        return " · ".join(parts)

    # -- judging ----------------------------------------------------------------------------
    def row(self, operation: str, content_type: str, check_id: str) -> CheckResult:
        key = (operation, content_type, check_id)
        row = self.table.get(key)
        if row is None:
            info = CHECKS[check_id]
            row = CheckResult(operation, content_type, check_id, info.family, info.description)
            if not self.enabled(check_id, operation):
                row.skip_reason = DISABLED
            self.table[key] = row
        return row

    def enabled(self, check_id: str, operation: str) -> bool:
        """Whether ``--checks`` / ``--exclude-checks`` and the file's sections let it run."""
        config = self.config
        if not selected(check_id, config.checks, config.exclude_checks):
            return False
        return config.rules.check(check_id, operation).enabled is not False

    def configured(self, finding: Finding) -> Finding | None:
        """The finding as the configuration wants it.

        None if its check is off, else with the configured severity
        (``[checks."id"] severity = "warning"``).
        """
        if not self.enabled(finding.check, finding.operation):
            return None
        severity = self.config.rules.check(finding.check, finding.operation).severity
        if severity is None or severity is finding.severity:
            return finding
        return dataclasses.replace(finding, severity=severity)

    def observe(self, exchange: Exchange) -> Observation:
        """Judge one exchange with every single-exchange check and record the findings."""
        obs = Observation(self.spec, exchange, seed=self.seed)
        case = exchange.case
        for info, applied in run_single_checks(obs):
            if applied:
                row = self.row(case.operation, case.content_type, info.id)
                row.exchanges += 1
                row.elapsed += exchange.response.elapsed if exchange.response else 0.0
        self.nested += 1
        try:
            for multi in MULTI_CHECKS:
                multi.after_response(obs, self)
        finally:
            self.nested -= 1
        self.record(obs)
        return obs

    def record(self, obs: Observation) -> None:
        if self.recorder is not None:
            self.recorder.judged(obs)
        for found in obs.findings:
            finding = self.configured(found)
            if finding is None:
                continue
            row = self.row(finding.operation, finding.content_type, finding.check)
            if self.baseline is not None and finding in self.baseline:
                row.known.add(finding.signature)  # accepted: fails nothing, not shrunk
            elif finding.severity is Severity.VIOLATION and self.latest_violation is None:
                self.latest_violation = finding
            if not row.found_at:
                row.found_at = self.sent
            row.add(finding)
        obs.findings.clear()
        case = obs.case
        for check_id, reason in obs.no_evidence:
            self.row(case.operation, case.content_type, check_id).no_evidence(reason)
        obs.no_evidence.clear()

    def judged(self, obs: Observation, check_id: str) -> None:
        """Count one judgement of a multi-exchange check, then record its findings."""
        self.count(obs.case.operation, obs.case.content_type, check_id)
        self.record(obs)

    def count(self, operation: str, content_type: str, check_id: str) -> None:
        self.row(operation, content_type, check_id).exchanges += 1

    def skip(self, operation: str, content_type: str, check_id: str, reason: str) -> None:
        row = self.row(operation, content_type, check_id)
        if row.skip_reason != DISABLED:
            row.skip_reason = reason

    # -- what checks see of the options (RunContext) -------------------------------------
    @property
    def max_examples(self) -> int:
        return self.config.examples

    @property
    def content_types(self) -> tuple[str, ...]:
        return self.config.content_types

    @property
    def stateful(self) -> bool:
        return self.config.stateful

    @property
    def read_only(self) -> bool:
        return self.config.read_only

    @property
    def authenticated(self) -> bool:
        return self.config.token is not None or self.transport.auth is not None
