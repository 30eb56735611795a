"""The configuration file: found, read, checked against its schema, and merged with the flags.

A repository configures diglot once, in ``diglot.toml`` or under ``[tool.diglot]`` in
``pyproject.toml``; ``diglot run`` and the pytest plugin read the same file. It is found the
usual way: ``--config FILE``, else the first directory from the current one upwards with a
``diglot.toml`` or a ``pyproject.toml`` that has a ``[tool.diglot]`` table.

Keys are the option names with dashes (``max-examples = 5``; ``shrink = false``), plus
``[operations.<operationId>]`` (``max-examples``, ``skip``, and ``[...checks."<id>"]``) and
``[checks."<id>"]`` (``enabled``, ``severity``). A string may name environment variables as
``${NAME}``. The schema of the file (:func:`config_schema`) is generated from the option
table; an unknown key, a wrong type or an unset variable is a ``UsageError`` naming the file,
the key and its line.

Precedence, highest first: a flag (or a pytest ini key), the file, the default. The run's
``sources`` say where each option came from (``default``, ``file``, ``flag``, ``ini``, ``env``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import ssl
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from diglot.engine._options import OPTIONS, Option, RunOptions
from diglot.engine._rules import CheckRule, OperationRule, Rules
from diglot.errors import UsageError
from diglot.model import Severity

if TYPE_CHECKING:
    from diglot.specs import Spec
    from diglot.transport._auth import TokenSource

FILE_NAMES = ("diglot.toml", "pyproject.toml")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NOT_IN_FILE = {"config"}
"""Options a file cannot set: which file to read is not the file's to say."""
_NESTED = {
    "checks": ("checks", "only"),
    "exclude_checks": ("checks", "exclude"),
    "operations": ("operations", "only"),
}
"""Options the file sets inside a section, beside its per-id sections: ``[checks]`` ``only``
and ``exclude`` (a check id always has a dot, so they cannot collide), ``[operations]``
``only`` (operation ids are camelCase)."""


def file_options() -> tuple[Option, ...]:
    """The options a configuration file can set: those with a flag somewhere."""
    return tuple(o for o in OPTIONS if (o.cli or o.plugin) and o.name not in _NOT_IN_FILE)


def key_of(spec: Option) -> str:
    """The option's key at the top of the file (``max-examples``)."""
    return spec.name.replace("_", "-")


def keys_of(spec: Option) -> list[str | int]:
    """Where the option sits in the file: ``["max-examples"]``, ``["checks", "only"]``."""
    if spec.name in _NESTED:
        return list(_NESTED[spec.name])
    return [key_of(spec)]


def _lookup(table: Mapping[str, Any], keys: list[str | int]) -> Any:
    node: Any = table
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return _ABSENT
        node = node[key]
    return node


_ABSENT = object()


def _type_schema(spec: Option) -> dict[str, Any]:
    if spec.flag:
        return {"type": "boolean"}
    if isinstance(spec.default, tuple) or spec.parse.__name__ == "_csv":
        return {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "string", "description": "comma-separated"},
            ]
        }
    kind = spec.parse.__name__
    if kind == "_positive_int":
        return {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\$\{"}]}
    if kind == "_number":
        return {"oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^\$\{"}]}
    return {"type": "string"}


_CHECK_RULE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean", "description": "false: the check does not run"},
        "severity": {
            "enum": [s.value for s in Severity],
            "description": "report the check's findings with this severity",
        },
    },
}


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``diglot.toml`` (and of ``[tool.diglot]``), from the option table."""
    properties: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {"checks": {}, "operations": {}}
    for spec in file_options():
        entry = {"description": spec.help, **_type_schema(spec)}
        if spec.name in _NESTED:
            section, key = _NESTED[spec.name]
            nested[section][key] = entry
        else:
            properties[key_of(spec)] = entry
    checks = {"type": "object", "additionalProperties": {"$ref": "#/$defs/check"}}
    properties["operations"] = {
        "type": "object",
        "description": "only (as --operations), and per-operation settings by operation id",
        "properties": nested["operations"],
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max-examples": {"type": "integer", "minimum": 1},
                "skip": {"type": "boolean", "description": "do not test this operation"},
                "checks": checks,
            },
        },
    }
    properties["checks"] = {
        **checks,
        "description": "only/exclude (as --checks/--exclude-checks), and per-check settings by "
        "check id",
        "properties": nested["checks"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://diglot.invalid/config.schema.json",
        "title": "diglot configuration (diglot.toml, or [tool.diglot] in pyproject.toml)",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": {"check": _CHECK_RULE},
    }


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A configuration file as read: its path, its table and its lines (for messages)."""

    path: Path
    table: Mapping[str, Any]
    prefix: tuple[str, ...] = ()
    """Where the table sits in the file: ``("tool", "diglot")`` in pyproject.toml."""
    lines: tuple[str, ...] = field(default=(), repr=False)

    def where(self, keys: Iterable[str | int]) -> str:
        """``diglot.toml:12: key 'operations.createUsers.max-examples'``."""
        parts = [str(k) for k in keys if not isinstance(k, int)]
        line = _line_of(self.lines, (*self.prefix, *parts))
        shown = ".".join(parts) or "(the table)"
        return f"{self.path}:{line}: key '{shown}'" if line else f"{self.path}: key '{shown}'"


def find_config(explicit: Path | None = None, start: Path | None = None) -> Path | None:
    """``explicit``, else the nearest ``diglot.toml`` / ``pyproject.toml`` with ``[tool.diglot]``."""
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"--config {explicit}: no such file")
        return explicit
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        own = directory / "diglot.toml"
        if own.is_file():
            return own
        project = directory / "pyproject.toml"
        if project.is_file() and _has_tool_table(project):
            return project
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"(?m)^\s*\[\s*tool\s*\.\s*diglot\s*[\].]", text) is not None


