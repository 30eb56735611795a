"""``diglot.parametrize`` and the per-item case object behind the pytest plugin.

The plugin module (``diglot.plugin``) stays thin: it declares options, hooks and
fixtures, and calls in here for everything that needs diglot itself.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from diglot._display import inert
from diglot.errors import DiglotError
from diglot.plugin._state import MARKER, PARTS, STATE, State

if TYPE_CHECKING:
    from diglot.engine._results import CheckResult, RunResult
    from diglot.model import Finding
    from diglot.transport._redact import Redactor

F = TypeVar("F", bound=Callable[..., Any])

EMBEDDED = "embedded reference server"
FINDINGS_SHOWN = 3
"""Distinct findings shown per failing check in a failure message."""
ERROR_LIMIT = 2000
"""Characters of one run error, headline or skip reason in a message."""


class ConformanceFailure(AssertionError):
    """An item or a ``diglot_check`` call found responses that break the contract.

    The message lists every failing check with its family and the evidence
    (``Finding.describe()``: expected vs actual, path, curl line, seed). Server text in it
    is inert (``diglot._display``): pytest prints it to terminals and CI logs.
    """


def parametrize(
    operations: str | Iterable[str] | None = None,
    content_types: str | Iterable[str] | None = None,
) -> Callable[[F], F]:
    """Turn ``def test_x(case)`` into one pytest item per operation × content type.

    Each item's ``case.call_and_validate()`` runs diglot's conformance suite (generated
    cases, equivalence, pagination and stateful sequences, every check) for its operation
    in its content type, and fails with the findings. Item ids look like ``listGroups-xml``.

    Args:
        operations: operation ids to test (``listGroups``, ``createGroups``, ``createUsers``,
            ``listSigningGroups``); None for all.
        content_types: ``json`` and/or ``xml``; None for both (``--diglot-content-types``
            narrows further).

    Returns:
        A decorator for the test function.

    Example:
        >>> @diglot.parametrize(operations=["listGroups"])  # doctest: +SKIP
        ... def test_conformance(case):
        ...     case.call_and_validate()
    """

    def decorate(func: F) -> F:
        mark = pytest.mark.diglot(
            operations=_names(operations), content_types=_names(content_types)
        )
        return mark(func)  # type: ignore[no-any-return]

    return decorate


def _names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return tuple(value)


class DiglotCase:
    """One operation in one content type of diglot's conformance suite (one pytest item).

    Attributes:
        operation: the operation id, e.g. ``listGroups``.
        content_type: ``json`` or ``xml``.
        result: the run of the last ``call_and_validate()``; None before.
    """

    __slots__ = ("_config", "_content_types", "_item", "content_type", "operation", "result")

    def __init__(
        self,
        config: pytest.Config,
        operation: str,
        content_type: str,
        content_types: tuple[str, ...],
    ) -> None:
        self._config = config
        self._content_types = content_types
        self._item: pytest.Item | None = None
        self.operation = operation
        self.content_type = content_type
        self.result: RunResult | None = None

    @property
    def id(self) -> str:
        """The pytest id of the item, ``operation-content_type``."""
        return f"{self.operation}-{self.content_type}"

    def __repr__(self) -> str:
        return f"<diglot case {self.id}>"

    def call_and_validate(
        self, *, max_examples: int | None = None, strict: bool | None = None
    ) -> RunResult:
        """Run every check of the suite for this operation and content type.

        Args:
            max_examples: generated cases (default ``--diglot-max-examples``).
            strict: warnings fail too (default ``--diglot-strict``).

        Returns:
            The run's result, when it passed.

        Raises:
            ConformanceFailure: violations were found (or warnings, when strict); the
                message names each check, its family and the evidence.
        """
        __tracebackhide__ = True
        from dataclasses import replace

        from diglot.engine import run

        state = self._config.stash[STATE]
        options = state.options
        strict = options.strict if strict is None else strict
        base_url, account_id = session_target(self._config)
        types = self._content_types if self.content_type == "xml" else (self.content_type,)
        try:
            config = replace(
                options,
                # the embedded server, once started, is this session's target
                base_url=base_url,
                account_id=account_id,
                fault=None,
                variant=None,
                operations=(self.operation,),
                # the XML item keeps JSON in the config so that it also runs the JSON⇄XML
                # comparisons (the shard keeps this item's pair only); the JSON item needs
                # no XML, so an XML fault never fails a JSON item
                content_types=types,
                shard=(types.index(self.content_type), len(types)),
                max_examples=options.max_examples if max_examples is None else max_examples,
                seed=state.seed,
                strict=strict,
                report_dir=None,
            )
            result = run(config)
        except DiglotError as exc:
            problem = str(exc)
        else:
            problem = ""
        if problem:  # failed outside the except block: no chained exception in the report
            pytest.fail(inert(f"diglot: {problem}", newlines=True), pytrace=False)
        if state.embedded:
            result.target = EMBEDDED
        self.result = result
        state.results.append(result)
        if self._item is not None:
            self._item.user_properties.extend(_properties(result))
        if result.failed(strict=strict):
            from diglot.engine._run import redactor_for

            message = failure_message(
                result, strict=strict, folder=options.report_dir, redactor=redactor_for(options)
            )
            raise ConformanceFailure(message)
        reason = inconclusive_reason(result)
        if reason:  # no silent pass: what could not be judged is said, as a skip
            pytest.skip(reason)
        return result


def generate(metafunc: pytest.Metafunc, marker: pytest.Mark) -> None:
    """``pytest_generate_tests`` for a ``diglot.parametrize``d function."""
    __tracebackhide__ = True
    from diglot.specs import load_spec

    where = metafunc.definition.nodeid
    if "case" not in metafunc.fixturenames:
        pytest.fail(f"{where}: diglot.parametrize needs a test argument named 'case'", False)
    state = metafunc.config.stash[STATE]
    spec = load_spec()
    known = [op.operation_id for op in spec.operations]
    # the deletes are sent only by a run's cleanup, never as cases: no item of their own
    # unless asked for by name
    tested = tuple(op.operation_id for op in spec.operations if op.method != "DELETE")
    # the marker's operations, else those the options name (--diglot-operations, the file)
    wanted = marker.kwargs.get("operations") or state.options.operations or tested
    unknown = [name for name in wanted if name not in known]
    if unknown:
        pytest.fail(
            f"{where}: diglot.parametrize(operations=...) names {', '.join(unknown)}, which the "
            f"API does not document; choose from {', '.join(known)}",
            pytrace=False,
        )
    asked = marker.kwargs.get("content_types") or state.options.content_types
    wrong = [c for c in asked if c not in ("json", "xml")]
    if wrong:
        pytest.fail(
            f"{where}: diglot.parametrize(content_types=...) names {', '.join(wrong)}; use "
            "json, xml or both",
            pytrace=False,
        )
    types = tuple(c for c in asked if c in state.options.content_types)
    cases = [
        DiglotCase(metafunc.config, operation, content_type, types)
        for operation in wanted
        for content_type in types
    ]
    metafunc.parametrize("case", cases, ids=[case.id for case in cases])


def bind(item: pytest.Item) -> None:
    """Give the item's case its item (for ``user_properties``), before the test runs."""
    case = getattr(item, "funcargs", {}).get("case")
    if isinstance(case, DiglotCase):
        case._item = item
        item.user_properties.append(("diglot.operation", case.operation))
        item.user_properties.append(("diglot.content_type", case.content_type))


