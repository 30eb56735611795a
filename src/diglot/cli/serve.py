"""``diglot serve``: run the reference server until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from diglot.errors import UsageError
from diglot.server._seed import DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8080, help="port to listen on (8080; 0 picks a free one)"
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=None,
        help="SQLite file that keeps the data across restarts (default: in memory)",
    )
    parser.add_argument(
        "--account-id",
        default=DEFAULT_ACCOUNT_ID,
        metavar="ID",
        help=f"the account's GUID (default {DEFAULT_ACCOUNT_ID}; the external account "
        f"number {DEFAULT_ACCOUNT_NUMBER} is accepted too)",
    )
    parser.add_argument(
        "--fault",
        metavar="NAME",
        default=None,
        help="switch on one deliberate contract violation (see --list-faults)",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="print the faults, one a line, and exit"
    )
    parser.add_argument(
        "--variant",
        metavar="NAME",
        default=None,
        help="answer faithfully but differently: one open point read another way "
        "(see --list-variants); combines with --fault",
    )
    parser.add_argument(
        "--list-variants",
        action="store_true",
        help="print the variants (name, what differs, the open point) and exit",
    )
    parser.add_argument(
        "--require-auth",
        metavar="PUBLIC_KEY_PEM",
        type=Path,
        default=None,
        help="the OAuth side: POST /oauth/token grants tokens by DocuSign's JWT grant for "
        "assertions signed with the pair of this RSA public key; the API answers 401 without "
        "a live token",
    )
    parser.add_argument(
        "--integration-key",
        metavar="KEY",
        default=None,
        help="with --require-auth: the only integration key (iss) accepted (default: any)",
    )
    parser.add_argument(
        "--token-lifetime",
        metavar="S",
        type=int,
        default=3600,
        help="with --require-auth: seconds an access token lives (3600; short for tests)",
    )


def execute(args: argparse.Namespace) -> int:
    """Run ``diglot serve``; returns the exit code."""
    from diglot.server._app import create_app
    from diglot.server._faults import FAULTS, get_fault
    from diglot.server._runner import serve_app
    from diglot.server._variants import VARIANTS, get_variant

    if args.list_variants:
        width = max(len(name) for name in VARIANTS)
        try:
            for variant in VARIANTS.values():
                print(f"{variant.name:<{width}}  {variant.description}")
                print(f"{'':<{width}}  open point: {variant.reading}")
        except BrokenPipeError:  # piped into head: not an error
            sys.stderr.close()
        return 0
    if args.list_faults:
        width = max(len(name) for name in FAULTS)
        try:
            for fault in FAULTS.values():
                note = " (warning)" if fault.warning_only else ""
                print(f"{fault.name:<{width}}  {fault.family.value:<11}  {fault.description}{note}")
        except BrokenPipeError:  # piped into head: not an error
            sys.stderr.close()
        return 0
    get_fault(args.fault)
    get_variant(args.variant)
    require_auth = None
    if args.require_auth is not None:
        from diglot.server._oauth import OAuthSettings

        try:
            public_key = args.require_auth.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"--require-auth {args.require_auth}: cannot be read ({exc})"
            ) from None
        if "PUBLIC KEY" not in public_key or args.token_lifetime < 1:
            raise UsageError(
                "--require-auth needs an RSA public key in PEM (-----BEGIN PUBLIC KEY-----) and "
                "--token-lifetime at least 1"
            )
        require_auth = OAuthSettings(public_key, args.integration_key, args.token_lifetime)
    app = create_app(
        account_id=args.account_id,
        db_path=args.db,
        fault=args.fault,
        variant=args.variant,
        require_auth=require_auth,
    )
    try:
        with serve_app(app, host=args.host, port=args.port) as base_url:
            extras = [f"fault {args.fault}"] if args.fault else []
            extras += [f"variant {args.variant}"] if args.variant else []
            extras += ["OAuth (JWT grant at /oauth/token)"] if require_auth else []
            with_extras = f" with {' and '.join(extras)}" if extras else ""
            print(f"diglot reference server{with_extras} at {base_url}", flush=True)
            print(f"account {args.account_id} (also {DEFAULT_ACCOUNT_NUMBER}); Ctrl-C stops it")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopped", file=sys.stderr)
    finally:
        app.state.store.close()
    return 0


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{port} is not a port: use 0 to 65535 (0 picks a free one)"
        )
    return port
