"""The option table: every run option declared once, and the options of one run.

Each field of :class:`RunOptions` is one option: its type and default are the field's, and
its metadata (:func:`option`) gives the help text, the group it belongs to and how it is
spelt where it appears. The ``diglot run`` flags, the pytest plugin's ``--diglot-*`` options
and ini keys, and the ``options`` record of every report are generated from this table
(:data:`OPTIONS`); nothing else lists the options.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diglot.engine._rules import Rules
from diglot.errors import UsageError
from diglot.model import JSONValue

CONTENT_TYPES = ("json", "xml")
EMBEDDED_EXAMPLES = 25
"""Generated cases per operation and content type against the embedded server."""
REMOTE_EXAMPLES = 2
"""... against a ``--base-url`` target: a default run there stays within about 300 requests
on an account like the reference server's (README, "Against staging")."""


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"shard {text!r} is not i/n, e.g. 0/2") from None
    return index, count


def _positive_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a whole number") from None


def _run_id(text: str) -> str:
    if not re.fullmatch(r"[0-9a-z]{1,16}", text):
        raise UsageError(f"{text!r} is not a run id: up to 16 lower-case letters and digits")
    return text


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a number") from None


_SECRET_HEADER = re.compile(r"key|token|secret|auth|cookie|session|password|signature", re.I)
"""Extra header names whose values are treated as secrets (redacted everywhere)."""
OWN_HEADERS = frozenset(
    {"authorization", "accept", "content-type", "content-length", "host", "transfer-encoding"}
)
"""Headers diglot sets itself: an extra header (``-H``) may not replace them."""
_TOKEN_CHARS = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _headers(text: str) -> tuple[str, ...]:
    """``Name: value`` lines (one per ``-H``, or several on lines of an ini value)."""
    out = []
    for line in text.splitlines() or [text]:
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name or not set(name) <= _TOKEN_CHARS:
            raise UsageError(f"-H {line!r} is not 'Name: value' (e.g. -H 'X-Team: payments')")
        if name.lower() in OWN_HEADERS:
            raise UsageError(
                f"-H {name}: diglot sets {name} itself (the token comes from DIGLOT_TOKEN or "
                "the JWT grant, Accept and Content-Type from the case); it cannot be replaced"
            )
        if any(ch in value for ch in "\r\n\x00"):
            raise UsageError(f"-H {name}: the value holds a line break or NUL")
        out.append(f"{name}: {value}")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Option:
    """One run option, as the table declares it.

    Attributes:
        name: the field name (``max_examples``).
        help: one line for ``--help`` and the docs.
        group: the heading it is listed under.
        parse: turns the text of a flag, an ini value or a config value into the value.
        metavar: the placeholder in ``--help``.
        flag: True for an on/off option: ``--strict`` (default off) or ``--no-shrink``
            (default on).
        default: the default value.
        cli_default: the default of the ``diglot run`` flag where it differs (reports are
            written to ``reports/`` by the command, not by the library).
        cli: whether ``diglot run`` has it; plugin: whether the pytest plugin has it.
        record: whether the report's ``options`` record shows it (never the token).
    """

    name: str
    help: str
    group: str
    parse: Callable[[str], Any]
    metavar: str | None
    flag: bool
    default: Any
    cli_default: Any
    cli: bool
    plugin: bool
    record: bool
    spelling: str | None = None
    """The flag's name where it is not the field's (``record_traffic`` is ``--record``)."""

    @property
    def cli_flag(self) -> str:
        """The ``diglot run`` flag: ``--max-examples``, or ``--no-shrink`` for an on-by-default flag."""
        dashed = (self.spelling or self.name).replace("_", "-")
        return f"--no-{dashed}" if self.flag and self.default is True else f"--{dashed}"

    @property
    def plugin_flag(self) -> str:
        """The pytest option: ``--diglot-max-examples`` (``--diglot-no-shrink``)."""
        return "--diglot-" + self.cli_flag.removeprefix("--")

    @property
    def ini_key(self) -> str:
        """The pytest ini key: ``diglot_max_examples`` (``diglot_no_shrink``)."""
        return self.plugin_flag.removeprefix("--").replace("-", "_")


_MISSING = object()


