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

import contextlib
import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from diglot.engine._results import RunResult

MARKER = "diglot"
CONTENT_TYPES = ("json", "xml")
PARTS = ".parts"
"""Under the report folder: one partial ``report.json`` per pytest-xdist worker."""
DEFAULT_MAX_EXAMPLES = 25

_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("base_url", "URL", "the API's …/restapi base; without it the embedded server is used"),
    ("account_id", "ID", "the account to test (required with --diglot-base-url)"),
    ("report_dir", "DIR", "write diglot's reports (JSON, JUnit, HTML, Markdown) here"),
    ("max_examples", "N", f"generated cases per operation × content type ({DEFAULT_MAX_EXAMPLES})"),
    ("seed", "N", "hypothesis seed (default: random, shown on failure)"),
    ("content_types", "LIST", "json, xml or json,xml (default json,xml)"),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The plugin's options, checked once at configure time."""

    base_url: str | None = None
    account_id: str | None = None
    report_dir: Path | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    strict: bool = False
    content_types: tuple[str, ...] = CONTENT_TYPES
    fault: str | None = None
    token: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class State:
    """Per session (per xdist worker): the target, once started, and every item's result."""

    settings: Settings
    seed: int
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    target: tuple[str, str] | None = None
    embedded: bool = False
    results: list[RunResult] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    report_error: str = ""


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("diglot", "diglot contract conformance")
    for name, metavar, help_text in _OPTIONS:
        flag = "--diglot-" + name.replace("_", "-")
        group.addoption(flag, dest=f"diglot_{name}", metavar=metavar, default=None, help=help_text)
        parser.addini(f"diglot_{name}", help_text, type="string", default="")
    group.addoption(
        "--diglot-strict",
        dest="diglot_strict",
        action="store_true",
        default=None,
        help="warnings (points the documentation leaves open) fail the items too",
    )
    parser.addini("diglot_strict", "warnings fail the items too", type="bool", default=False)
    group.addoption(
        "--diglot-fault",
        dest="diglot_fault",
        metavar="NAME",
        default=None,
        help="switch on a fault of the embedded reference server (for self-tests)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(operations=None, content_types=None): set by diglot.parametrize; one item "
        "per operation × content type of diglot's conformance suite",
    )
    try:
        settings = _settings(config)
    except ValueError as exc:
        raise pytest.UsageError(f"diglot: {exc}") from None
    worker = getattr(config, "workerinput", None)
    seed = settings.seed
    if seed is None and worker is not None:
        seed = worker.get("diglot_seed")
    if seed is None:
        seed = random.randrange(2**32)
    config.stash[STATE] = State(settings, seed)
    if settings.report_dir is not None and worker is None:
        # the controller (or a plain session) starts from no stale worker parts
        shutil.rmtree(settings.report_dir / PARTS, ignore_errors=True)


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
    if state.settings.report_dir is None:
        return
    worker = getattr(session.config, "workerinput", None)
    if worker is None and not state.results and not (state.settings.report_dir / PARTS).is_dir():
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


def _settings(config: pytest.Config) -> Settings:
    def value(name: str) -> str | None:
        given = config.getoption(f"diglot_{name}")
        if given is None:
            given = config.getini(f"diglot_{name}") or None
        return None if given is None else str(given).strip()

    base_url = value("base_url")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ValueError(
            f"--diglot-base-url {base_url!r} is not an http(s) URL; give the API's …/restapi "
            "base, e.g. https://demo.docusign.net/restapi"
        )
    account_id = value("account_id")
    if base_url is not None and not account_id:
        raise ValueError(
            "--diglot-account-id is required with --diglot-base-url: the account whose groups "
            "and users diglot tests"
        )
    content_types: tuple[str, ...] = CONTENT_TYPES
    listed = value("content_types")
    if listed is not None:
        content_types = tuple(dict.fromkeys(p.strip() for p in listed.split(",") if p.strip()))
        unknown = [c for c in content_types if c not in CONTENT_TYPES]
        if unknown or not content_types:
            raise ValueError(
                f"--diglot-content-types {listed!r}: {', '.join(unknown) or 'nothing'} is not "
                "a content type diglot tests; use json, xml or json,xml"
            )
    fault = config.getoption("diglot_fault")
    if fault is not None and base_url is not None:
        raise ValueError("--diglot-fault applies to the embedded reference server only")
    if fault is not None:
        from diglot.server import FAULTS

        if fault not in FAULTS:
            raise ValueError(
                f"--diglot-fault {fault!r} is not a fault of the reference server; choose from "
                f"{', '.join(sorted(FAULTS))}"
            )
    report_dir = value("report_dir")
    strict = config.getoption("diglot_strict")
    return Settings(
        base_url=base_url,
        account_id=account_id,
        report_dir=Path(report_dir) if report_dir else None,
        max_examples=_whole(value("max_examples"), "--diglot-max-examples", DEFAULT_MAX_EXAMPLES),
        seed=_whole(value("seed"), "--diglot-seed", None, minimum=0),
        strict=bool(config.getini("diglot_strict")) if strict is None else bool(strict),
        content_types=content_types,
        fault=fault,
        token=os.environ.get("DIGLOT_TOKEN") or None,
    )


def _whole(text: str | None, flag: str, default: int | None, *, minimum: int = 1) -> Any:
    if text is None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ValueError(f"{flag} takes a whole number of at least {minimum}, got {text!r}")
    return number
