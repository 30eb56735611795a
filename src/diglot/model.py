"""diglot's shared vocabulary: what travels and what is found.

A generated :class:`Case`, the :class:`Request` made of it, the :class:`Response`, the
:class:`Exchange` of both; a :class:`Finding` with its :class:`Severity` and family; and
``JSONValue``, the data model of a JSON body and of an XML body once decoded. Every stage
(specs, strategies, transport, contracts, engine, reports, the edges) speaks it; it imports
nothing of diglot's but the display helpers.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from diglot._display import inert, printf_bytes, shell_word

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""Any value that JSON can carry, and the data model of an XML body once decoded."""

JSONObject: TypeAlias = "dict[str, JSONValue]"

TOKEN_PLACEHOLDER = "$DIGLOT_TOKEN"
CURL_BODY_LIMIT = 2000
"""Body bytes a curl line repeats; past it the line says that it sends less."""
CURL_URL_LIMIT = 8192
"""Longest URL a curl line repeats (servers refuse longer ones anyway)."""
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_EXPECT_ABOVE = 1024
"""curl asks ``Expect: 100-continue`` for bodies past this size; diglot never does."""


class CaseKind(enum.StrEnum):
    """Why a case was generated, which decides the answer the contract allows."""

    VALID = "valid"
    """Within every documented constraint: the documented success status is due."""
    BOUNDARY = "boundary"
    """At or past a documented bound; ``Case.expect`` says which side it is on."""
    INVALID = "invalid"
    """Breaks a documented constraint: the documented answer is 400 ``errorDetails``."""


class Expect(enum.StrEnum):
    """The answer a case must get."""

    SUCCESS = "success"
    CLIENT_ERROR = "client_error"
    ENTRY_ERROR = "entry_error"
    """A batch entry is wrong: 400, or 201 with that entry's ``errorDetails``; both documented."""
    SUCCESS_PREFERRED = "success_preferred"
    """Success is the right answer; a 400 reads the documentation literally (a warning)."""
    EITHER = "either"
    """The documentation leaves it open: the success status and 400 are both right."""
    CLIENT_ERROR_PREFERRED = "client_error_preferred"
    """400 is the right answer, but the documentation states no rule: accepting is a warning."""


@dataclass(frozen=True, slots=True, repr=False)
class Case:
    """One request to make, as data (before encoding).

    Attributes:
        operation: operation id.
        content_type: representation asked for with ``Accept``: ``json`` or ``xml``.
        path_parameters: values for the path template, ``accountId`` included.
        query: query parameters, already strings.
        body: the request body as data, encoded as ``body_format`` when sent.
        body_format: ``json`` or ``xml``; None for no body.
        raw_body: bytes sent as they are instead of ``body`` (malformed-body cases).
        headers: extra headers, e.g. a deliberately wrong ``Content-Type``.
        kind: valid, boundary or invalid.
        expect: the answer the contract requires.
        note: why this case exists, for reports (``count=101, above the maximum``).
        rule: the documented rule the case exercises, if any.
    """

    operation: str
    content_type: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: JSONValue = None
    body_format: str | None = None
    raw_body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    kind: CaseKind = CaseKind.VALID
    expect: Expect = Expect.SUCCESS
    note: str = ""
    rule: str = ""
    """The documented rule this case exercises (``count.range``, ``newUsers.maxItems``);
    the check that judges the answer reports under it. Empty for ordinary cases."""

    def __repr__(self) -> str:
        # short: hypothesis prints it for every failing example, and bodies can be huge
        what = self.note or ", ".join(f"{k}={v}" for k, v in self.query.items())
        return f"Case({self.operation}, {self.content_type}, {self.kind}: {what!r})"


@dataclass(frozen=True, slots=True)
class Request:
    """A request as sent, without the bearer token.

    The transport adds ``Authorization`` on the wire only; a recorded request never holds
    the token, and its curl line reads it from ``$DIGLOT_TOKEN``.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    authenticated: bool = False

    @property
    def sent_url(self) -> str:
        """The URL as the transport puts it on the wire.

        Normalised as httpx sends it (host lower-cased, dot segments removed, anything
        outside the URL alphabet percent-encoded), without user info or fragment. A URL that
        could not be sent (not http(s), or malformed) comes back as it was given.
        """
        return _wire_url(self.url) or self.url

    def to_curl(self) -> str:
        """One bash line with curl that repeats this request (token read from the environment).

        The line is built from the URL actually sent (``sent_url``) with ``--globoff`` and
        ``--path-as-is``, so curl sends that request target byte for byte; every word is
        quoted (``shell_word``), so the line is always one line and runs nothing but curl.
        The body goes as ``--data-raw`` (never read from a file), or through ``printf`` when
        it holds a NUL. What the line cannot repeat is said in a trailing comment: a body
        cut at ``CURL_BODY_LIMIT`` bytes, a header no HTTP client can send.

        Example:
            >>> Request("GET", "http://127.0.0.1:8/restapi/v2.1/accounts/1/groups?count=5").to_curl()
            "curl -sS --globoff --path-as-is -X GET 'http://127.0.0.1:8/restapi/v2.1/accounts/1/groups?count=5'"
        """
        url = _wire_url(self.url)
        if url is None:
            return (
                f"# no curl line: {inert(self.url, limit=200)} is no http(s) URL that can be sent"
            )
        if len(url) > CURL_URL_LIMIT:
            return f"# no curl line: the URL is longer than {CURL_URL_LIMIT} characters"
        parts = ["curl", "-sS", "--globoff", "--path-as-is", "-X", shell_word(self.method)]
        # always quoted, so "?" and "&" never reach the shell; the wire URL is printable ASCII
        parts.append(f"'{url}'" if "'" not in url and "##" not in url else shell_word(url))
        notes: list[str] = []
        names = set()
        for name, value in self.headers.items():
            names.add(name.lower())
            if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\x00"):
                notes.append(f"header {inert(name, limit=60)} left out: no HTTP client sends it")
                continue
            # "Name:" alone would make curl drop the header; "Name;" sends it empty
            parts += ["-H", shell_word(f"{name}: {value}" if value else f"{name};")]
        if self.authenticated:
            parts += ["-H", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"']
        if self.body:
            data = self.body[:CURL_BODY_LIMIT]
            if "content-type" not in names:  # curl would add a form content type
                parts += ["-H", "'Content-Type:'"]
            if len(data) > _EXPECT_ABOVE:
                parts += ["-H", "'Expect:'"]
            if b"\x00" in data:
                parts += ["--data-binary", f"@<(printf {printf_bytes(data)})"]
            else:
                parts += ["--data-raw", shell_word(data.decode("utf-8", "surrogateescape"))]
            if len(self.body) > CURL_BODY_LIMIT:
                notes.append(
                    f"body cut at {CURL_BODY_LIMIT} bytes: this line sends less than diglot sent"
                )
        if notes:
            parts.append("# " + "; ".join(notes))
        return " ".join(parts)


def _wire_url(url: str) -> str | None:
    import httpx  # only here: ``import diglot`` stays light

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        return None
    host = parsed.raw_host.decode("ascii", "replace")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = "" if parsed.port is None else f":{parsed.port}"
    return f"{parsed.scheme}://{host}{port}{parsed.raw_path.decode('ascii', 'replace')}"


@dataclass(frozen=True, slots=True)
class Response:
    """A response as received (body possibly cut at the configured size limit).

    Attributes:
        status: HTTP status code.
        headers: header names lower-cased; repeated headers joined with ``, ``.
        body: the body bytes, decompressed.
        elapsed: seconds from sending to the last byte.
        truncated: the body was larger than the limit and was cut there.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float = 0.0
    truncated: bool = False

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` without parameters, lower-cased; empty when absent."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Exchange:
    """A case, the request made of it, and what came back.

    ``response`` is None when the transport failed; ``failure`` then says how
    (timeout, reset, oversized body, too many headers...).
    """

    case: Case
    request: Request
    response: Response | None
    failure: str | None = None


# --- findings ---------------------------------------------------------------------------


MESSAGE_LIMIT = 1000
"""Characters of a finding's message in ``describe()``."""
NAME_LIMIT = 100
"""Characters of a check id, operation id, content type or method in ``describe()``."""
URL_LIMIT = 2000
"""Characters of the request URL in ``describe()`` (the curl line repeats it whole)."""


class Severity(enum.StrEnum):
    """How bad a finding is.

    ``violation`` breaks what the documentation says; ``warning`` is a point the
    documentation leaves open (a strictness point) and fails a run only under ``--strict``.
    """

    VIOLATION = "violation"
    WARNING = "warning"


class Family(enum.StrEnum):
    """The families of contract checks; every reference-server fault names one."""

    PROTOCOL = "protocol"
    SCHEMA = "schema"
    EQUIVALENCE = "equivalence"
    PAGINATION = "pagination"
    SEMANTICS = "semantics"


@dataclass(frozen=True, slots=True)
class Finding:
    """One deviation from the documented contract, with the evidence for it.

    Attributes:
        check: id of the check that found it, e.g. ``schema.json``.
        family: the check's family.
        severity: violation or warning.
        message: the reason, one sentence.
        operation: the operation id, e.g. ``listGroups``.
        content_type: ``json`` or ``xml``.
        location: JSON pointer or XPath into the response body; empty for the whole exchange.
        expected: what the contract promises.
        actual: what came (truncated).
        request: the request that caused it (secrets already redacted).
        response: the response that shows it (body truncated by the reporter).
        seed: the hypothesis seed of the run, to reproduce it.
    """

    check: str
    family: str
    severity: Severity
    message: str
    operation: str
    content_type: str
    location: str = ""
    expected: str = ""
    actual: str = ""
    request: Request | None = field(default=None, compare=False)
    response: Response | None = field(default=None, compare=False)
    seed: int | None = field(default=None, compare=False)

    @property
    def signature(self) -> tuple[str, str, str, str, str]:
        """What makes two findings 'the same problem', for grouping repeated ones."""
        return (self.check, self.operation, self.content_type, self.location, self.message)

    def describe(self, *, limit: int = 400) -> str:
        """Render as Reason / Expected / Actual / Path / Request / Reproduce, each one line.

        Every field is server text or may hold some: each is made inert (``diglot._display``:
        control, bidi and newline characters shown as escapes) and cut, the message
        at ``MESSAGE_LIMIT`` characters and the others at ``limit``, so the lines are the
        only lines and no field can pose as another.
        """
        lines = [
            f"[{self.severity}] {inert(self.check, limit=NAME_LIMIT)} on "
            f"{inert(self.operation, limit=NAME_LIMIT)} ({inert(self.content_type, limit=NAME_LIMIT)})"
            f": {inert(self.message, limit=MESSAGE_LIMIT)}"
        ]
        if self.expected:
            lines.append(f"  Expected: {inert(self.expected, limit=limit)}")
        if self.actual:
            lines.append(f"  Actual:   {inert(self.actual, limit=limit)}")
        if self.location:
            lines.append(f"  Path:     {inert(self.location, limit=limit)}")
        if self.request is not None:
            request = self.request
            lines.append(
                f"  Request:  {inert(request.method, limit=NAME_LIMIT)} "
                f"{inert(request.sent_url, limit=URL_LIMIT)}"
            )
            if request.url[:8].lower().startswith(("http://", "https://")):
                lines.append(f"  Reproduce: {request.to_curl()}")
        if self.seed is not None:
            lines.append(f"  Seed:     {self.seed}")
        return "\n".join(lines)