def session_target(config: pytest.Config) -> tuple[str, str]:
    """The base URL and account of the session, starting the embedded server on first use."""
    __tracebackhide__ = True
    state = config.stash[STATE]
    if state.target is None:
        options = state.options
        if options.base_url is not None:
            assert options.account_id is not None  # checked at configure time
            state.target = (options.base_url, options.account_id)
        else:
            from diglot.server import DEFAULT_ACCOUNT_ID, running

            try:
                base_url = state.stack.enter_context(
                    running(fault=options.fault, variant=options.variant)
                )
            except DiglotError as exc:
                problem = str(exc)
            else:
                problem = ""
            if problem:
                message = f"diglot: the embedded reference server: {problem}"
                pytest.fail(inert(message, newlines=True), pytrace=False)
            state.embedded = True
            state.target = (base_url, options.account_id or DEFAULT_ACCOUNT_ID)
    return state.target


def checker(request: pytest.FixtureRequest) -> Callable[..., list[Finding]]:
    """The callable behind the ``diglot_check`` fixture."""
    state = request.config.stash[STATE]
    node = request.node

    def diglot_check(response: Any, **options: Any) -> list[Finding]:
        """Judge ``response`` like ``diglot.check``; fail the test with the findings."""
        __tracebackhide__ = True
        from diglot.contracts._response import check
        from diglot.errors import ContractViolation
        from diglot.model import Severity

        options.setdefault("strict", state.options.strict)
        problem = ""
        findings: list[Finding] = []
        try:
            findings = check(response, raise_on_failure=False, **options)
        except DiglotError as exc:
            problem = str(exc)
        if problem:
            pytest.fail(inert(f"diglot_check: {problem}", newlines=True), pytrace=False)
        failing = [f for f in findings if options["strict"] or f.severity is Severity.VIOLATION]
        for finding in findings:
            node.user_properties.append((f"diglot:{finding.check}", f"{finding.severity}"))
        if failing:
            if len(failing) == 1:
                raise ContractViolation(failing[0])
            families = sorted({str(f.family) for f in failing})
            raise ConformanceFailure(
                inert(
                    f"{len(failing)} contract violations (families: {', '.join(families)}):\n\n"
                    + "\n\n".join(f.describe() for f in failing),
                    newlines=True,
                )
            )
        return findings

    return diglot_check


