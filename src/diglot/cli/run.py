"""``diglot run``: the conformance suite against an implementation (the embedded one by default)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diglot.cli import ExitCode


def configure(parser: argparse.ArgumentParser) -> None:
    target = parser.add_argument_group("target")
    target.add_argument(
        "--base-url",
        help="the implementation's …/restapi base URL; default: start the embedded reference "
        "server on a free loopback port. The bearer token comes from DIGLOT_TOKEN.",
    )
    target.add_argument("--account-id", help="account to test (required with --base-url)")
    scope = parser.add_argument_group("scope")
    scope.add_argument(
        "--operations",
        type=_csv,
        default=(),
        help="comma-separated operation ids (listGroups,createGroups,createUsers,"
        "listSigningGroups); default: all",
    )
    scope.add_argument(
        "--content-types",
        type=_csv,
        default=("json", "xml"),
        help="json, xml or json,xml (default)",
    )
    scope.add_argument("--read-only", action="store_true", help="send only GET requests")
    scope.add_argument(
        "--no-stateful",
        action="store_true",
        help="skip pagination walks and create-then-find sequences",
    )
    scope.add_argument("--shard", type=_shard, help="i/n: run the i-th of n shards (0-based)")
    generation = parser.add_argument_group("generation")
    generation.add_argument(
        "--max-examples", type=int, default=25, help="cases per operation and content type (25)"
    )
    generation.add_argument("--seed", type=int, help="hypothesis seed, to reproduce a run")
    generation.add_argument("--no-shrink", action="store_true", help="do not shrink failures")
    generation.add_argument(
        "--name-prefix", default="diglot-", help="prefix of every name diglot creates (diglot-)"
    )
    manners = parser.add_argument_group("staging manners")
    manners.add_argument("--rate-limit", type=float, help="at most this many requests per second")
    manners.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per request, connect to last byte (10)"
    )
    limits = parser.add_argument_group("limits on what the target may send")
    limits.add_argument(
        "--max-body",
        type=int,
        default=8 * 2**20,
        metavar="BYTES",
        help="body bytes kept per response, after decompression; longer bodies are cut "
        "and reported (8388608 = 8 MiB)",
    )
    limits.add_argument(
        "--max-header-bytes",
        type=int,
        default=64 * 1024,
        metavar="BYTES",
        help="total size of one response's headers (65536)",
    )
    limits.add_argument(
        "--max-headers", type=int, default=256, help="header lines in one response (256)"
    )
    manners.add_argument("--max-requests", type=int, help="stop sending after this many requests")
    output = parser.add_argument_group("verdict and output")
    output.add_argument("--strict", action="store_true", help="warnings fail the run too")
    output.add_argument(
        "--report-dir", type=Path, default=Path("reports"), help="where reports go (reports/)"
    )
    output.add_argument("--no-reports", action="store_true", help="write no report files")
    output.add_argument(
        "--fault",
        help="embedded server only: switch on one of its faults (see `diglot serve --list-faults`)",
    )
    output.add_argument(
        "--variant",
        help="embedded server only: answer in one faithful-but-different way "
        "(see `diglot serve --list-variants`)",
    )


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not i/n, e.g. 0/2") from None
    return index, count


def execute(args: argparse.Namespace) -> int:
    from diglot.cli._console import Console
    from diglot.engine._options import RunConfig
    from diglot.engine._run import Finished, Progress, iter_run

    if args.fault is not None:
        from diglot.server import get_fault

        get_fault(args.fault)  # UsageError with close matches when unknown
    if args.variant is not None:
        from diglot.server import get_variant

        get_variant(args.variant)
    config = RunConfig(
        base_url=args.base_url,
        account_id=args.account_id,
        operations=args.operations,
        content_types=args.content_types,
        max_examples=args.max_examples,
        seed=args.seed,
        strict=args.strict,
        read_only=args.read_only,
        rate_limit=args.rate_limit,
        timeout=args.timeout,
        max_body=args.max_body,
        max_header_bytes=args.max_header_bytes,
        max_headers=args.max_headers,
        max_requests=args.max_requests,
        shrink=not args.no_shrink,
        stateful=not args.no_stateful,
        name_prefix=args.name_prefix,
        token=RunConfig.token_from_environment(),
        report_dir=None if args.no_reports else args.report_dir,
        fault=args.fault,
        variant=args.variant,
        shard=args.shard,
    )
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
