"""The one core: drive the strategies against an implementation and judge every exchange.

``iter_run(config)`` yields events as it goes (the CLI draws progress from them, the pytest
plugin and the reports only consume them); ``run(config)`` returns the final ``RunResult``.

Phases, per operation × content type:

1. generated cases (hypothesis): valid, boundary and invalid requests, each answer judged by
   every single-exchange check; a violation fails the hypothesis example, so hypothesis
   shrinks it to a minimal case, whose finding is listed first;
2. then every registered multi-exchange check that drives requests of its own there, in
   registration order: the JSON ⇄ XML equivalence of GETs, the pagination walks, the
   create-then-find sequences (``diglot.contracts``; a user's too).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diglot.contracts import CHECKS, MULTI_CHECKS, load_checks
from diglot.engine._baseline import settle
from diglot.engine._cleanup import run_cleanup, why_not_sent
from diglot.engine._config import auth_for, check_rules, proxy_for, tls_verify
from diglot.engine._generate import (
    EXAMPLES_PER_BATCH,
    examples_for,
    explicit_for,
    flatten,
    generated,
    send_case,
)
from diglot.engine._options import RunOptions
from diglot.engine._record import Recorder
from diglot.engine._results import Resources, RunResult, Status
from diglot.engine._session import (
    GIVE_UP_AFTER,
    BudgetExhausted,
    GaveUp,
    PhaseThrottled,
    Session,
    StopRun,
    ThrottledStop,
    TimeUp,
    stop_requested,
)
from diglot.errors import TargetUnreachable, UsageError
from diglot.model import Case, Exchange
from diglot.specs import Spec, load_spec
from diglot.strategies import Names, generates_cases
from diglot.transport._client import Limits, Transport, check_reachable
from diglot.transport._redact import Redactor

if TYPE_CHECKING:
    from diglot.specs._model import Operation


@dataclass(frozen=True, slots=True)
class Progress:
    """A phase of one operation × content type has made progress."""

    operation: str
    content_type: str
    phase: str
    requests: int


@dataclass(frozen=True, slots=True)
class Finished:
    """The run is over; ``result`` holds everything."""

    result: RunResult


Event = Progress | Finished


def run(config: RunOptions) -> RunResult:
    """Run the conformance suite and return its result (see ``iter_run``)."""
    result: RunResult | None = None
    for event in iter_run(config):
        if isinstance(event, Finished):
            result = event.result
    assert result is not None
    return result


def iter_run(
    config: RunOptions, *, on_request: Callable[[str], None] | None = None
) -> Iterator[Event]:
    """Run the conformance suite, yielding progress events and, last, ``Finished``.

    ``on_request``, when given, is told after every request one line of state (operation,
    requests against the budget, throttling): the CLI's progress bar moves with it.

    Raises:
        UsageError: an unknown operation or an impossible option.
        TargetUnreachable: the implementation cannot be used at all.
    """
    load_checks(config.checks_modules)
    stop_requested()  # a stop asked for before this run began is not this run's
    spec = load_spec(config.spec, config.xsd)
    operations = select_operations(spec, config.operations)
    check_rules(config, spec)
    with contextlib.ExitStack() as stack:
        base_url, account_id = _target(config, stack)
        transport = stack.enter_context(
            Transport(
                base_url,
                auth=auth_for(config),
                verify=tls_verify(config),
                proxy=proxy_for(config, base_url),
                token=config.token,
                limits=Limits(
                    timeout=config.timeout,
                    max_body=config.max_body,
                    max_header_bytes=config.max_header_bytes,
                    max_headers=config.max_headers,
                ),
                rate_limit=config.rate_limit,
                max_wait=config.max_wait,
                max_requests=config.max_requests,
                rate_limit_margin=config.rate_limit_margin,
            )
        )
        seed = config.seed if config.seed is not None else random.randrange(2**32)
        from diglot._version import __version__

        result = RunResult(
            target=base_url if config.base_url else "embedded reference server",
            account_id=account_id,
            diglot_version=__version__,
            seed=seed,
            options=config.record(),
            started_at=datetime.now(UTC),
        )
        session = Session(
            config, spec, transport, base_url, account_id, seed, _names(config), result
        )
        session.recorder = Recorder(config.record_traffic, config.record_limit)
        session.on_request = on_request
        result.traffic = session.recorder
        result.resources.append(Resources(session.names.run_id, config.name_prefix))
        started = time.perf_counter()
        pairs = _pairs(session, operations)
        steps = _schedule(session, pairs)
        finished: set[tuple[str, str]] = {(op.operation_id, ct) for op, ct in pairs} - {
            step.pair for step in steps
        }
        last = {step.pair: index for index, step in enumerate(steps)}
        # one event per phase of a pair, when its last step is done (not one per case)
        reported = {(step.pair, step.phase): index for index, step in enumerate(steps)}
        stop: str | None = None
        try:
            _probe(session, operations, pairs)
            for index, step in enumerate(steps):
                _phase(step.run, session, *step.args, driving=step.driving)
                if last[step.pair] == index:
                    finished.add(step.pair)
                if reported[(step.pair, step.phase)] == index:
                    yield Progress(*step.pair, step.phase, session.sent)
        except ThrottledStop as throttled:
            result.throttled = True
            stop = f"throttled: {throttled}"
            result.incomplete.append(
                f"the target throttled the run and diglot stopped sending ({throttled}); "
                "the checks after that point are inconclusive. Run again after the reset, "
                "or allow a longer --max-wait"
            )
        except TimeUp:
            stop = f"the run's time (--max-time {config.max_time:g} s) ran out first"
            result.incomplete.append(
                f"the run's wall clock (--max-time {config.max_time:g} s) ran out; checks "
                "after that point did not run"
            )
        except BudgetExhausted:
            stop = f"the request budget (--max-requests {config.max_requests}) was spent first"
            result.incomplete.append(
                f"the request budget (--max-requests {config.max_requests}, retries included) "
                "was spent; checks after that point did not run"
            )
        except KeyboardInterrupt:
            result.interrupted = True
            stop = "the run was interrupted first"
            result.incomplete.append(
                "the run was interrupted (Ctrl-C or SIGTERM); these results are what was "
                "checked until then"
            )
        try:
            run_cleanup(session)  # what the run created goes, unless --no-cleanup
        except KeyboardInterrupt:
            result.resources[-1].notes.append("the cleanup was interrupted: see what is left")
        done = [pair for pair in pairs if (pair[0].operation_id, pair[1]) in finished]
        _finish(session, operations, done, [p for p in pairs if p not in done], stop)
        if not pairs:
            result.short = True
            result.incomplete.append(
                "nothing was checked: this shard holds no operation × content type pair "
                f"(--shard {config.shard[0]}/{config.shard[1]})"
                if config.shard
                else "nothing was checked: no operation × content type pair was selected"
            )
        elif (unreached := _unreached(result)) * 2 > len(result.results):
            result.short = True
            result.incomplete.append(
                f"{unreached} of {len(result.results)} checks were not reached before the run "
                "stopped: the run checked much less than asked"
            )
        if (note := session.recorder.limit_note()) is not None:
            result.errors.append(note)
        result.duration = time.perf_counter() - started
        result.requests = session.sent
    settle(config.baseline, session.baseline, config.baseline_update, result, [config.token or ""])
    yield Finished(result)


def _unreached(result: RunResult) -> int:
    """Check rows the run never got to (stopped first), or could not judge (throttled)."""
    return sum(
        row.skip_reason.startswith("not reached") or row.status is Status.INCONCLUSIVE
        for row in result.results
    )


def select_operations(spec: Spec, wanted: tuple[str, ...]) -> list[Operation]:
    if not wanted:
        return list(spec.operations)
    return [spec.operation(name) for name in wanted]


def _target(config: RunOptions, stack: contextlib.ExitStack) -> tuple[str, str]:
    if config.base_url is not None:
        if not config.account_id:
            raise UsageError(
                "--account-id is required with --base-url: the account whose groups and users "
                "diglot tests"
            )
        if proxy_for(config, config.base_url) is None:  # through a proxy, the proxy connects
            check_reachable(config.base_url, timeout=config.timeout, verify=tls_verify(config))
        return config.base_url, config.account_id
    from diglot.server import DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER, running

    known = (DEFAULT_ACCOUNT_ID.lower(), DEFAULT_ACCOUNT_NUMBER)
    if config.account_id and config.account_id.strip().lower() not in known:
        raise UsageError(
            f"--account-id {config.account_id!r} without --base-url: the embedded reference "
            f"server knows only the account {DEFAULT_ACCOUNT_ID} (number "
            f"{DEFAULT_ACCOUNT_NUMBER}); give --base-url to test another implementation"
        )
    base_url = stack.enter_context(running(fault=config.fault, variant=config.variant))
    return base_url, config.account_id or DEFAULT_ACCOUNT_ID


ACCOUNT_ERRORS = frozenset(
    {
        "INVALID_ACCOUNT_ID",
        "ACCOUNT_NOT_FOUND",
        "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
        "USER_NOT_ACCOUNT_MEMBER",
        "ACCOUNT_LACKS_PERMISSIONS",
        "PARTNER_AUTHENTICATION_FAILED",
    }
)
"""errorCodes that, on the first request, say the account id (or the token's account) is
wrong: the run cannot judge anything, and reporting each check as a violation would mislead."""


def _error_details(session: Session, exchange: Exchange) -> tuple[str, str]:
    """The ``errorCode`` and ``message`` of an ``errorDetails`` answer (JSON or XML).

    Shown inert and short; empty strings when the body holds none.
    """
    from diglot._display import inert
    from diglot.contracts import Observation

    data = Observation(session.spec, exchange).data
    if not isinstance(data, dict):
        return "", ""
    code, message = data.get("errorCode"), data.get("message")
    return (
        inert(code, limit=80) if isinstance(code, str) else "",
        inert(message, limit=300) if isinstance(message, str) else "",
    )


def _probe(
    session: Session, operations: list[Operation], pairs: list[tuple[Operation, str]]
) -> None:
    """One plain list request: is anything there, and will it talk to us?"""
    probe = next((op for op in operations if op.is_read_only), None) or session.spec.operation(
        "listGroups"
    )
    case = Case(probe.operation_id, "json", {"accountId": session.account_id})
    exchange = session.exchange(case)
    if exchange.response is None:
        raise TargetUnreachable(
            f"{session.base_url} did not answer a plain GET {probe.path}: {exchange.failure}. "
            "Check the base URL (the API's …/restapi base) and that the server is up."
        )
    status = exchange.response.status
    code, message = _error_details(session, exchange)
    said = f" ({code}: {message})" if code or message else ""
    if status in (401, 403):
        raise TargetUnreachable(
            f"{session.base_url} refused the request with {status}{said}: set DIGLOT_TOKEN to "
            "a valid bearer token (not expired) with access to the account"
            + (
                " (with the JWT grant: a new token was refused too; does the user have "
                "access to this account?)"
                if session.transport.auth is not None
                else ""
            )
        )
    if status == 400 and code in ACCOUNT_ERRORS:
        raise TargetUnreachable(
            f"is --account-id right? GET {probe.path} for account {session.account_id!r} "
            f"answered 400{said}; give the account's id (a GUID) or its external number"
        )
    if session.transport.stopped is not None:
        raise ThrottledStop(session.transport.stopped)
    if status == 404:
        raise TargetUnreachable(
            f"GET {exchange.request.url} answered 404: are the base URL (the …/restapi base) "
            f"and the account id {session.account_id!r} right?"
        )
    if (probe, "json") in pairs:
        try:
            session.observe(exchange)
        except PhaseThrottled:
            pass  # a check following the probe's links was throttled: noted, never a finding
        finally:
            session.phase_throttled = False


FIRST_SLICE = 5
"""Generated cases per pair in the first round, before the checks' own longer sequences."""


@dataclass(frozen=True, slots=True)
class Step:
    """One piece of the run's schedule: a phase of one operation × content type."""

    pair: tuple[str, str]
    phase: str
    run: Callable[..., object]
    args: tuple[Any, ...]
    driving: bool = False


def _pairs(session: Session, operations: list[Operation]) -> list[tuple[Operation, str]]:
    """The operation × content type pairs of this run (of its shard), operation outer.

    With ``--shard i/n`` the pairs are dealt to shards by their cost in requests (the
    largest first, each to the lightest shard so far), so shards take about as long.
    """
    config = session.config
    pairs = [(op, ct) for op in operations for ct in config.content_types]
    if config.shard is None:
        return pairs
    index, count = config.shard
    loads = [0] * count
    mine: set[int] = set()
    for position in sorted(range(len(pairs)), key=lambda i: -_cost(session, pairs[i][0])):
        lightest = loads.index(min(loads))
        loads[lightest] += _cost(session, pairs[position][0])
        if lightest == index:
            mine.add(position)
    return [pair for position, pair in enumerate(pairs) if position in mine]


def _cost(session: Session, operation: Operation) -> int:
    """About how many requests each of the operation's pairs takes.

    Its explicit and generated cases and the checks' sequences, the same in every content
    type, so that pairs of equal cost keep their order (the pytest plugin's items rely on it).
    """
    if not generates_cases(operation):
        return 1
    types = session.config.content_types
    drives = sum(multi.drives(session, operation, ct) for multi in MULTI_CHECKS for ct in types)
    return 15 + examples_for(session, operation) + 25 * drives // len(types)


def _schedule(session: Session, pairs: list[tuple[Operation, str]]) -> list[Step]:
    """Every step of the run, in the order that reveals most for the requests spent.

    A small ``--max-requests`` must still reach every kind of check in both content types,
    so each round goes across every operation and content type before the next begins:

    1. each pair's first explicit case: the plain request of every operation;
    2. the checks' glances (the plain list in JSON and XML, a short walk, a filter, one
       create-then-find, one user created twice, the documentation's examples);
    3. the other explicit boundary and invalid cases, one of each pair in turn;
    4. a first slice of generated cases;
    5. the checks' longer sequences (walks, state machines, generated comparisons);
    6. the rest of the generated cases, in batches.

    The pairs not sent (``--read-only``, ``[operations.X] skip``, the deletes) get their
    rows' reasons here.
    """
    active = [pair for pair in pairs if _exercised(session, *pair)]
    driven = [
        (multi, pair) for multi in MULTI_CHECKS for pair in active if multi.drives(session, *pair)
    ]
    explicit = [explicit_for(session, *pair) for pair in active]
    ranks = [  # one explicit case of each pair in turn
        [
            Step(_key(pair), "explicit", send_case, (cases[rank],))
            for pair, cases in zip(active, explicit, strict=True)
            if rank < len(cases)
        ]
        for rank in range(max(map(len, explicit), default=0))
    ]
    steps = ranks[0] if ranks else []  # each operation's plain request first
    steps += [
        Step(_key(pair), "first look", multi.glance, (*pair,), driving=True)
        for multi, pair in driven
    ]
    steps += [step for rank in ranks[1:] for step in rank]
    shares = {_key(pair): examples_for(session, pair[0]) for pair in active}
    first = {key: min(FIRST_SLICE, share) for key, share in shares.items()}
    steps += [
        Step(_key(pair), "generated", _generated_slice, (*pair, first[_key(pair)], 0))
        for pair in active
    ]
    steps += [
        Step(_key(pair), multi.phase, multi.drive, (*pair,), driving=True) for multi, pair in driven
    ]
    part = 1
    while True:
        round_ = [
            Step(_key(pair), "generated", _generated_slice, (*pair, size, part))
            for pair in active
            if (
                size := min(
                    EXAMPLES_PER_BATCH,
                    shares[_key(pair)] - first[_key(pair)] - EXAMPLES_PER_BATCH * (part - 1),
                )
            )
            > 0
        ]
        if not round_:
            return steps
        steps += round_
        part += 1


def _key(pair: tuple[Operation, str]) -> tuple[str, str]:
    return pair[0].operation_id, pair[1]


def _exercised(session: Session, operation: Operation, content_type: str) -> bool:
    """Whether the run sends this pair anything; if not, its rows say why."""
    config = session.config
    op_id = operation.operation_id
    if config.read_only and not operation.is_read_only:
        for check_id, info in CHECKS.items():
            if info.applies_to(op_id):
                session.row(
                    op_id, content_type, check_id
                ).skip_reason = "--read-only: only GET requests are sent"
        return False
    if config.rules.operation(op_id).skip:
        for check_id, info in CHECKS.items():
            if info.applies_to(op_id):
                session.skip(op_id, content_type, check_id, f"[operations.{op_id}] skip = true")
        return False
    # a delete is sent only by the cleanup at the end, naming what the run created
    return generates_cases(operation)


def _generated_slice(
    session: Session, operation: Operation, content_type: str, count: int, part: int
) -> None:
    generated(session, operation, content_type, count=count, part=part)


def _phase(run_phase: Callable[..., object], *args: Any, driving: bool = False) -> None:
    """Run one phase, ``driving`` when a multi-exchange check sends its own requests.

    A ``GaveUp`` or ``PhaseThrottled`` (bare, or grouped by hypothesis) ends only that phase;
    a ``StopRun`` ends the run.
    """
    session: Session = args[0]
    session.driving = driving
    session.phase_throttled = False
    try:
        run_phase(*args)
    except BaseExceptionGroup as group:
        stops = [e for e in flatten(group) if isinstance(e, StopRun | KeyboardInterrupt)]
        if stops:
            raise stops[0] from None
        _, rest = group.split((GaveUp, PhaseThrottled))
        if rest is not None:
            raise rest from None
    except (GaveUp, PhaseThrottled):
        pass  # recorded in the run's errors or its throttled pairs
    finally:
        session.driving = False


def _finish(
    session: Session,
    operations: list[Operation],
    pairs: list[tuple[Operation, str]],
    unfinished: list[tuple[Operation, str]] | None = None,
    stop: str | None = None,
) -> None:
    """Every check that applies gets a row, so nothing passes silently.

    The checks of ``unfinished`` pairs that got no exchange before the run stopped say so:
    inconclusive when the target throttled, skipped when the budget or an interruption
    ended the run.
    """
    owners = {info.id: multi for multi in MULTI_CHECKS for info in multi.checks}
    unfinished = unfinished or []
    for operation, content_type in [*pairs, *unfinished]:
        throttled = session.throttled.get((operation.operation_id, content_type))
        for check_id, info in CHECKS.items():
            if not info.applies_to(operation.operation_id):
                continue
            owner = owners.get(check_id)
            if owner is not None and not owner.covers(operation, content_type):
                continue
            row = session.row(operation.operation_id, content_type, check_id)
            if row.exchanges or row.skip_reason or row.inconclusive:
                continue
            if throttled is not None:
                row.no_evidence(throttled)
            elif (operation, content_type) in unfinished and stop is not None:
                if stop.startswith("throttled"):
                    row.no_evidence(
                        "throttled: the target throttled the run and diglot stopped sending "
                        "before this check was judged"
                    )
                else:
                    row.skip_reason = f"not reached: {stop}"
            else:
                row.skip_reason = _why_not(session, operation, content_type, check_id)
    # An operation not asked for (listGroups, sent to find what createGroups made) gets no
    # rows of its own, unless something was found in its answers.
    asked = {operation.operation_id for operation in operations}
    session.result.results = sorted(
        (row for row in session.table.values() if row.operation in asked or row.findings),
        key=lambda r: (r.operation, r.content_type, r.family, r.check),
    )


def _why_not(session: Session, operation: Operation, content_type: str, check_id: str) -> str:
    config = session.config
    if check_id == "equivalence.json_xml" and "json" not in config.content_types:
        return "needs both content types (--content-types json,xml)"
    if CHECKS[check_id].multi and not config.stateful:
        return "stateful phases are off"
    if (operation.operation_id, content_type) in session.abandoned:
        return (
            f"diglot stopped sending to it after {GIVE_UP_AFTER} requests in a row hit the "
            "time limit"
        )
    if not generates_cases(operation):
        return why_not_sent(session, operation.operation_id, content_type)
    bulk = session.ledger.bulk_skipped.get((operation.operation_id, content_type, check_id))
    if bulk is not None:
        return bulk
    return "no exchange this check applies to came up in this run"


def redactor_for(config: RunOptions) -> Redactor:
    return Redactor(config.secrets())


def _names(config: RunOptions) -> Names:
    """The run's name factory: its prefix, and the run id given (to reproduce a run) or new."""
    if config.run_id is None:
        return Names(config.name_prefix)
    return Names(config.name_prefix, config.run_id)
