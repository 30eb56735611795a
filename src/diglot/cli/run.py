"""``diglot run``: the conformance suite against an implementation (the embedded one by default)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from diglot.cli import ExitCode
from diglot.errors import UsageError

if TYPE_CHECKING:
    from diglot.engine import RunOptions


def configure(parser: argparse.ArgumentParser) -> None:
    """Add one flag per option of the table (``diglot.engine.OPTIONS``), by group."""
    from diglot.engine import OPTIONS

    groups: dict[str, argparse._ArgumentGroup] = {}
    for spec in OPTIONS:
        if not spec.cli:
            continue
        group = groups.get(spec.group) or parser.add_argument_group(spec.group)
        groups[spec.group] = group
        if spec.flag:
            group.add_argument(
                spec.cli_flag,
                dest=spec.name,
                action="store_false" if spec.default else "store_true",
                help=spec.help,
            )
            continue
        default = spec.cli_default
        shown = f" (default: {_shown(default)})" if default not in (None, ()) else ""
        group.add_argument(
            spec.cli_flag,
            dest=spec.name,
            type=_argument_type(spec.parse),
            default=default,
            metavar=spec.metavar,
            help=spec.help + shown,
        )
        if spec.name == "report_dir":
            group.add_argument(
                "--no-reports",
                dest="report_dir",
                action="store_const",
                const=None,
                help="write no report files",
            )


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
    """The run's options from parsed flags, and the token from the environment."""
    from diglot.engine import OPTIONS, RunOptions

    values = {spec.name: getattr(args, spec.name) for spec in OPTIONS if spec.cli}
    return RunOptions(**values, token=RunOptions.token_from_environment())


def execute(args: argparse.Namespace) -> int:
    from diglot.cli._console import Console
    from diglot.engine import Finished, Progress, iter_run

    if args.fault is not None:
        from diglot.server import get_fault

        get_fault(args.fault)  # UsageError with close matches when unknown
    if args.variant is not None:
        from diglot.server import get_variant

        get_variant(args.variant)
    config = options_from(args)
    console = Console(secrets=[config.token])
    console.start(config)
    result = None
    try:
        for event in iter_run(config):
            if isinstance(event, Progress):
                console.progress(event)
            elif isinstance(event, Finished):
                result = event.result
    finally:
        console.stop()
    assert result is not None
    written = {}
    if config.report_dir is not None:
        from diglot.reports import write_reports

        written = write_reports(result, config.report_dir, redactor=console.redactor)
    console.summary(result, written, strict=config.strict)
    sys.stdout.flush()
    return ExitCode.VIOLATIONS if result.failed(strict=config.strict) else ExitCode.OK