def option(
    default: Any,
    help: str,
    *,
    group: str,
    parse: Callable[[str], Any] = str,
    metavar: str | None = None,
    cli_default: Any = _MISSING,
    cli: bool = True,
    plugin: bool = True,
    record: bool = True,
    spelling: str | None = None,
) -> Any:
    """Declare one option: a dataclass field whose metadata the table is built from."""
    meta = {
        "help": help,
        "group": group,
        "parse": parse,
        "metavar": metavar,
        "cli_default": default if cli_default is _MISSING else cli_default,
        "cli": cli,
        "plugin": plugin,
        "record": record,
        "spelling": spelling,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("option defaults must be immutable")
    return field(default=default, metadata=meta)


_CONFIG = "configuration, checks and baseline"
_TARGET, _SCOPE, _GEN, _MANNERS, _LIMITS, _OUT, _EMBEDDED, _EXT = (
    "target",
    "scope",
    "generation",
    "staging manners",
    "limits on what the target may send",
    "verdict and output",
    "the embedded reference server",
    "extending diglot",
)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything one run needs to know; every field is an option of the table.

    Build it directly (``diglot.run(diglot.RunOptions(max_examples=5))``), or let the CLI or
    the pytest plugin build it from their flags. Invalid values raise ``UsageError``.

    Example:
        >>> RunOptions(max_examples=5, content_types=("xml",)).max_examples
        5
    """

    base_url: str | None = option(
        None,
        "the implementation's …/restapi base URL; without it the embedded reference server "
        "starts on a free loopback port. The bearer token comes from DIGLOT_TOKEN.",
        group=_TARGET,
        metavar="URL",
    )
    account_id: str | None = option(
        None, "the account to test (required with a base URL)", group=_TARGET, metavar="ID"
    )
    jwt_integration_key: str | None = option(
        None,
        "DocuSign JWT grant: the integration key (client id); with --jwt-user-id and the RSA "
        "private key, diglot requests its own tokens and renews them (instead of DIGLOT_TOKEN)",
        group=_TARGET,
        metavar="KEY",
    )
    jwt_user_id: str | None = option(
        None, "DocuSign JWT grant: the user id to impersonate", group=_TARGET, metavar="GUID"
    )
    jwt_private_key: Path | None = option(
        None,
        "DocuSign JWT grant: the RSA private key (PEM) file; or its text in "
        "DIGLOT_JWT_PRIVATE_KEY. Never printed or written",
        group=_TARGET,
        parse=Path,
        metavar="FILE",
    )
    oauth_base: str = option(
        "account-d.docusign.com",
        "DocuSign JWT grant: the OAuth host, account-d.docusign.com (demo) or "
        "account.docusign.com (production)",
        group=_TARGET,
        metavar="HOST",
    )
    proxy: str | None = option(
        None,
        "a forward proxy for the target (http://proxy:3128), or 'env' for HTTPS_PROXY / "
        "HTTP_PROXY and NO_PROXY; off by default: no proxy variable is read unless asked",
        group=_TARGET,
        metavar="URL|env",
    )
    ca_bundle: Path | None = option(
        None,
        "CA certificates (PEM) that verify the target's TLS certificate, e.g. a corporate "
        "CA (default: SSL_CERT_FILE or REQUESTS_CA_BUNDLE when set, else the system's)",
        group=_TARGET,
        parse=Path,
        metavar="FILE",
    )
    operations: tuple[str, ...] = option(
        (),
        "comma-separated operation ids (listGroups,createGroups,createUsers,listSigningGroups; "
        "or those of a --spec); default: all",
        group=_SCOPE,
        parse=_csv,
        metavar="IDS",
    )
    content_types: tuple[str, ...] = option(
        CONTENT_TYPES,
        "json, xml or both (equivalence needs both)",
        group=_SCOPE,
        parse=_csv,
        metavar="TYPES",
    )
    read_only: bool = option(False, "send only GET requests: nothing is created", group=_SCOPE)
    stateful: bool = option(
        True, "run the pagination walks and create-then-find sequences", group=_SCOPE
    )
    shard: tuple[int, int] | None = option(
        None, "i/n: run the i-th of n shards (0-based)", group=_SCOPE, parse=_shard, metavar="I/N"
    )
    max_examples: int | None = option(
        None,
        "generated cases per operation and content type; boundary and invalid cases come on "
        f"top (default: {EMBEDDED_EXAMPLES} against the embedded server, {REMOTE_EXAMPLES} "
        "against a --base-url target, so that a default run there stays within about 300 "
        "requests)",
        group=_GEN,
        parse=_positive_int,
        metavar="N",
    )
    seed: int | None = option(
        None,
        "hypothesis seed, to reproduce a run (default: random, reported)",
        group=_GEN,
        parse=_positive_int,
        metavar="N",
    )
    shrink: bool = option(True, "shrink failures to a minimal example", group=_GEN)
    name_prefix: str = option(
        "diglot-", "prefix of every group and user name diglot creates", group=_GEN, metavar="P"
    )
    run_id: str | None = option(
        None,
        "the run id in every name diglot creates (default: a new one, reported); with --seed "
        "it reproduces a run's requests exactly, once the earlier run's creations are gone",
        group=_GEN,
        parse=_run_id,
        metavar="ID",
    )
    bulk_cases: bool = option(
        False,
        "also send the boundary cases that create hundreds of users (500 and 501 in one "
        "request) to a --base-url target; the embedded server always gets them",
        group=_SCOPE,
    )
    cleanup: bool = option(
        True,
        "at the end, delete the groups and close the users the run created (deleteGroups, "
        "deleteUsers); --no-cleanup keeps them (diglot cleanup REPORT.json removes them later)",
        group=_SCOPE,
    )
    rate_limit: float | None = option(
        None,
        "at most this many requests per second",
        group=_MANNERS,
        parse=_number,
        metavar="R",
    )
    timeout: float = option(
        10.0,
        "seconds per request, connect to last byte",
        group=_MANNERS,
        parse=_number,
        metavar="S",
    )
    max_requests: int | None = option(
        None,
        "stop sending after this many requests on the wire, retries included (the run "
        "reports what it judged, marked incomplete)",
        group=_MANNERS,
        parse=_positive_int,
        metavar="N",
    )
    max_time: float | None = option(
        None,
        "the run's wall clock, in seconds: past it diglot sends no more test requests, "
        "cleans up, and reports what it judged (marked incomplete)",
        group=_MANNERS,
        parse=_number,
        metavar="S",
    )
    max_wait: float = option(
        30.0,
        "longest wait, in seconds, for a throttled target (429, 503 Retry-After, DocuSign's "
        "400 HOURLY_/BURST_APIINVOCATION_LIMIT_EXCEEDED, X-RateLimit-Reset); a longer one "
        "stops the run: what remains is inconclusive, exit code 5",
        group=_MANNERS,
        parse=_number,
        metavar="S",
    )
    rate_limit_margin: int = option(
        10,
        "calls of the account's hourly budget (X-RateLimit-Remaining) to leave for others: at "
        "the margin, wait for the reset (within --max-wait) or stop",
        group=_MANNERS,
        parse=_positive_int,
        metavar="N",
    )
    max_body: int = option(
        8 * 2**20,
        "body bytes kept per response, after decompression; longer bodies are cut and reported",
        group=_LIMITS,
        parse=_positive_int,
        metavar="BYTES",
    )
    max_header_bytes: int = option(
        64 * 1024,
        "total size of one response's headers",
        group=_LIMITS,
        parse=_positive_int,
        metavar="BYTES",
    )
    max_headers: int = option(
        256, "header lines in one response", group=_LIMITS, parse=_positive_int, metavar="N"
    )
    strict: bool = option(False, "warnings fail the run too", group=_OUT)
    record_traffic: bool = option(
        False,
        "write every exchange of the run as HAR 1.2 (traffic.har) beside the reports, "
        "redacted; without it only the failing exchanges are saved (failures.har), for "
        "diglot replay",
        group=_OUT,
        spelling="record",
    )
    record_limit: int = option(
        64 * 1024 * 1024,
        "bytes of URLs and bodies the traffic record keeps; past it recording stops and the "
        "report says so",
        group=_OUT,
        parse=_positive_int,
        metavar="BYTES",
    )
    allow_incomplete: bool = option(
        False,
        "a run that checked much less than asked (an empty shard, a budget spent before half "
        "of the work) exits 0 instead of 6",
        group=_OUT,
    )
    report_dir: Path | None = option(
        None,
        "where the four reports go (report.json, junit.xml, index.html, summary.md)",
        group=_OUT,
        parse=Path,
        metavar="DIR",
        cli_default=Path("reports"),
    )
    fault: str | None = option(
        None,
        "embedded server only: switch on one of its faults (diglot serve --list-faults)",
        group=_EMBEDDED,
        metavar="NAME",
    )
    variant: str | None = option(
        None,
        "embedded server only: answer in one faithful-but-different way "
        "(diglot serve --list-variants)",
        group=_EMBEDDED,
        metavar="NAME",
    )
    header: tuple[str, ...] = option(
        (),
        "an extra request header 'Name: value' (repeat -H for more; a gateway's key, a "
        "tracing tag); Authorization, Accept and Content-Type are diglot's",
        group=_TARGET,
        parse=_headers,
        metavar="'NAME: VALUE'",
    )
    checks_modules: tuple[str, ...] = option(
        (),
        "comma-separated modules to import for their checks (beside the diglot.checks entry "
        "points), e.g. my_project.diglot_checks",
        group=_EXT,
        parse=_csv,
        metavar="MODULES",
    )
    spec: Path | None = option(
        None,
        "an OpenAPI 3.1 document to test by instead of the bundled one (e.g. with more "
        "DocuSign operations); needs --xsd",
        group=_EXT,
        parse=Path,
        metavar="FILE",
    )
    xsd: Path | None = option(
        None,
        "the XML Schema that goes with --spec",
        group=_EXT,
        parse=Path,
        metavar="FILE",
    )
    config: Path | None = option(
        None,
        "the configuration file (default: diglot.toml, else [tool.diglot] in pyproject.toml, "
        "from the current directory upwards); flags override it",
        group=_CONFIG,
        parse=Path,
        metavar="FILE",
        record=False,
    )
    checks: tuple[str, ...] = option(
        (),
        "comma-separated check ids or families to run (default: all), e.g. schema,protocol.status",
        group=_CONFIG,
        parse=_csv,
        metavar="IDS",
    )
    exclude_checks: tuple[str, ...] = option(
        (),
        "comma-separated check ids or families not to run: their rows are skipped, 'disabled "
        "by configuration'",
        group=_CONFIG,
        parse=_csv,
        metavar="IDS",
    )
    baseline: Path | None = option(
        None,
        "a baseline of accepted findings: those in it are 'known' and fail nothing; those gone "
        "are 'fixed'",
        group=_CONFIG,
        parse=Path,
        metavar="FILE",
    )
    baseline_update: bool = option(
        False,
        "write this run's findings to --baseline (the run then fails nothing); diglot run "
        "only: pytest runs one item at a time",
        group=_CONFIG,
        plugin=False,
    )
    rules: Rules = option(
        Rules(),
        "per-operation and per-check settings ([operations.*] and [checks.*] of the file)",
        group=_CONFIG,
        cli=False,
        plugin=False,
        record=False,
    )
    sources: tuple[tuple[str, str], ...] = option(
        (),
        "where each option's value came from: default, file, flag, ini or env",
        group=_CONFIG,
        cli=False,
        plugin=False,
        record=False,
    )
    config_file: Path | None = option(
        None, "the configuration file read", group=_CONFIG, cli=False, plugin=False, record=False
    )
    token: str | None = option(
        None,
        "the bearer token (DIGLOT_TOKEN); never printed or written",
        group=_TARGET,
        cli=False,
        plugin=False,
        record=False,
    )

    def __post_init__(self) -> None:
        unknown = [c for c in self.content_types if c not in CONTENT_TYPES]
        if unknown or not self.content_types:
            shown = ", ".join(repr(c) for c in unknown) or "nothing"
            raise UsageError(
                f"--content-types: {shown} is not a content type diglot tests; use json, xml "
                "or json,xml"
            )
        if self.max_examples is not None and self.max_examples < 1:
            raise UsageError(f"--max-examples must be at least 1, got '{self.max_examples}'")
        if self.timeout <= 0:
            raise UsageError(f"--timeout must be a positive number of seconds, got {self.timeout}")
        for name in ("max_body", "max_header_bytes", "max_headers"):
            if getattr(self, name) < 1:
                raise UsageError(
                    f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}"
                )
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise UsageError(f"--rate-limit must be positive, got {self.rate_limit}")
        if self.max_requests is not None and self.max_requests < 1:
            raise UsageError(f"--max-requests must be at least 1, got {self.max_requests}")
        if self.max_wait < 0:
            raise UsageError(f"--max-wait must not be negative, got {self.max_wait}")
        if self.max_time is not None and self.max_time <= 0:
            raise UsageError(
                f"--max-time must be a positive number of seconds, got {self.max_time}"
            )
        if self.rate_limit_margin < 0:
            raise UsageError(
                f"--rate-limit-margin must not be negative, got {self.rate_limit_margin}"
            )
        if self.base_url is not None and not self.base_url.startswith(("http://", "https://")):
            raise UsageError(
                f"--base-url {self.base_url!r} is not an http(s) URL; give the API's …/restapi "
                "base, e.g. https://demo.docusign.net/restapi"
            )
        for name in ("fault", "variant"):
            if getattr(self, name) is not None and self.base_url is not None:
                raise UsageError(
                    f"--{name} applies to the embedded reference server only; drop --base-url"
                )
        if (self.spec is None) != (self.xsd is None):
            raise UsageError("--spec and --xsd go together: give the OpenAPI document and its XSD")
        if self.baseline_update and self.baseline is None:
            raise UsageError("--baseline-update needs --baseline FILE: the file to write")
        if self.shard is not None:
            index, count = self.shard
            if count < 1 or not 0 <= index < count:
                raise UsageError(f"--shard {index}/{count} is not valid: use i/n with 0 <= i < n")

    @property
    def examples(self) -> int:
        """``max_examples``, or its default for the target (embedded or ``--base-url``)."""
        if self.max_examples is not None:
            return self.max_examples
        return REMOTE_EXAMPLES if self.base_url is not None else EMBEDDED_EXAMPLES

    @staticmethod
    def token_from_environment() -> str | None:
        """``DIGLOT_TOKEN``, or None when it is unset or empty.

        Surrounding whitespace (a newline from ``$(cat token.txt)``) is stripped and a leading
        ``Bearer `` dropped, since diglot adds it.

        Raises:
            UsageError: the token holds a character that cannot be sent in an HTTP header;
                the message names DIGLOT_TOKEN and where, never the token.
        """
        token = os.environ.get("DIGLOT_TOKEN", "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        for index, char in enumerate(token):
            if not " " < char < "\x7f":
                what = "a space" if char == " " else f"the character U+{ord(char):04X}"
                raise UsageError(
                    f"DIGLOT_TOKEN holds {what} at position {index + 1}, which cannot be sent "
                    "in an HTTP header; set DIGLOT_TOKEN to the bare access token "
                    "(printable ASCII, no spaces)"
                )
        return token or None

    def secrets(self) -> list[str]:
        """What no output may show.

        The token, and the values of extra headers (``-H``) whose names say they carry a
        credential (``X-Api-Key``, ``Cookie``, ``*-Token``...).
        """
        found = [self.token] if self.token else []
        for line in self.header:
            name, _, value = line.partition(":")
            if _SECRET_HEADER.search(name) and value.strip():
                found.append(value.strip())
        return found

    def record(self) -> dict[str, JSONValue]:
        """The options as the report records them: every recorded option, JSON-ready."""
        out: dict[str, JSONValue] = {}
        for spec in OPTIONS:
            if spec.record:
                out[spec.name] = _json(getattr(self, spec.name))
        out["shard"] = f"{self.shard[0]}/{self.shard[1]}" if self.shard else None
        out["authenticated"] = self.token is not None or self.jwt_integration_key is not None
        secret = set(self.secrets())
        out["header"] = [
            line.partition(":")[0] + ": [REDACTED]"
            if line.partition(":")[2].strip() in secret
            else line
            for line in self.header
        ]
        out["config_file"] = None if self.config_file is None else str(self.config_file)
        out["sources"] = _json_tree(dict(self.sources))
        out["rules"] = _json_tree(self.rules.record())
        return out


def _json(value: object) -> JSONValue:
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _json_tree(value: object) -> JSONValue:
    if isinstance(value, dict):
        return {str(key): _json_tree(item) for key, item in value.items()}
    return _json(value)


def _table() -> tuple[Option, ...]:
    options = []
    for item in dataclasses.fields(RunOptions):
        meta = item.metadata
        options.append(
            Option(
                name=item.name,
                help=meta["help"],
                group=meta["group"],
                parse=meta["parse"],
                metavar=meta["metavar"],
                flag=isinstance(item.default, bool),
                default=item.default,
                cli_default=meta["cli_default"],
                cli=meta["cli"],
                plugin=meta["plugin"],
                record=meta["record"],
                spelling=meta["spelling"],
            )
        )
    return tuple(options)


OPTIONS: tuple[Option, ...] = _table()
"""Every run option, in declaration order."""
