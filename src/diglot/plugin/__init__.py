"""pytest plugin: diglot's conformance suite inside other repositories (inert until used).

Loaded by itself through the ``pytest11`` entry point. It imports only pytest and the standard
library here; diglot itself is imported inside the hooks and fixtures that need it, and the
embedded reference server starts only when a diglot item or fixture asks for a target::

    import diglot

    @diglot.parametrize()
    def test_conformance(case):
        case.call_and_validate()

    def test_hand_written(diglot_base_url, diglot_account_id, diglot_check):
        diglot_check(httpx.get(f"{diglot_base_url}/v2.1/accounts/{diglot_account_id}/groups"))

Options (command line, or the ini key without the leading dashes and with underscores):
``--diglot-base-url``, ``--diglot-account-id``, ``--diglot-report-dir``,
``--diglot-max-examples``, ``--diglot-seed``, ``--diglot-strict``,
``--diglot-content-types``; the bearer token comes from ``DIGLOT_TOKEN``.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from diglot.plugin._state import MARKER, PARTS, STATE, State

if TYPE_CHECKING:
    from diglot.engine import RunOptions


def pytest_addoption(parser: pytest.Parser) -> None:
    """One ``--diglot-*`` option and ini key per option of diglot's option table."""
    from diglot.engine._options import OPTIONS

    group = parser.getgroup("diglot", "diglot contract conformance")
    for spec in OPTIONS:
        if not spec.plugin:
            continue
        dest = spec.ini_key
        if spec.flag:
            group.addoption(
                spec.plugin_flag, dest=dest, action="store_true", default=None, help=spec.help
            )
            parser.addini(dest, spec.help, type="bool", default=None)
        else:
            group.addoption(
                spec.plugin_flag, dest=dest, metavar=spec.metavar, default=None, help=spec.help
            )
            parser.addini(dest, spec.help, type="string", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(operations=None, content_types=None): set by diglot.parametrize; one item "
        "per operation × content type of diglot's conformance suite",
    )
    try:
        options = _options(config)
    except ValueError as exc:
        raise pytest.UsageError(f"diglot: {exc}") from None
    worker = getattr(config, "workerinput", None)
    seed = options.seed
    if seed is None and worker is not None:
        seed = worker.get("diglot_seed")
    if seed is None:
        seed = random.randrange(2**32)
    config.stash[STATE] = State(options, seed)
    if options.report_dir is not None and worker is None:
        # the controller (or a plain session) starts from no stale worker parts
        shutil.rmtree(options.report_dir / PARTS, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed."""
    state = node.config.stash.get(STATE, None)
    if state is not None:
        node.workerinput["diglot_seed"] = state.seed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None:
        return
    from diglot.plugin._api import generate

    generate(metafunc, marker)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if item.get_closest_marker(MARKER) is None:
        return
    from diglot.plugin._api import bind

    bind(item)


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    state.stack.close()  # stops the embedded server, when one was started
    if state.options.report_dir is None:
        return
    worker = getattr(session.config, "workerinput", None)
    if worker is None and not state.results and not (state.options.report_dir / PARTS).is_dir():
        return
    from diglot.plugin._api import write_session_reports

    write_session_reports(state, worker_id=None if worker is None else str(worker["workerid"]))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.report_error:
        terminalreporter.write_line(f"diglot: reports not written: {state.report_error}", red=True)
    elif state.written:
        paths = ", ".join(str(path) for path in state.written.values())
        terminalreporter.write_line(f"diglot: reports: {paths}")
    if state.results:
        inconclusive = sum(r.status == "inconclusive" for run in state.results for r in run.results)
        if inconclusive:
            terminalreporter.write_line(
                f"diglot: {inconclusive} check(s) inconclusive: they had nothing to judge "
                "(see the skipped items, or the reports)",
                yellow=True,
            )
        throttled = sum(run.throttled for run in state.results)
        if throttled:
            terminalreporter.write_line(
                f"diglot: the target throttled {throttled} item(s): what they could not check "
                "is inconclusive, and they are skipped, not passed",
                yellow=True,
            )
        incomplete = sum(bool(run.incomplete) and not run.throttled for run in state.results)
        if incomplete:
            terminalreporter.write_line(
                f"diglot: {incomplete} item(s) incomplete (a request budget or time spent, or "
                "interrupted): skipped unless they failed; see the skip reasons",
                yellow=True,
            )
        terminalreporter.write_line(
            f"diglot: seed {state.seed} (re-run the same cases with --diglot-seed {state.seed})"
        )


@pytest.fixture(scope="session")
def diglot_base_url(pytestconfig: pytest.Config) -> str:
    """The base URL (``…/restapi``) of the implementation under test.

    ``--diglot-base-url``, or the embedded reference server, started on first use.
    """
    from diglot.plugin._api import session_target

    return session_target(pytestconfig)[0]


@pytest.fixture(scope="session")
def diglot_account_id(pytestconfig: pytest.Config) -> str:
    """The account under test: ``--diglot-account-id`` or the reference server's account."""
    from diglot.plugin._api import session_target

    return session_target(pytestconfig)[1]


@pytest.fixture
def diglot_check(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``diglot.check(response, **kw)`` that fails the test with every finding as the message.

    ``strict`` defaults to ``--diglot-strict``; the checks that judged the response land in
    the test's ``user_properties`` (and so in ``--junitxml``).
    """
    from diglot.plugin._api import checker

    return checker(request)


def _options(config: pytest.Config) -> RunOptions:
    """The session's run options, each from the first place that sets it.

    Its ``--diglot-*`` flag, its ini key, diglot's configuration file (the one ``diglot run``
    reads), the table's default.
    """
    from diglot.engine._config import resolve
    from diglot.engine._options import OPTIONS, RunOptions

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for spec in OPTIONS:
        if not spec.plugin:
            continue
        given = config.getoption(spec.ini_key)
        source = "flag"
        if spec.flag:
            if given is None:
                given, source = config.getini(spec.ini_key), "ini"
            if isinstance(given, bool):
                values[spec.name] = not given if spec.default is True else given
                sources[spec.name] = source
            continue
        if given is None:
            given, source = config.getini(spec.ini_key) or None, "ini"
        if given is not None and str(given).strip():
            try:
                values[spec.name] = spec.parse(str(given).strip())
            except ValueError as exc:
                raise ValueError(f"{spec.plugin_flag}: {exc}") from None
            sources[spec.name] = source
    explicit = values.pop("config", None)
    try:
        options = resolve(
            values,
            given_source=sources,
            config=explicit,
            start=config.invocation_params.dir,
            token=RunOptions.token_from_environment(),
        )
    except ValueError as exc:  # the table's messages name diglot run's flags: name ours
        message = str(exc)
        for spec in OPTIONS:
            message = message.replace(spec.cli_flag + " ", spec.plugin_flag + " ")
            message = message.replace(spec.cli_flag + ":", spec.plugin_flag + ":")
        raise ValueError(message) from None
    if options.baseline_update:  # each item is its own run: the file would keep the last one
        from dataclasses import replace

        options = replace(options, baseline_update=False)
    if options.base_url is not None and not options.account_id:
        raise ValueError(
            "--diglot-account-id is required with --diglot-base-url: the account whose groups "
            "and users diglot tests"
        )
    if options.fault is not None or options.variant is not None:
        from diglot.server import get_fault, get_variant

        get_fault(options.fault)
        get_variant(options.variant)
    return options