def failure_message(
    result: RunResult,
    *,
    strict: bool,
    folder: Path | None = None,
    redactor: Redactor | None = None,
) -> str:
    """What a failing item says: each failing check, its family and its evidence.

    A request body too long for the curl line is read from ``folder`` (the session's
    ``--diglot-report-dir``, where it is written at the session's end); without a folder
    the line says it was too long to print.
    """
    from diglot.engine._results import Status
    from diglot.reports._bodies import describe
    from diglot.transport._redact import Redactor

    bad = {Status.FAILED, Status.WARNING} if strict else {Status.FAILED}
    failing = [r for r in result.results if r.status in bad]
    families = sorted({str(r.family) for r in failing})
    pairs = sorted({f"{r.operation} ({r.content_type})" for r in failing})
    lines = [
        f"diglot: {', '.join(pairs)} breaks the documented contract: {len(failing)} check(s) "
        f"failed in the families {', '.join(families)}",
        f"seed {result.seed}: re-run the same cases with --diglot-seed {result.seed}",
    ]
    for row in failing:
        lines += ["", _headline(row)]
        for finding in row.findings[:FINDINGS_SHOWN]:
            count = row.count_of(finding)
            text = describe(finding, folder=folder, redactor=redactor or Redactor())
            lines.append(text + (f"\n  ({count} times)" if count > 1 else ""))
        hidden = len(row.findings) - FINDINGS_SHOWN + row.omitted
        if hidden > 0:
            lines.append(f"  … and {hidden} more distinct finding(s): see --diglot-report-dir")
    for error in result.errors:
        lines += ["", f"run: {inert(error, limit=ERROR_LIMIT)}"]
    for reason in result.incomplete:  # what failed stands; what was not checked is said
        lines += ["", f"incomplete: {inert(reason, limit=ERROR_LIMIT)}"]
    return inert("\n".join(lines), newlines=True)


