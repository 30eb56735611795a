"""``diglot replay``: send recorded requests again and judge the answers with today's checks."""

from __future__ import annotations

import argparse
from pathlib import Path

from diglot.cli import ExitCode


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        type=Path,
        metavar="REPORT_DIR_OR_HAR",
        help="a report folder (its traffic.har, else failures.har) or a HAR file",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the …/restapi base to send to (default: a fresh embedded reference server)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the replay's reports go (default: none written)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds per request (10)"
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too")


def execute(args: argparse.Namespace) -> int:
    from diglot._display import inert
    from diglot.cli._console import Console
    from diglot.engine import RunOptions
    from diglot.engine._record import har_file, read_har
    from diglot.engine._traffic import replay
    from diglot.model import Severity

    path = har_file(args.source)
    entries = read_har(path)
    token = RunOptions.token_from_environment()
    console = Console(secrets=[token])
    console.line(f"diglot: replaying {len(entries)} recorded request(s) from {path}")
    outcome = replay(
        entries, source=str(path), base_url=args.base_url, token=token, timeout=args.timeout
    )
    counted = [
        ("fixed since", outcome.fixed, "green"),
        ("still there", outcome.still, "bold red"),
        ("new", outcome.new, "bold red"),
    ]
    for label, findings, style in counted:
        console.line(f"{label}: {len(findings)} finding(s)", style if findings else "")
        for finding in findings:
            if label == "fixed since":
                console.line(
                    f"  FIXED {inert(finding.check, limit=100)} on "
                    f"{inert(finding.operation, limit=100)} ({finding.content_type}): "
                    f"{inert(finding.message, limit=300)}",
                    "green",
                )
            else:
                console.line(finding.describe())
    if outcome.not_sent:
        console.line(
            f"{outcome.not_sent} recorded request(s) match no documented operation: not sent"
        )
    written = {}
    if args.report_dir is not None:
        from diglot.reports import write_reports

        written = write_reports(outcome.after, args.report_dir, redactor=console.redactor)
    console.summary(outcome.after, written, strict=args.strict)
    bad = [
        f for f in outcome.still + outcome.new if args.strict or f.severity is Severity.VIOLATION
    ]
    return ExitCode.VIOLATIONS if bad or outcome.after.failed(strict=args.strict) else ExitCode.OK
