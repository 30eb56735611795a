"""``diglot run``: the conformance suite against an implementation (the embedded one by default)."""

from __future__ import annotations

import argparse
import inspect
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from diglot.cli import ExitCode
from diglot.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Generator

    from diglot.engine import RunOptions
    from diglot.engine._options import Option


def configure(parser: argparse.ArgumentParser) -> None:
    """Add one flag per option of the table (``diglot.engine.OPTIONS``), by group."""
    from diglot.engine import OPTIONS

    groups: dict[str, argparse._ArgumentGroup] = {}
    for spec in OPTIONS:
        if not spec.cli:
            continue
        group = groups.get(spec.group) or parser.add_argument_group(spec.group)
        groups[spec.group] = group
        add_option(group, spec)
        if spec.name == "report_dir":
            group.add_argument(
                "--no-reports",
                dest="report_dir",
                action=_GivenConst,
                nargs=0,
                const=None,
                help="write no report files",
            )


def add_option(group: argparse._ActionsContainer, spec: Option) -> None:
    """The ``diglot run`` flag of one option of the table (``diglot cleanup`` shares some).

    The value is stored under the option's name and remembered as given, so that
    ``options_from`` puts it over the configuration file.
    """
    if spec.flag:
        group.add_argument(
            spec.cli_flag,
            dest=spec.name,
            action=_GivenConst,
            nargs=0,
            const=not spec.default,
            default=spec.default,
            help=spec.help,
        )
        return
    default = spec.cli_default
    shown = f" (default: {_shown(default)})" if default not in (None, ()) else ""
    group.add_argument(
        *(["-H"] if spec.name == "header" else []),
        spec.cli_flag,
        dest=spec.name,
        type=_argument_type(spec.parse),
        action=_GivenMore if spec.name == "header" else _Given,
        default=default,
        metavar=spec.metavar,
        help=spec.help + shown,
    )


class _Given(argparse.Action):
    """Store the value and remember that it was given (flags override the config file)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        given = getattr(namespace, "given_flags", None) or set()
        namespace.given_flags = given | {self.dest}


class _GivenConst(_Given):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        super().__call__(parser, namespace, self.const, option_string)


class _GivenMore(_Given):
    """A repeatable flag (``-H``): each one adds to the values the flags gave so far."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given = getattr(namespace, "given_flags", None) or set()
        before = getattr(namespace, self.dest) if self.dest in given else ()
        super().__call__(parser, namespace, (*before, *values), option_string)


def _shown(value: object) -> str:
    return ",".join(value) if isinstance(value, tuple) else str(value)


def _argument_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """The option's parser, with its UsageError turned into argparse's usage message."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except UsageError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = getattr(parse, "__name__", "value").strip("_")
    return convert


def options_from(args: argparse.Namespace) -> RunOptions:
    """The run's options: the flags given, over the config file, over the defaults.

    The defaults are ``diglot run``'s own where they differ from the table's; the token
    comes from the environment.
    """
    from diglot.engine import OPTIONS, RunOptions
    from diglot.engine._config import resolve

    given = getattr(args, "given_flags", None) or set()
    values = {spec.name: getattr(args, spec.name) for spec in OPTIONS if spec.name in given}
    defaults = {
        spec.name: spec.cli_default
        for spec in OPTIONS
        if spec.cli and spec.name not in given and spec.cli_default != spec.default
    }
    return resolve(
        values,
        defaults=defaults,
        config=getattr(args, "config", None),
        token=RunOptions.token_from_environment(),
    )


def execute(args: argparse.Namespace) -> int:
    from diglot.cli._console import Console
    from diglot.engine import Finished, Progress, iter_run

    config = options_from(args)
    if config.fault is not None:
        from diglot.server import get_fault

        get_fault(config.fault)  # UsageError with close matches when unknown
    if config.variant is not None:
        from diglot.server import get_variant

        get_variant(config.variant)
    if config.report_dir is not None:
        _check_writable(config.report_dir)  # before the first request, not after the run
    console = Console(secrets=config.secrets())
    console.start(config)
    result = None
    signals: list[str] = []
    previous = _on_sigterm(signals)
    events = cast(
        "Generator[Progress | Finished, None, None]",
        iter_run(config, on_request=console.request),
    )
    try:
        try:
            for event in events:
                if isinstance(event, Progress):
                    console.progress(event)
                elif isinstance(event, Finished):
                    result = event.result
        except KeyboardInterrupt:
            if result is not None or inspect.getgeneratorstate(events) != "GEN_SUSPENDED":
                raise
            # the run was between two events: it finishes with what it checked
            event = events.throw(KeyboardInterrupt())
            result = event.result if isinstance(event, Finished) else None
            if result is None:
                raise
    finally:
        console.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    assert result is not None
    written = {}
    if config.report_dir is not None:
        from diglot.reports import write_reports

        written = write_reports(result, config.report_dir, redactor=console.redactor)
    console.summary(result, written, strict=config.strict)
    sys.stdout.flush()
    if result.interrupted:
        return ExitCode.TERMINATED if signals else ExitCode.INTERRUPTED
    if result.failed(strict=config.strict) and not config.baseline_update:
        return ExitCode.VIOLATIONS
    if result.throttled:
        return ExitCode.THROTTLED
    if result.short and not config.allow_incomplete:
        return ExitCode.INCOMPLETE
    return ExitCode.OK


def _check_writable(directory: Path) -> None:
    """Make sure the reports can be written, before a single request is sent."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise UsageError(
            f"--report-dir {directory}: cannot write there ({error.strerror or error}); "
            "choose another folder with --report-dir, or --no-reports"
        ) from None


def _on_sigterm(signals: list[str]) -> Any:
    """SIGTERM (a CI job cancelled) ends the run like Ctrl-C: the reports are still written."""
    from diglot.engine._session import request_stop

    def terminate(signum: int, frame: object) -> None:
        signals.append("SIGTERM")
        request_stop()  # in case the interrupt below is swallowed (a gc callback)
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (diglot.cli.main called from a thread)
        return None