def inconclusive_reason(result: RunResult) -> str:
    """Why an item that found nothing wrong must not pass; empty when it may.

    An item passes only when its run did all it was asked and every check that ran judged
    something. Otherwise it is skipped with this reason, never passed in silence:

    - the target throttled the run: ``inconclusive: throttled: …``;
    - the run is incomplete (its request budget or time was spent, it was interrupted):
      ``incomplete: …``;
    - a check was inconclusive (exercised, nothing to judge): ``inconclusive: CHECK: why``;
    - no check judged anything (every one skipped).

    A check skipped on purpose (disabled by configuration, bulk cases held back) does not
    make an item skip when other checks judged. Failing items never get here: they fail.
    """
    from diglot.engine._results import Status

    rows = result.results
    judged = sum(r.status in (Status.PASSED, Status.WARNING, Status.KNOWN) for r in rows)
    inconclusive = [r for r in rows if r.status is Status.INCONCLUSIVE]
    skipped = [r for r in rows if r.status is Status.SKIPPED]
    pairs = ", ".join(sorted({f"{r.operation} ({r.content_type})" for r in rows})) or "the item"
    reasons = "; ".join(
        f"{r.check}: {r.inconclusive_reason}" for r in inconclusive[:FINDINGS_SHOWN]
    )
    if len(inconclusive) > FINDINGS_SHOWN:
        reasons += f"; and {len(inconclusive) - FINDINGS_SHOWN} more checks"
    counts = [f"{judged} checks judged"]
    if inconclusive:
        counts.append(f"{len(inconclusive)} inconclusive ({reasons})")
    if skipped:
        counts.append(f"{len(skipped)} skipped")
    if result.throttled:
        text = f"was inconclusive: throttled: {'; '.join(result.incomplete)}; {', '.join(counts)}"
    elif result.incomplete:
        text = f"was incomplete: {'; '.join(result.incomplete)}; {', '.join(counts)}"
    elif inconclusive and not judged:
        text = f"was inconclusive: every check had nothing to judge ({reasons})"
    elif inconclusive:
        text = (
            f"was inconclusive: {len(inconclusive)} of {len(rows)} checks had nothing to judge "
            f"({reasons}); {judged} checks judged"
        )
    elif not judged:
        why = "; ".join(dict.fromkeys(r.skip_reason or "no exchange judged" for r in rows))
        text = f"judged nothing: every check was skipped ({why or 'no check ran'})"
    else:
        return ""
    return inert(f"diglot: {pairs} {text}", limit=ERROR_LIMIT)


def _headline(row: CheckResult) -> str:
    return inert(
        f"{str(row.status).upper()} {row.check} (family {row.family}): "
        f"{row.occurrences} finding(s) in {row.exchanges} exchange(s)"
        + (f"; {row.description}" if row.description else ""),
        limit=ERROR_LIMIT,
    )


def _properties(result: RunResult) -> list[tuple[str, object]]:
    rows = result.results
    families = sorted({str(r.family) for r in rows})
    props: list[tuple[str, object]] = [
        ("diglot.seed", result.seed),
        ("diglot.families", ",".join(families)),
    ]
    props += [(f"diglot:{r.check}", f"{r.status} ({r.family})") for r in rows]
    return props


def write_session_reports(state: State, *, worker_id: str | None) -> None:
    """At session end: a worker writes its part; the controller (or a plain run) the reports."""
    from diglot.engine._run import redactor_for
    from diglot.reports import from_json, merge, to_json, write_reports
    from diglot.reports._bodies import write_bodies

    options = state.options
    assert options.report_dir is not None
    redactor = redactor_for(options)
    parts = options.report_dir / PARTS
    try:
        if worker_id is not None:
            if state.results:
                parts.mkdir(parents=True, exist_ok=True)
                whole = _whole(state)
                document = to_json(whole, redactor=redactor)
                # the bodies its curl lines read, beside the part (the merge copies them)
                write_bodies(whole, parts, redactor=redactor, prune=False)  # shared folder
                _write_atomic(parts / f"{worker_id}.json", json.dumps(document, indent=1))
            return
        runs = list(state.results)
        if parts.is_dir():
            runs += [from_json(path) for path in sorted(parts.glob("*.json"))]
        if not runs:
            return
        whole = merge(runs) if len(runs) > 1 else runs[0]
        _tidy_options(whole, runs)
        state.written = write_reports(whole, options.report_dir, redactor=redactor)
        shutil.rmtree(parts, ignore_errors=True)  # merged: the parts have served
    except (DiglotError, OSError) as exc:
        state.report_error = str(exc)


def _whole(state: State) -> RunResult:
    from diglot.reports import merge

    whole = merge(state.results) if len(state.results) > 1 else state.results[0]
    _tidy_options(whole, state.results)
    return whole


def _tidy_options(whole: RunResult, runs: list[RunResult]) -> None:
    """The merged run tested the union of the items' operations; no item's shard."""
    operations = sorted({str(op) for run in runs for op in _listed(run.options, "operations")})
    types = sorted({str(ct) for run in runs for ct in _listed(run.options, "content_types")})
    whole.options["operations"] = list[Any](operations)
    whole.options["content_types"] = list[Any](types)
    whole.options["shard"] = None
    whole.options["runner"] = "pytest plugin"


def _listed(options: dict[str, Any], key: str) -> list[Any]:
    value = options.get(key)
    return value if isinstance(value, list) else []


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


__all__ = ["MARKER", "ConformanceFailure", "DiglotCase", "parametrize"]
