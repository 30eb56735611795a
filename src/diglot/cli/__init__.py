"""The ``diglot`` command: parses arguments, calls the core, renders, returns an exit code.

Each sub-command lives beside the code it fronts, in a small module with two functions:
``configure(parser)`` adds its arguments and ``execute(args) -> int`` runs it, importing
anything heavy only then.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast


class ExitCode(enum.IntEnum):
    """What ``diglot`` exits with."""

    OK = 0
    """Conformant (or the command did what it was asked)."""
    VIOLATIONS = 1
    """Violations found; with ``--strict``, warnings too."""
    USAGE = 2
    """A wrong option, argument, spec or report file."""
    UNREACHABLE = 3
    """The target cannot be reached or is unusable as a whole."""
    INTERNAL = 4
    """A bug in diglot: please report it."""
    THROTTLED = 5
    """The target throttled the run for longer than ``--max-wait``: diglot stopped sending;
    the reports hold what was checked, the rest inconclusive (throttled)."""
    INCOMPLETE = 6
    """The run checked much less than asked (an empty shard, a budget spent before half of
    the work); ``--allow-incomplete`` accepts it."""
    INTERRUPTED = 130
    """Ctrl-C (SIGINT); the reports hold what was checked, marked incomplete."""
    TERMINATED = 143
    """SIGTERM; the reports hold what was checked, marked incomplete."""


class _Command(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...
    def execute(self, args: argparse.Namespace) -> int: ...


COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("diglot.cli.run", "run the conformance suite against an implementation"),
    "check": (
        "diglot.cli.check",
        "check recorded responses (files, or every exchange of a HAR) against the contract",
    ),
    "replay": (
        "diglot.cli.replay",
        "send a recorded run's requests again and judge the answers with today's checks",
    ),
    "proxy": (
        "diglot.cli.proxy",
        "a reverse proxy that judges every exchange passing through it",
    ),
    "cleanup": (
        "diglot.cli.cleanup",
        "remove the groups and users runs left on a target (from a report, or by name prefix)",
    ),
    "serve": ("diglot.cli.serve", "run the embedded reference server"),
    "spec": ("diglot.cli.spec", "print the OpenAPI document or the XML Schema"),
    "checks": ("diglot.cli.checks", "list every check, or explain one"),
    "report": ("diglot.cli.report", "re-render or merge report.json files"),
    "selftest": (
        "diglot.cli.selftest",
        "run every reference-server fault and variant and print both scores",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    from diglot._version import __version__

    parser = argparse.ArgumentParser(
        prog="diglot",
        description="Contract testing and schema conformance for the DocuSign eSignature "
        "account-administration API, in JSON and in XML.",
        epilog="Exit codes: 0 conformant, 1 violations found, 2 usage error, "
        "3 target unreachable or unusable (wrong --account-id, token refused), "
        "4 internal error, 5 throttled by the target (stopped; the rest inconclusive), "
        "6 incomplete (checked much less than asked; --allow-incomplete accepts it), "
        "130 interrupted, 143 terminated (reports written, marked incomplete).",
    )
    parser.add_argument("--version", action="version", version=f"diglot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command = cast(_Command, importlib.import_module(module_name))
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command.configure(command_parser)
        command_parser.set_defaults(_module=module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``diglot`` console script."""
    from diglot._display import inert
    from diglot.errors import DiglotError, Halt, TargetUnreachable

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    command = cast(_Command, importlib.import_module(args._module))
    try:
        return command.execute(args)
    except TargetUnreachable as exc:
        print(f"diglot: target unusable: {inert(str(exc), newlines=True)}", file=sys.stderr)
        return ExitCode.UNREACHABLE
    except DiglotError as exc:
        print(f"diglot: error: {inert(str(exc), newlines=True)}", file=sys.stderr)
        return ExitCode.USAGE
    except BrokenPipeError:  # the reader went away (`diglot checks | head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:
        print("diglot: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except (Exception, Halt) as exc:  # Halt: a stop that escaped the run (a BaseException)
        if os.environ.get("DIGLOT_DEBUG"):
            raise
        print(
            f"diglot: internal error: {type(exc).__name__}: {inert(str(exc), newlines=True)}\n"
            "This is a bug in diglot. Re-run with DIGLOT_DEBUG=1 for a traceback and report it.",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL
