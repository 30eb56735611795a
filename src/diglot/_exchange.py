"""What travels: a generated case, the request made of it, the response, the exchange."""

from __future__ import annotations

import enum
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from diglot._types import JSONValue

TOKEN_PLACEHOLDER = "$DIGLOT_TOKEN"


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

    def to_curl(self) -> str:
        """A curl command line that repeats this request (token read from the environment)."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.authenticated:
            parts += ["-H", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"']
        if self.body:
            text = self.body.decode("utf-8", errors="replace")
            if len(text) > 2000:
                text = text[:2000]
                parts += ["--data-binary", shlex.quote(text), "# body truncated"]
            else:
                parts += ["--data-binary", shlex.quote(text)]
        return " ".join(parts)


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
