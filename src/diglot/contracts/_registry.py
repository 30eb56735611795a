"""The check registry: the public way to add a check, built-in or a user's.

Two kinds of check, one registry:

* a **single-exchange check** is a function of one :class:`Observation` that reports
  findings through it and returns whether it applied (``False``, or
  ``obs.inconclusive(...)``, when the exchange held nothing for it to judge). Register it
  with :func:`register_check`.
* a **multi-exchange check** is a :class:`MultiCheck` subclass: it may drive requests of its
  own for an operation × content type (a pagination walk, a create-then-find sequence, the
  same GET in JSON and XML), and it sees every response and the end of the run. Register it
  with :func:`register_multi_check`.

Every built-in check uses exactly this API, each id defined, driven and judged in one file
of ``diglot.contracts``. A user's checks load from the ``diglot.checks`` entry point group
or from modules named with ``--checks-modules`` (see :func:`load_checks`).

Example:
    >>> import diglot
    >>> @diglot.register_check("acme.no_internal_ids", description="No id starts with int-.")
    ... def no_internal_ids(obs: diglot.Observation) -> bool:
    ...     if obs.status != 200:
    ...         return False
    ...     if "int-" in str(obs.data):
    ...         obs.report("acme.no_internal_ids", "an internal id leaked")
    ...     return True
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from diglot.errors import UsageError

if TYPE_CHECKING:
    from diglot.contracts._observation import Observation
    from diglot.model import Case, Request
    from diglot.specs import Spec
    from diglot.specs._model import Operation
    from diglot.strategies import Names

ENTRY_POINT_GROUP = "diglot.checks"
"""Packages list modules here (``[project.entry-points."diglot.checks"]``) whose import
registers checks."""

_ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*\Z")


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """What a check claims, for reports, ``diglot checks`` and the result matrix.

    Attributes:
        id: ``family.claim`` in lower case, e.g. ``schema.body``.
        description: the claim, one sentence.
        family: the family it belongs to; by default the part of ``id`` before the dot. The
            built-in families are protocol, schema, equivalence, pagination and semantics; a
            user's check may name its own.
        operations: the operation ids it applies to; None for every operation.
        multi: True when it spans exchanges (a :class:`MultiCheck`).
        rules: prefixes of ``Case.rule`` whose status verdict this check owns instead of
            ``protocol.status_code`` (``semantics.limits`` owns ``limits.``).
    """

    id: str
    description: str
    family: str = ""
    operations: frozenset[str] | None = None
    multi: bool = False
    rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise UsageError(
                f"check id {self.id!r} is not 'family.claim' in lower case "
                "(letters, digits, underscores), e.g. 'acme.no_internal_ids'"
            )
        if not self.family:
            object.__setattr__(self, "family", self.id.split(".", 1)[0])
        if self.operations is not None:
            object.__setattr__(self, "operations", frozenset(self.operations))

    def applies_to(self, operation_id: str) -> bool:
        return self.operations is None or operation_id in self.operations


SingleCheck = Callable[["Observation"], bool]
"""A single-exchange check: judges one observation, returns whether it applied."""

CHECKS: dict[str, CheckInfo] = {}
"""Every registered check by id, in registration order."""
SINGLE_CHECKS: list[tuple[CheckInfo, SingleCheck, tuple[CheckInfo, ...]]] = []
"""(check, function, the further checks it judges too) in registration order."""
MULTI_CHECKS: list[MultiCheck] = []
"""Every registered multi-exchange check, in registration order."""


def _add(info: CheckInfo) -> CheckInfo:
    if info.id in CHECKS:
        raise UsageError(f"check {info.id!r} is registered twice; give each check its own id")
    CHECKS[info.id] = info
    return info


def register_check(
    check_id: str,
    *,
    description: str,
    family: str = "",
    operations: Iterable[str] | None = None,
    rules: tuple[str, ...] = (),
    also: tuple[CheckInfo, ...] = (),
) -> Callable[[SingleCheck], SingleCheck]:
    """Register a single-exchange check (a decorator).

    Args:
        check_id: ``family.claim``, unique.
        description: the claim it judges, one sentence (shown by ``diglot checks``).
        family: its family; default: the part of the id before the dot.
        operations: the operation ids it applies to; default: all.
        rules: prefixes of ``Case.rule`` whose status verdict it owns.
        also: further checks the same function reports for (``schema.body`` also judges
            ``schema.unknown_property``); they count as applied whenever it applies.

    Returns:
        A decorator for ``function(obs: Observation) -> bool``.

    Raises:
        UsageError: a malformed id, or one already registered.
    """
    info = CheckInfo(
        check_id,
        description,
        family,
        None if operations is None else frozenset(operations),
        rules=rules,
    )

    def decorate(function: SingleCheck) -> SingleCheck:
        _add(info)
        for other in also:
            _add(other)
        SINGLE_CHECKS.append((info, function, also))
        return function

    return decorate


class RunContext(Protocol):
    """What a multi-exchange check can use of the run it is part of (the engine's session)."""

    @property
    def spec(self) -> Spec: ...
    @property
    def account_id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def names(self) -> Names:
        """Names for what the run creates: prefixed with the run's prefix and id."""
        ...

    @property
    def max_examples(self) -> int: ...
    @property
    def content_types(self) -> tuple[str, ...]: ...
    @property
    def stateful(self) -> bool: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def authenticated(self) -> bool: ...

    def request_for(self, case: Case) -> Request:
        """The HTTP request the run would send for ``case``."""
        ...

    def send(self, case: Case, request: Request | None = None) -> Observation:
        """Send a case (or an explicit request for it) and judge the answer.

        Every single-exchange check judges it, and what they found is recorded.
        """
        ...

    def fetch(self, case: Case) -> Observation:
        """Send a case and judge nothing: for an answer only to compare with another."""
        ...

    def judged(self, obs: Observation, check_id: str) -> None:
        """Count one judgement of ``check_id`` on ``obs``'s row, and record its findings."""
        ...

    def count(self, operation: str, content_type: str, check_id: str) -> None:
        """Count one judgement of ``check_id`` on another operation's row."""
        ...

    def record(self, obs: Observation) -> None:
        """Record the findings (and inconclusive notes) of ``obs`` without counting."""
        ...

    def skip(self, operation: str, content_type: str, check_id: str, reason: str) -> None:
        """Say why ``check_id`` could not run for this operation × content type."""
        ...


class MultiCheck:
    """A check that spans exchanges. Subclass it, set ``checks``, override the hooks.

    Attributes:
        checks: the check ids it defines (each a :class:`CheckInfo`; ``multi`` is set).
        phase: the name of its phase in progress output (``pagination``, ``stateful``).
    """

    checks: ClassVar[tuple[CheckInfo, ...]] = ()
    phase: ClassVar[str] = "sequences"

    def covers(self, operation: Operation, content_type: str) -> bool:
        """Whether its checks have a row for this operation × content type in the results.

        A row is judged, or skipped with a reason; by default there is one wherever its
        checks apply.
        """
        return any(info.applies_to(operation.operation_id) for info in self.checks)

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        """Whether :meth:`glance` and :meth:`drive` have requests to send for this pair."""
        return False

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        """Send the few requests of this check most likely to reveal a fault.

        The engine calls every glance early, interleaved across operations and content
        types, before the generated cases: a small ``--max-requests`` still reaches every
        kind of check. What :meth:`drive` sends later should not repeat it. Default: nothing.
        """

    def drive(self, run: RunContext, operation: Operation, content_type: str) -> None:
        """Send the rest of this check's own requests and judge them.

        The engine calls it when the budget allows: after every glance and a first slice of
        generated cases.
        """

    def after_response(self, obs: Observation, run: RunContext) -> None:
        """See every exchange the run judged (after the single-exchange checks)."""

    def after_run(self, run: RunContext) -> None:
        """Conclude at the end of the run (report through ``run.judged``)."""


M = TypeVar("M", bound=type[MultiCheck])


def register_multi_check(cls: M) -> M:
    """Register a :class:`MultiCheck` subclass (a class decorator); one instance serves a run.

    Raises:
        UsageError: it defines no check, or an id already registered.
    """
    if not cls.checks:
        raise UsageError(f"{cls.__name__} defines no check: set checks = (CheckInfo(...), ...)")
    multi = tuple(
        CheckInfo(i.id, i.description, i.family, i.operations, multi=True, rules=i.rules)
        for i in cls.checks
    )
    for info in multi:
        _add(info)
    cls.checks = multi
    MULTI_CHECKS.append(cls())
    return cls


def rule_owner(rule: str) -> str | None:
    """The check that owns the status verdict of a case exercising ``rule``, if any."""
    if rule:
        for info in CHECKS.values():
            if any(rule.startswith(prefix) for prefix in info.rules):
                return info.id
    return None


def run_single_checks(observation: Observation) -> Iterator[tuple[CheckInfo, bool]]:
    """Run every single-exchange check on one observation; yields (check, applied).

    A throttled answer (see ``Observation.throttled``) is judged by none: each check that
    applies is inconclusive with the reason, so throttling is never a finding.
    """
    operation = observation.case.operation
    throttled = observation.throttled
    for info, function, also in SINGLE_CHECKS:
        if throttled:
            for each in (info, *also):
                if each.applies_to(operation):
                    observation.inconclusive(each.id, throttled)
                    yield each, False
            continue
        if info.applies_to(operation):
            applied = bool(function(observation))
            yield info, applied
            for other in also:
                if other.applies_to(operation):
                    yield other, applied


_LOADED: set[str] = set()


def load_checks(modules: Iterable[str] = ()) -> list[str]:
    """Import the user's check modules: the ``diglot.checks`` entry points, then ``modules``.

    Importing a module registers its checks; a module is imported once per process.

    Returns:
        The modules imported by this call.

    Raises:
        UsageError: a module cannot be imported, or its checks cannot be registered; the
            message names the module and what went wrong.
    """
    loaded = []
    wanted = [
        (f"entry point {ep.name!r} ({ep.value})", ep.value.split(":", 1)[0])
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    ]
    wanted += [(f"--checks-modules {name}", name) for name in modules]
    for where, module in wanted:
        if module in _LOADED:
            continue
        try:
            importlib.import_module(module)
        except UsageError as error:
            raise UsageError(f"{where}: {error}") from None
        except Exception as error:
            raise UsageError(
                f"{where}: the module cannot be imported ({type(error).__name__}: {error}); "
                "check the name and that it is installed in this environment"
            ) from None
        _LOADED.add(module)
        loaded.append(module)
    return loaded
