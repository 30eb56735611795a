"""``diglot cleanup``: remove what runs left on a target (a crashed run, ``--no-cleanup``).

From a report (``diglot cleanup reports/report.json``): every group and user its runs created
and did not remove, deleted (groups) or closed (users) with ``deleteGroups`` /
``deleteUsers``; the report is updated with what went. By name (``diglot cleanup --name-prefix
diglot- --older-than 1d --base-url … --account-id …``): the groups whose names diglot made
with that prefix (found with list groups' ``search_text``; the run id in each name says when
its run started). Users cannot be found by name with diglot's operations (the specs document
no operation that lists users): a report names them.

The connection is ``diglot run``'s: the same options of the table (the JWT grant, ``--proxy``,
``--ca-bundle``, ``-H``, ``--timeout``, the staging manners, ``--config``), the same token
sources (``DIGLOT_TOKEN``, ``DIGLOT_TOKEN_COMMAND``, the JWT grant) and the same transport.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diglot.cli import ExitCode
from diglot.errors import UsageError

if TYPE_CHECKING:
    from diglot.engine import RunOptions
    from diglot.engine._cleanup import Send
    from diglot.engine._results import Resources
    from diglot.specs import Spec
    from diglot.transport._redact import Redactor

_AGE = re.compile(r"([0-9]+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_PAGES = 50
"""Pages of list groups read when searching by name (100 groups each)."""
CONNECTION = (
    "jwt_integration_key",
    "jwt_user_id",
    "jwt_private_key",
    "oauth_base",
    "proxy",
    "ca_bundle",
    "header",
    "timeout",
    "rate_limit",
    "max_wait",
    "rate_limit_margin",
    "max_body",
    "config",
)
"""The options of ``diglot run``'s table that ``diglot cleanup`` takes: how to reach and
authenticate to the target, and how gently (the flags, help and parsing are the table's)."""
BY_NAME = (
    "--name-prefix finds groups only (list groups' search_text); users cannot be found by name "
    "(the specs document no operation that lists users), so users are found only from a report: "
    "`diglot cleanup REPORT.json` closes those its run created"
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "report",
        nargs="?",
        type=Path,
        help="a report.json whose runs' leftovers to remove (it is updated with what went)",
    )
    parser.add_argument(
        "--name-prefix",
        metavar="P",
        help="instead of a report: remove the groups diglot created with this name prefix "
        "(groups only: users are found only from a report)",
    )
    parser.add_argument(
        "--older-than",
        metavar="AGE",
        type=_age,
        help="with --name-prefix: only those of runs started longer ago than AGE (30m, 12h, 1d, "
        "2w)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the target (default: the report's, else the configuration file's); the token "
        "comes from DIGLOT_TOKEN, DIGLOT_TOKEN_COMMAND or the JWT grant, as for diglot run",
    )
    parser.add_argument(
        "--account-id",
        metavar="ID",
        help="the account (default: the report's, else the configuration file's)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be removed, remove nothing"
    )
    from diglot.cli.run import add_option
    from diglot.engine import OPTIONS

    group = parser.add_argument_group("connection (as for diglot run)")
    for spec in OPTIONS:
        if spec.name in CONNECTION:
            add_option(group, spec)


def _age(text: str) -> timedelta:
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age like 30m, 12h, 1d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def execute(args: argparse.Namespace) -> int:
    if (args.report is None) == (args.name_prefix is None):
        raise UsageError(
            "give a REPORT.json, or --name-prefix P (with --base-url and --account-id)"
        )
    if args.older_than is not None and args.name_prefix is None:
        raise UsageError("--older-than goes with --name-prefix")
    if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {args.base_url!r} is not an http(s) URL")
    if args.report is not None:
        return _from_report(args)
    return _by_prefix(args)


def connection(args: argparse.Namespace) -> RunOptions:
    """The connection options: the flags given, over the configuration file, over the defaults.

    Built by ``diglot run``'s own ``options_from`` (the token from the environment), so the
    JWT grant, the proxy, the CA bundle and the extra headers mean what they mean for a run.
    """
    from diglot.cli.run import options_from

    return options_from(args)


def _from_report(args: argparse.Namespace) -> int:
    entries, document, source = _read(args.report)
    left = sum(len(entry.left) for entry in entries)
    if not left:
        print(f"diglot cleanup: {source} lists nothing left on the target")
        return ExitCode.OK
    base_url = args.base_url or str(document.get("target", ""))
    if not base_url.startswith(("http://", "https://")):
        print(
            f"diglot cleanup: {source} is a run against the embedded reference server, whose "
            "data went with it: nothing to remove"
        )
        return ExitCode.OK
    account_id = args.account_id or str(document.get("account_id", ""))
    if args.dry_run:
        for entry in entries:
            _show_left(entry, "would remove")
        return ExitCode.OK
    from diglot.engine._cleanup import remove, sender
    from diglot.specs import load_spec

    options = connection(args)
    spec = load_spec()
    with sender(spec, base_url, options) as send:
        for entry in entries:
            if entry.left:
                entry.notes.clear()
                remove(entry, spec, account_id, send)
    redactor = _redactor(options)
    document["resources"] = [_entry_json(entry, redactor) for entry in entries]
    if isinstance(args.report, Path):
        args.report.write_text(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return _outcome(entries, redactor)


def _redactor(options: RunOptions) -> Redactor:
    """Keeps the token and credential header values (``-H X-Api-Key: …``) out of the output."""
    from diglot.transport._redact import Redactor

    return Redactor(options.secrets())


def _read(path: Path) -> tuple[list[Resources], dict[str, Any], str]:
    """The report's resources (validated against their part of the report schema)."""
    import jsonschema_rs

    from diglot._display import inert
    from diglot.reports._document import _read_resources, load, report_schema

    document, source = load(path)
    if "resources" not in document:
        raise UsageError(
            f"{source} records no resources (a report from before diglot recorded them): "
            "use --name-prefix to find the groups by name"
        )
    schema: dict[str, Any] = dict(report_schema())
    part = {"$defs": schema.get("$defs", {}), **schema["properties"]["resources"]}
    errors = list(jsonschema_rs.validator_for(part).iter_errors(document["resources"]))
    if errors:
        where = "/".join(str(p) for p in errors[0].instance_path)
        raise UsageError(
            f"{source}: its resources are not as diglot writes them (at resources/{where}): "
            f"{inert(errors[0].message, limit=200)}"
        )
    for key in ("target", "account_id"):
        if not isinstance(document.get(key), str):
            raise UsageError(f"{source} has no {key}: pass a report.json written by diglot run")
    items: list[dict[str, Any]] = document["resources"]  # type: ignore[assignment]
    entries = [_read_resources(item) for item in items]
    return entries, document, source


def _entry_json(entry: Resources, redactor: Redactor) -> dict[str, Any]:
    from diglot.reports._document import _resources
    from diglot.reports._scrub import Scrubber

    result: dict[str, Any] = _resources(entry, Scrubber(redactor))  # type: ignore[assignment]
    return result


def _by_prefix(args: argparse.Namespace) -> int:
    if not args.name_prefix.strip():
        raise UsageError("--name-prefix must not be empty: it is what diglot's names start with")
    options = connection(args)
    args.base_url = args.base_url or options.base_url
    args.account_id = args.account_id or options.account_id
    if args.base_url is None or args.account_id is None:
        raise UsageError(
            "--name-prefix needs --base-url and --account-id (or base-url and account-id in the "
            "configuration file): the account to search"
        )
    from diglot._display import inert
    from diglot.engine._cleanup import remove, sender
    from diglot.engine._results import Resources
    from diglot.specs import load_spec

    # what a search by name can and cannot find, before anything is searched
    print(f"diglot cleanup: {BY_NAME}")
    spec = load_spec()
    entry = Resources(run_id="(by name)", name_prefix=args.name_prefix)
    with sender(spec, args.base_url, options) as send:
        _find_groups(entry, spec, args, send)
        if not entry.created:
            print(
                f"diglot cleanup: no group named {inert(args.name_prefix)!r} + a run id to remove"
            )
            return ExitCode.OK
        if args.dry_run:
            _show_left(entry, "would remove")
            return ExitCode.OK
        remove(entry, spec, args.account_id, send)
    return _outcome([entry], _redactor(options))


def _find_groups(entry: Resources, spec: Spec, args: argparse.Namespace, send: Send) -> None:
    """Page through list groups with search_text=PREFIX; keep the names diglot made."""
    from diglot.engine._results import Resource
    from diglot.errors import TargetUnreachable
    from diglot.model import Case
    from diglot.strategies import run_id_of, run_started

    cutoff = datetime.now(UTC) - args.older_than if args.older_than is not None else None
    position = 0
    for _ in range(MAX_PAGES):
        query = {"search_text": args.name_prefix, "count": "100", "start_position": str(position)}
        case = Case("listGroups", "json", {"accountId": args.account_id}, query=query)
        exchange = send(case)
        response = exchange.response
        if response is None or response.status != 200:
            status = exchange.failure if response is None else f"status {response.status}"
            raise TargetUnreachable(
                f"list groups at {args.base_url} did not answer ({status}): check --base-url, "
                "--account-id, the token (DIGLOT_TOKEN, or the --jwt-* options) and the "
                "connection options (--proxy, --ca-bundle)"
            )
        try:
            data = json.loads(response.body)
        except ValueError:
            raise TargetUnreachable("list groups did not answer JSON") from None
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, list) or not groups:
            return
        for group in groups:
            if not isinstance(group, dict):
                continue
            name, ident = group.get("groupName"), group.get("groupId")
            if not isinstance(name, str) or not isinstance(ident, str):
                continue
            run_id = run_id_of(name, args.name_prefix)
            started = run_started(run_id) if run_id else None
            if started is None:
                continue  # not a name diglot made
            if cutoff is not None and started > cutoff:
                continue
            if all(r.id != ident for r in entry.created):
                entry.created.append(Resource("group", ident, name, "json"))
        position += len(groups)
        total = data.get("totalSetSize")
        if isinstance(total, str) and total.isdigit() and position >= int(total):
            return


def _show_left(entry: Resources, verb: str) -> None:
    from diglot._display import inert

    for resource in entry.left:
        print(f"{verb} {resource.kind} {inert(resource.id)} {inert(resource.name)}")


def _outcome(entries: list[Resources], redactor: Redactor) -> int:
    from diglot._display import inert

    removed = sum(r.removed for entry in entries for r in entry.created)
    left = [r for entry in entries for r in entry.left]
    for entry in entries:
        for note in entry.notes:
            print(f"diglot cleanup: {inert(redactor.text(note))}")
    print(f"diglot cleanup: removed {removed}, left {len(left)}")
    for resource in left:
        print(f"  left: {resource.kind} {inert(resource.id)} {inert(resource.name)}")
    return ExitCode.OK if not left else ExitCode.VIOLATIONS
