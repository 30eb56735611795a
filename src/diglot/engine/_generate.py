"""Generated cases: hypothesis draws requests of one operation × content type, each judged.

A violation fails the hypothesis example, so hypothesis shrinks it to a minimal case (against
the embedded server, and for GETs), whose finding is then listed first in its result.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

from diglot.engine._cleanup import note_bulk_skipped, sends_bulk
from diglot.engine._results import CheckResult
from diglot.engine._session import GaveUp, Session
from diglot.errors import ContractViolation
from diglot.model import Case, Finding
from diglot.strategies import Names, explicit_cases, from_operation
from diglot.transport import Transport

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from diglot.specs import Spec
    from diglot.specs._model import Operation


@functools.cache
def _violation_type(check_id: str) -> type[ContractViolation]:
    """One exception class per check, so hypothesis shrinks each kind of failure separately."""
    return type(f"Violation[{check_id}]", (ContractViolation,), {})


EXAMPLES_PER_BATCH = 400
"""Generated cases per hypothesis run. hypothesis keeps bookkeeping for every example of a
run until it ends (about 8 KB each here), so a long run is cut into batches of this many, each
with its own seed derived from the run's: memory stays flat however many requests are sent."""


def examples_for(session: Session, operation: Operation) -> int:
    """Generated cases asked for this operation: its own ``max_examples``, or the run's."""
    own = session.config.rules.operation(operation.operation_id).max_examples
    return own or session.config.examples


def explicit_for(session: Session, operation: Operation, content_type: str) -> list[Case]:
    """The pair's boundary and invalid cases, each to be sent once (``send_case``).

    They are minimal already, so nothing is shrunk or replayed; the bulk ones (hundreds of
    users in one request) only to the embedded server or with ``--bulk-cases`` (the checks
    that own them say so otherwise).
    """
    if not sends_bulk(session):
        note_bulk_skipped(session, operation, content_type)
    return explicit_cases(
        operation,
        spec=session.spec,
        content_type=content_type,
        account_id=session.account_id,
        names=session.names,
        bulk=sends_bulk(session),
    )


def send_case(session: Session, case: Case) -> None:
    """Send one case and judge the answer."""
    session.send(case)
    session.latest_violation = None


def generated(
    session: Session, operation: Operation, content_type: str, *, count: int, part: int
) -> None:
    """``count`` generated cases of the pair, slice ``part`` of its share.

    Each slice has its own seed derived from the run's, so the same seed and schedule send the
    same cases. A POST is not replayed against a remote target (shrinking would send it again
    and again): its first failing example is kept; GETs, and the embedded server, are shrunk.
    """
    strategy = _strategy(session, operation, content_type)
    replay = operation.is_read_only or session.config.base_url is None
    seed = session.seed if part == 0 else hash((session.seed, part)) % 2**32
    for finding in _generate_batch(session, strategy, count, seed, replay=replay):
        _promote(session.row(finding.operation, finding.content_type, finding.check), finding)


_BUILT: weakref.WeakKeyDictionary[
    Transport, dict[tuple[str, str, str], tuple[Names, Spec, SearchStrategy[Case]]]
] = weakref.WeakKeyDictionary()
"""The strategies of a run (its transport), per operation, content type and account."""


def _strategy(session: Session, operation: Operation, content_type: str) -> SearchStrategy[Case]:
    """The pair's strategy, built once per run, not once per slice.

    Building one and having hypothesis validate it costs about 4 ms; the run's slices (two
    per pair and more) share it. Drawing from it gives the same cases either way.
    """
    built = _BUILT.setdefault(session.transport, {})
    key = (operation.operation_id, content_type, session.account_id)
    kept = built.get(key)
    if kept is not None and kept[0] is session.names and kept[1] is session.spec:
        return kept[2]
    strategy = from_operation(
        operation,
        spec=session.spec,
        content_type=content_type,
        account_id=session.account_id,
        names=session.names,
    )
    built[key] = (session.names, session.spec, strategy)
    return strategy


RequestKey = tuple[str, str, bytes, tuple[tuple[str, str], ...]]


def _generate_batch(
    session: Session,
    strategy: SearchStrategy[Case],
    count: int,
    seed: int,
    *,
    replay: bool = True,
) -> list[Finding]:
    """One hypothesis run of ``count`` examples, one case each; the shrunk failures.

    A request already sent in the run is not sent again: its answer is known, and so is the
    violation it showed (hypothesis draws the same request from other choices now and then,
    and replays known ones while it shrinks). A violation fails the example, so hypothesis
    shrinks it to a minimal case.

    With ``replay`` False no failing example is sent again: hypothesis is not told of the
    failure (the finding is recorded all the same), so it neither shrinks nor replays it.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed

    outcomes: dict[RequestKey, Finding | None] = {}
    """Every request sent in the run → the first violation its answer showed, or None."""

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, *([Phase.shrink] if session.config.shrink and replay else [])],
        report_multiple_bugs=True,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    @hypothesis_seed(seed)
    @given(case=strategy)
    def exercise(case: Case) -> None:
        request = session.request_for(case)
        key = (request.method, request.url, request.body, tuple(request.headers.items()))
        if key in outcomes:
            found = outcomes[key]
        else:
            session.latest_violation = None
            session.send(case, request)  # a Halt (stop sending) passes hypothesis untouched
            found = outcomes[key] = session.latest_violation
        if replay and found is not None:
            raise _violation_type(found.check)(found)

    # the key hypothesis files examples under: hashing the test's source takes milliseconds
    # per run, and there is no example database to file them in
    exercise._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    try:
        exercise()
    except GaveUp:
        pass  # recorded in the run's errors; the findings so far stand
    except BaseExceptionGroup as group:
        return [e.finding for e in flatten(group) if isinstance(e, ContractViolation)]
    except ContractViolation as violation:
        return [violation.finding]
    finally:
        session.latest_violation = None
    return []


def flatten(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from flatten(exc)
        else:
            yield exc


def _promote(row: CheckResult, finding: Finding) -> None:
    """Put the shrunk (minimal) example of a failure first in its result."""
    for index, kept in enumerate(row.findings):
        if kept.signature == finding.signature:
            row.findings.insert(0, row.findings.pop(index))
            return
