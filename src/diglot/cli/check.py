"""``diglot check``: judge recorded responses (files) against the contract."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from diglot.cli import ExitCode
from diglot.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help="response bodies (.json or .xml)")
    parser.add_argument(
        "--operation",
        help="the operation that answered: listGroups, createGroups, createUsers, "
        "listSigningGroups (required with FILEs)",
    )
    parser.add_argument(
        "--har",
        type=Path,
        metavar="FILE",
        help="judge every exchange of a HAR 1.2 file (browser, mitmproxy, schemathesis "
        "--report har, diglot run --record) instead of FILEs, and write the run's reports",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="with --har: where the reports go (default: reports)",
    )
    parser.add_argument(
        "--status",
        type=int,
        default=None,
        help="the status it came with (default: the success status)",
    )
    parser.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="the request's query parameters",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too")


def execute(args: argparse.Namespace) -> int:
    if args.har is not None:
        if args.files or args.operation or args.query or args.status:
            raise UsageError(
                "--har judges a HAR file alone: give no FILEs, --operation, --query or --status with it"
            )
        return _har(args)
    if not args.files or not args.operation:
        raise UsageError("give response FILEs with --operation, or --har FILE")
    from diglot.cli._console import Console
    from diglot.contracts._response import check
    from diglot.model import Case, Exchange, Expect, Request, Response
    from diglot.specs import load_spec

    spec = load_spec()
    operation = spec.operation(args.operation)
    status = args.status or operation.success_status
    query = {}
    for item in args.query:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--query {item!r} is not NAME=VALUE")
        query[name] = value
    console = Console()
    failed = False
    for path in args.files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        kind = "xml" if path.suffix.lower() == ".xml" or body.lstrip()[:1] == b"<" else "json"
        media = "application/xml" if kind == "xml" else "application/json"
        case = Case(
            operation.operation_id,
            kind,
            {"accountId": "recorded"},
            query,
            expect=Expect.SUCCESS if status < 400 else Expect.CLIENT_ERROR,
        )
        exchange = Exchange(
            case,
            Request(operation.method, f"file://{path}"),
            Response(status, {"content-type": media}, body),
        )
        findings = check(exchange, strict=args.strict, raise_on_failure=False)
        bad = [f for f in findings if args.strict or f.severity == "violation"]
        failed = failed or bool(bad)
        console.line(
            f"{path}: {'FAILED' if bad else 'ok'} ({len(findings)} finding(s))",
            "bold red" if bad else "green",
        )
        for finding in findings:
            # a file was read, nothing was requested: no "Request: GET file://…" line
            console.line(dataclasses.replace(finding, request=None).describe())
    return ExitCode.VIOLATIONS if failed else ExitCode.OK


def _har(args: argparse.Namespace) -> int:
    from diglot.cli._console import Console
    from diglot.engine._record import read_har
    from diglot.engine._traffic import judge_traffic
    from diglot.reports import write_reports
    from diglot.transport import Redactor

    entries = read_har(args.har)
    result = judge_traffic(entries, source=f"HAR {args.har.name}", strict=args.strict)
    console = Console()
    written = write_reports(result, args.report_dir, redactor=Redactor())
    console.summary(result, written, strict=args.strict)
    return ExitCode.VIOLATIONS if result.failed(strict=args.strict) else ExitCode.OK
