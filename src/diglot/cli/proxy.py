"""``diglot proxy``: a reverse proxy that judges every exchange passing through it."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from diglot.cli import ExitCode
from diglot.errors import UsageError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="where the traffic goes: a staging server or diglot serve "
        "(e.g. http://127.0.0.1:8080/restapi)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8081, help="port to listen on (8081; 0 picks a free one)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on a non-loopback address (anyone who reaches it uses your upstream)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where the reports go on shutdown and on GET /__diglot__/report (default: reports)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=8 * 1024 * 1024,
        metavar="BYTES",
        help="response bytes buffered for judging; a larger one passes unjudged (8 MiB)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail too")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def execute(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from diglot.cli._console import Console
    from diglot.cli._proxy_app import CONTROL_PATH, ProxyJudge, create_proxy_app, serving

    if not _loopback(args.host) and not args.allow_remote:
        raise UsageError(
            f"--host {args.host} is not a loopback address: anyone who reaches it would use "
            "your upstream (and your token). Add --allow-remote if that is what you want."
        )
    upstream = urlsplit(args.upstream)
    if upstream.scheme not in ("http", "https") or not upstream.hostname:
        raise UsageError(f"--upstream {args.upstream!r} is not an http(s) URL")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port: use 0 to 65535")
    judge = ProxyJudge(f"proxy to {args.upstream}", args.report_dir, strict=args.strict)
    judge.start()
    app = create_proxy_app(args.upstream, judge, max_body=args.max_body)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    console = Console()
    try:
        with serving(app, host=args.host, port=args.port) as base:
            path = upstream.path.rstrip("/")
            console.line(f"diglot proxy at {base}{path} -> {args.upstream}")
            console.line(
                f"reports: {args.report_dir} on Ctrl-C / SIGTERM, or GET {base}{CONTROL_PATH}"
            )
            sys.stdout.flush()
            try:
                while not stop.wait(0.2):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        judge.drain()
        result = judge.result()
        judge.stop()
    written = {}
    if args.report_dir is not None:
        from diglot.reports import write_reports

        written = write_reports(result, args.report_dir, redactor=console.redactor)
    console.summary(result, written, strict=args.strict)
    sys.stdout.flush()
    return ExitCode.VIOLATIONS if result.failed(strict=args.strict) else ExitCode.OK