def read_config(path: Path) -> ConfigFile:
    """Parse and validate one file (``UsageError`` naming the file, key and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    prefix: tuple[str, ...] = ()
    table: Any = document
    if path.name == "pyproject.toml":
        prefix = ("tool", "diglot")
        table = document.get("tool", {}).get("diglot", {})
    config = ConfigFile(path, table, prefix, tuple(text.splitlines()))
    _validate(config)
    return config


def _validate(config: ConfigFile) -> None:
    import jsonschema_rs

    schema = config_schema()
    validator = jsonschema_rs.validator_for(schema)
    errors = sorted(validator.iter_errors(config.table), key=lambda e: list(e.instance_path))
    if not errors:
        return
    error = errors[0]
    path: list[str | int] = list(error.instance_path)
    at = _subschema(schema, list(error.schema_path)[:-1])
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        extra = sorted(str(key) for key in error.kind.unexpected)
        known = ", ".join(sorted(at.get("properties", {}))) or "none"
        raise UsageError(
            f"{config.where([*path, extra[0]])} is not a diglot setting; known here: {known}"
        )
    value = error.instance
    raise UsageError(
        f"{config.where(path)}: {value!r} ({type(value).__name__}) is not {_expected(at)}"
    )


def _subschema(schema: Mapping[str, Any], steps: list[str | int]) -> Mapping[str, Any]:
    node: Any = schema
    for step in steps:
        if step == "$ref":
            node = schema["$defs"][str(node["$ref"]).rsplit("/", 1)[-1]]
        elif isinstance(node, Mapping) and step in node:
            node = node[step]
        elif isinstance(node, list):
            node = node[int(step)]
        else:
            break
    return node if isinstance(node, Mapping) else {}


def _expected(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "oneOf" in schema:
        return " or ".join(_expected(s) for s in schema["oneOf"])
    kind = schema.get("type", "valid")
    article = "an" if str(kind)[0] in "aeiou" else "a"
    extra = f" of at least {schema['minimum']}" if "minimum" in schema else ""
    return f"{article} {kind}{extra}"


def _line_of(lines: tuple[str, ...], keys: tuple[str, ...]) -> int | None:
    """The line a key is set on (1-based), found by reading the table headers; None if unsure."""
    table: tuple[str, ...] = ()
    best: int | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?", line)
        if header:
            table = tuple(_split_key(header.group(1)))
            if table == keys:
                best = number
            continue
        match = re.match(r"((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.\- ])+?)\s*=", line)
        if match:
            full = (*table, *_split_key(match.group(1)))
            if full == keys:
                return number
            if best is None and keys[: len(full)] == full:
                best = number
    return best


def _split_key(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", text)]


def _interpolate(config: ConfigFile, keys: list[str | int], value: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if found is None:
            raise UsageError(
                f"{config.where(keys)}: the environment variable {name} is not set "
                f"(the value says ${{{name}}})"
            )
        return found

    return _ENV.sub(substitute, value)


def _value(config: ConfigFile, spec: Option, raw: Any) -> Any:
    keys = keys_of(spec)
    if spec.flag or (isinstance(raw, (int, float)) and not isinstance(raw, bool)):
        return raw
    if isinstance(raw, list):
        values: list[Any] = []
        for item in raw:
            try:
                parsed = spec.parse(_interpolate(config, keys, str(item)))
            except (UsageError, ValueError) as exc:
                raise UsageError(f"{config.where(keys)}: {exc}") from None
            values.extend(parsed if isinstance(parsed, tuple) else (parsed,))
        return tuple(values)
    text = _interpolate(config, keys, raw)
    try:
        return spec.parse(text)
    except (UsageError, ValueError) as exc:
        raise UsageError(f"{config.where(keys)}: {exc}") from None


def file_values(config: ConfigFile) -> dict[str, Any]:
    """The options the file sets, parsed, by field name."""
    values: dict[str, Any] = {}
    for spec in file_options():
        raw = _lookup(config.table, keys_of(spec))
        if raw is not _ABSENT:
            values[spec.name] = _value(config, spec, raw)
    return values


def _check_rules(table: Mapping[str, Any]) -> tuple[tuple[str, CheckRule], ...]:
    rules = []
    for check_id, entry in table.items():
        if check_id in ("only", "exclude"):
            continue
        severity = entry.get("severity")
        rules.append(
            (
                check_id,
                CheckRule(
                    enabled=entry.get("enabled"),
                    severity=None if severity is None else Severity(severity),
                ),
            )
        )
    return tuple(rules)


def file_rules(config: ConfigFile) -> Rules:
    """The ``[operations.*]`` and ``[checks.*]`` sections as :class:`Rules`.

    Check ids and operation ids are checked by the run, against the checks and the spec it
    loads (a user's checks register late).
    """
    operations = []
    for name, entry in config.table.get("operations", {}).items():
        if name == "only":
            continue
        operations.append(
            (
                name,
                OperationRule(
                    max_examples=entry.get("max-examples"),
                    skip=bool(entry.get("skip", False)),
                    checks=_check_rules(entry.get("checks", {})),
                ),
            )
        )
    return Rules(tuple(operations), _check_rules(config.table.get("checks", {})))


def resolve(
    given: Mapping[str, Any],
    *,
    given_source: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    config: Path | None = None,
    start: Path | None = None,
    token: str | None = None,
) -> RunOptions:
    """The run's options: ``given`` (flags, ini keys) over the file over the defaults.

    Args:
        given: the values given explicitly, by field name.
        given_source: where each given value came from (default ``flag``).
        defaults: the front door's own defaults, below the file (``diglot run`` writes
            reports to ``reports/``).
        config: an explicit ``--config`` file.
        start: the directory the search for a file starts from (default: the current one).
        token: the bearer token (from the environment).
    """
    path = find_config(config, start)
    values: dict[str, Any] = dict(defaults or {})
    sources: dict[str, str] = {}
    rules = Rules()
    shown: Path | None = None
    if path is not None:
        loaded = read_config(path)
        for name, value in file_values(loaded).items():
            values[name] = value
            sources[name] = "file"
        rules = file_rules(loaded)
        shown = path
        base = (start or Path.cwd()).resolve()
        for name in ("report_dir", "spec", "xsd", "baseline", "jwt_private_key"):
            # relative paths in the file are relative to the file, as in pyproject.toml tools
            if name in values and isinstance(values[name], Path) and not values[name].is_absolute():
                values[name] = _relative(path.resolve().parent / values[name], base)
    for name, value in given.items():
        values[name] = value
        sources[name] = (given_source or {}).get(name, "flag")
    if token is not None:
        sources["token"] = "env"
    recorded = [
        (spec.name, sources.get(spec.name, "default"))
        for spec in OPTIONS
        if spec.record or spec.name == "token"
    ]
    values.pop("config", None)
    return RunOptions(
        **values,
        config=config,
        rules=rules,
        sources=tuple(recorded),
        config_file=shown,
        token=token,
    )


def _relative(path: Path, base: Path) -> Path:
    try:
        return path.relative_to(base)
    except ValueError:
        return path


def check_rules(options: RunOptions, spec: Spec) -> None:
    """Every operation and check the rules and ``--checks`` name exists (``UsageError``).

    Called by the run once the spec is loaded and every check (a user's too) registered.
    """
    from diglot.contracts import CHECKS

    families = {info.family for info in CHECKS.values()}
    for flag, entries in (
        ("--checks", options.checks),
        ("--exclude-checks", options.exclude_checks),
    ):
        for entry in entries:
            if entry.rstrip(".") not in CHECKS and entry.rstrip(".") not in families:
                raise UsageError(
                    f"{flag}: {entry!r} is neither a check id nor a family; "
                    f"see diglot checks ({', '.join(sorted(families))})"
                )
    rules = options.rules
    if not rules.operations and not rules.checks:
        return
    lines: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    path = options.config_file or Path("the configuration")
    if options.config_file is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            lines = tuple(options.config_file.read_text(encoding="utf-8").splitlines())
        prefix = ("tool", "diglot") if options.config_file.name == "pyproject.toml" else ()
    where = ConfigFile(path, {}, prefix, lines).where
    known_operations = {op.operation_id for op in spec.operations}
    for name, rule in rules.operations:
        if name not in known_operations:
            raise UsageError(
                f"{where(['operations', name])} names no operation of the spec; known: "
                + ", ".join(sorted(known_operations))
            )
        for check_id, _ in rule.checks:
            if check_id not in CHECKS:
                raise UsageError(
                    f"{where(['operations', name, 'checks', check_id])} names no check; "
                    "see diglot checks"
                )
    for check_id, _ in rules.checks:
        if check_id not in CHECKS:
            raise UsageError(f"{where(['checks', check_id])} names no check; see diglot checks")


SCHEMA_FILE = "config.schema.json"
"""The shipped schema, beside this module (for editors: ``#:schema`` / taplo, SchemaStore)."""


def schema_text() -> str:
    """The schema as shipped: ``config_schema()`` as indented JSON with a final newline."""
    import json

    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # regenerate: python -m diglot.engine._config > .../config.schema.json
    import sys

    sys.stdout.write(schema_text())


def auth_for(options: RunOptions) -> TokenSource | None:
    """The token source for the run, its first token already in hand.

    DocuSign's JWT grant when ``--jwt-integration-key``/``--jwt-user-id`` and a private key
    (``--jwt-private-key FILE`` or ``DIGLOT_JWT_PRIVATE_KEY``) are given, else
    ``DIGLOT_TOKEN_COMMAND``, else None (the static ``DIGLOT_TOKEN``, sent as it is).

    Raises:
        UsageError: half a JWT configuration, an unreadable or malformed key.
        TargetUnreachable: the grant was refused or the command failed (exit code 3).
    """
    from diglot.transport._auth import oauth_url, token_source

    key = os.environ.get("DIGLOT_JWT_PRIVATE_KEY") or None
    if options.jwt_private_key is not None:
        try:
            key = options.jwt_private_key.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"--jwt-private-key {options.jwt_private_key}: cannot be read "
                f"({type(exc).__name__})"
            ) from None
    command = os.environ.get("DIGLOT_TOKEN_COMMAND") or None
    proxy = proxy_for(options, oauth_url(options.oauth_base))
    # one source per identity and process: the pytest plugin makes one run per item, and a
    # token lives an hour; a new grant per item would only load DocuSign's OAuth service
    parts = [options.jwt_integration_key, options.jwt_user_id, key, options.oauth_base]
    parts += [command, proxy, str(options.ca_bundle)]
    identity = hashlib.sha256(repr(parts).encode()).hexdigest()
    source = _SOURCES.get(identity)
    if source is None:
        source = token_source(
            verify=tls_verify(options),
            proxy=proxy,
            token=None,
            token_command=command,
            integration_key=options.jwt_integration_key,
            user_id=options.jwt_user_id,
            private_key=key,
            oauth_base=options.oauth_base,
        )
    if source is not None:
        source.token()  # a refused grant or a failing command stops the run here (exit 3)
        _SOURCES[identity] = source  # kept only once it gave a token
    return source


_SOURCES: dict[str, TokenSource] = {}


def tls_verify(options: RunOptions) -> ssl.SSLContext | bool:
    """The CA bundle that verifies the target's (and the OAuth host's) certificate.

    ``--ca-bundle FILE``, else ``SSL_CERT_FILE`` or ``REQUESTS_CA_BUNDLE`` when set (the
    usual variables of a corporate network), else True: the system's trust store. Proxies
    stay off unless asked for: diglot reads no other environment variable for the network.

    Raises:
        UsageError: the bundle is not a readable file.
    """
    for where, value in (
        ("--ca-bundle", str(options.ca_bundle) if options.ca_bundle else None),
        ("SSL_CERT_FILE", os.environ.get("SSL_CERT_FILE")),
        ("REQUESTS_CA_BUNDLE", os.environ.get("REQUESTS_CA_BUNDLE")),
    ):
        if value:
            path = Path(value)
            if not path.is_file():
                raise UsageError(f"{where} {value}: no such file (a PEM bundle of CA certificates)")
            try:
                return _bundle_context(value, path.stat().st_mtime_ns)
            except (ssl.SSLError, OSError) as exc:
                raise UsageError(
                    f"{where} {value}: not a PEM bundle of CA certificates ({exc})"
                ) from None
    return True


@functools.lru_cache(maxsize=8)
def _bundle_context(path: str, mtime_ns: int) -> ssl.SSLContext:
    """One context per bundle file (and version of it), shared.

    Loading a bundle takes ~40 ms, and a run asks for it several times (the target, the
    OAuth host, the cleanup).
    """
    return ssl.create_default_context(cafile=path)


def proxy_for(options: RunOptions, url: str) -> str | None:
    """The forward proxy for ``url``, or None to connect directly.

    ``--proxy URL``, or with ``--proxy env`` the usual variables (``HTTPS_PROXY`` /
    ``HTTP_PROXY``, lower case first, and ``NO_PROXY``). Off by default: diglot reads no proxy
    variable unless asked, so a runner's proxy settings never silently route a run elsewhere.
    """
    if not options.proxy:
        return None
    if options.proxy != "env":
        return options.proxy
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    bypass = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    for entry in (e.strip().lower().lstrip(".") for e in bypass.split(",")):
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return None
    name = f"{parts.scheme}_proxy"
    return os.environ.get(name) or os.environ.get(name.upper()) or None
