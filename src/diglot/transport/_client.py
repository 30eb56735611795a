"""Sending requests to the server under test, whatever that server does.

``Transport.send`` never raises for anything the server does: it returns a ``Response`` or a
sentence that says what went wrong (timeout, reset, empty reply, broken HTTP, oversized
headers...). Its guarantees:

- a total deadline per request (connect to last byte), ``Limits.timeout``: every blocking
  socket call gets at most the time left before the deadline, so a server that drips one byte
  a second, never finishes its headers, or never answers is cut off on time;
- bodies read streaming, decompressed in bounded steps and cut at ``Limits.max_body`` (after
  decompression), so a gzip bomb or an endless stream never fills memory;
- redirects are responses: nothing is followed, and a request whose URL leaves the target's
  origin (a ``nextUri`` pointing elsewhere) is refused, so the token only goes to the target;
- the bearer token is added on the wire only, and response bodies and header values are
  scrubbed of it (``Redactor``) before anything else sees them;
- staging manners: a throttled answer (DocuSign's 400 ``HOURLY_``/``BURST_APIINVOCATION_
  LIMIT_EXCEEDED``, 429, 503 with ``Retry-After``) is waited out when the wait it asks for is
  at most ``max_wait``, and otherwise ends the sending (``stopped``; every later ``send``
  returns a ``Throttled`` failure without sending); only what is safe to repeat is repeated
  (a GET; a POST only when the server certainly did not process it: 429 or DocuSign's throttle,
  never 503); ``max_requests`` counts requests on the wire, retries included; the account's
  ``X-RateLimit-Remaining`` is kept above ``rate_limit_margin``; ``rate_limit`` spaces
  requests.
"""

from __future__ import annotations

import email.utils
import errno
import functools
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpcore

from diglot._version import __version__
from diglot.errors import TargetUnreachable, UsageError
from diglot.model import Response
from diglot.transport._failures import (
    ConnectionFailure,
    Failure,
    NotSent,
    ProtocolFailure,
    SizeLimit,
    Throttled,
    TimeLimit,
    TlsFailure,
)
from diglot.transport._network import Clock, Pool, resolve, ssl_context
from diglot.transport._redact import Redactor

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    from diglot.model import Request
    from diglot.transport._auth import TokenSource

DEFAULT_USER_AGENT = f"diglot/{__version__}"
_ACCEPT_ENCODING = "gzip, deflate"
_MARGIN = 64 * 1024
"""Bytes read past ``max_body`` so that a token straddling the cut is still redacted whole."""
_BACKOFF_BASE = 0.5
_BURST_WINDOW = 30.0
"""DocuSign's burst limit counts calls per 30 seconds and publishes no reset time."""
_H11_HEADER_BUFFER = 100 * 1024
_MAX_SENTENCE = 300
_RETRIED = frozenset({429, 503})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
THROTTLING_CODES = frozenset(
    {"HOURLY_APIINVOCATION_LIMIT_EXCEEDED", "BURST_APIINVOCATION_LIMIT_EXCEEDED"}
)
"""The errorCodes DocuSign throttles with, on HTTP 400, before processing the request."""
_XML_ERROR_CODE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?errorCode>\s*([A-Z_]+)\s*</")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one request may cost.

    Attributes:
        timeout: total seconds per request, from connecting to the last body byte.
        max_body: body bytes kept, after decompression; a longer body is cut there and the
            response marked ``truncated``.
        max_header_bytes: total size of the response headers (names, values, separators).
            HTTP/1.1 parsing also refuses a header block over 100 KiB, whatever this says.
        max_headers: number of response header lines.

    Example:
        >>> Limits(timeout=2.0, max_body=2**20).max_headers
        256
    """

    timeout: float = 10.0
    max_body: int = 8 * 2**20
    max_header_bytes: int = 64 * 1024
    max_headers: int = 256

    def __post_init__(self) -> None:
        for name in ("timeout", "max_body", "max_header_bytes", "max_headers"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise UsageError(
                    f"Limits.{name} must be a positive number, got {value!r} "
                    f"({type(value).__name__})"
                )


@dataclass(slots=True)
class TransportStats:
    """Counters of one transport's activity.

    Attributes:
        requests: requests put on the wire, retries included.
        retries: requests repeated after a 429 or 503.
        waited: seconds spent waiting (retry delays and rate limiting).
        failures: requests that ended without a response.
        throttled: answers that were throttling (429, 503 with Retry-After, DocuSign's 400).
        remaining: the account's ``X-RateLimit-Remaining`` as last seen, or None.
    """

    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    failures: int = 0
    throttled: int = 0
    remaining: int | None = None


# --- bodies --------------------------------------------------------------------------------


class _Unreadable(Exception):
    """The body cannot be decoded; the message is the failure sentence."""


class _Inflater:
    """zlib/gzip/raw-deflate decompression that never produces more than it is asked for."""

    __slots__ = ("_encoding", "_wbits", "_zlib")

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._wbits = 31 if encoding == "gzip" else 0  # deflate: decided by the first bytes
        self._zlib: Any = zlib.decompressobj(31) if encoding == "gzip" else None

    def feed(self, data: bytes, room: int) -> bytes:
        if self._zlib is None:
            if not data:
                return b""
            zlib_header = (
                len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            )
            self._wbits = 15 if zlib_header else -15
            self._zlib = zlib.decompressobj(self._wbits)
        out: list[bytes] = []
        try:
            while data and room > 0:
                piece = self._zlib.decompress(data, room)
                out.append(piece)
                room -= len(piece)
                if self._zlib.eof:
                    data = self._zlib.unused_data
                    if data:  # another gzip member follows
                        self._zlib = zlib.decompressobj(self._wbits)
                else:
                    data = self._zlib.unconsumed_tail
        except zlib.error as error:
            raise _Unreadable(f"the {self._encoding} body is corrupt ({error})") from None
        return b"".join(out)

    @property
    def complete(self) -> bool:
        return self._zlib is None or bool(self._zlib.eof)


def _inflater(encoding: str) -> _Inflater | None:
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    raise _Unreadable(
        f"the response uses Content-Encoding {encoding!r}, which diglot did not accept "
        f"(it sends Accept-Encoding: {_ACCEPT_ENCODING})"
    )


# --- retries -------------------------------------------------------------------------------


def retry_delay(headers: Mapping[str, str], attempt: int, *, now: float | None = None) -> float:
    """Seconds to wait before repeating a request answered 429 or 503.

    In order: ``Retry-After`` (seconds or an HTTP date); DocuSign's hourly budget
    (``X-RateLimit-Remaining: 0`` with ``X-RateLimit-Reset``, epoch seconds); DocuSign's burst
    budget (``X-BurstLimit-Remaining: 0``: its 30-second window); else an exponential backoff
    of 0.5 s doubled per attempt. The caller caps the result with its ``max_wait``.

    Args:
        headers: the response headers, names lower-cased.
        attempt: how many times this request was already repeated (0 for the first).
        now: the current epoch time (for tests); ``time.time()`` when omitted.

    Returns:
        Non-negative seconds.

    Example:
        >>> retry_delay({"retry-after": "3"}, 0)
        3.0
    """
    now = time.time() if now is None else now
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - now)
    if headers.get("x-ratelimit-remaining", "").strip() == "0":
        try:
            reset = float(headers.get("x-ratelimit-reset", "").strip())
        except ValueError:
            reset = None
        if reset is not None:
            return max(0.0, reset - now)
    if headers.get("x-burstlimit-remaining", "").strip() == "0":
        return _BURST_WINDOW
    return float(_BACKOFF_BASE * 2**attempt)


def throttling(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """Why an answer is throttling, or None: the server refused to serve the request *now*.

    DocuSign throttles with HTTP 400 and ``errorCode`` ``HOURLY_APIINVOCATION_LIMIT_EXCEEDED``
    or ``BURST_APIINVOCATION_LIMIT_EXCEEDED`` (in JSON or XML); others with 429, or 503 with
    ``Retry-After``.

    Example:
        >>> throttling(429, {}, b"")
        '429 Too Many Requests'
    """
    if status == 429:
        return "429 Too Many Requests"
    if status == 503 and "retry-after" in headers:
        return "503 with Retry-After"
    if status == 400 and b"APIINVOCATION_LIMIT_EXCEEDED" in body:
        code: object = None
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            match = _XML_ERROR_CODE.search(body)
            code = match.group(1).decode("ascii") if match else None
        else:
            code = data.get("errorCode") if isinstance(data, dict) else None
        if code in THROTTLING_CODES:
            return f"400 {code}"
    return None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers.get(name, "").strip())
    except ValueError:
        return None


# --- failures ------------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname.lower(), port


def _cause(error: BaseException) -> BaseException:
    """The socket-level error under an httpcore one, when there is one."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, OSError):
            return current
        current = current.__cause__ or current.__context__
    return error


def _explain(
    error: BaseException, *, headers_seen: bool, received: int, where: str, limits: Limits
) -> Failure:
    """One sentence for a failed request: what happened, at which stage."""
    text = str(error) or type(error).__name__
    stage = f"after {received} bytes of the body" if headers_seen else "before the response headers"
    if isinstance(error, httpcore.ConnectTimeout):
        if "handshake" in text:
            return TimeLimit(f"the TLS handshake with {where} did not finish within the time limit")
        return TimeLimit(f"connecting to {where} did not succeed within the time limit ({text})")
    if isinstance(error, httpcore.TimeoutException):
        # per-read timeouts equal the total limit, and the deadline clamps them: either way
        # the request's time ran out
        if headers_seen:
            return TimeLimit(
                f"the body did not finish within the time limit of {limits.timeout:g} s "
                f"({received} bytes received); the request was abandoned"
            )
        return TimeLimit(
            f"no complete response headers within the time limit of {limits.timeout:g} s; "
            "the request was abandoned"
        )
    if isinstance(error, httpcore.ConnectError):
        cause = _cause(error)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TlsFailure(
                f"the TLS certificate of {where} is not trusted ({cause.verify_message})"
            )
        if isinstance(cause, ssl.SSLError):
            return TlsFailure(f"the TLS handshake with {where} failed ({cause.reason or cause})")
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return ConnectionFailure(
                f"the connection to {where} was refused (nothing listens there)"
            )
        return ConnectionFailure(f"cannot connect to {where} ({text})")
    if isinstance(error, httpcore.RemoteProtocolError):
        if "without sending a response" in text or "Server disconnected" in text:
            return ProtocolFailure(
                "the server closed the connection without sending a response (empty reply)"
            )
        if "Receive buffer too long" in text:
            return SizeLimit(
                f"the response headers are larger than {_H11_HEADER_BUFFER // 1024} KiB "
                f"(limit {limits.max_header_bytes} bytes); they were not read"
            )
        if "status line" in text:
            return ProtocolFailure(f"the status line is malformed ({text})")
        if "incomplete" in text or "peer closed" in text:
            return ConnectionFailure(
                f"the connection closed before the body was complete ({text}, {stage})"
            )
        return ProtocolFailure(f"the response is not valid HTTP/1.1 ({text}, {stage})")
    if isinstance(error, httpcore.ReadError | httpcore.WriteError | ConnectionError):
        cause = _cause(error)
        if isinstance(cause, ConnectionResetError) or "reset" in text.lower():
            return ConnectionFailure(f"the connection was reset by the server {stage}")
        return ConnectionFailure(f"the connection broke {stage} ({text})")
    if isinstance(error, _UnusableURL):
        return NotSent(f"the request URL is not usable ({text})")
    return Failure(f"the request failed unexpectedly {stage}: {type(error).__name__}: {text}")


# --- the request on the wire -------------------------------------------------------------


class _UnusableURL(Exception):
    """httpx's URL parser refused the URL; the message says why."""


@functools.lru_cache(maxsize=1024)
def _parsed(url: str) -> tuple[httpcore.URL, bytes]:
    """The URL as httpcore sends it (percent-encoded, dot segments removed) and its ``Host``.

    httpx's own parser, so that a URL goes out exactly as ``httpx.Client`` sent it; cached,
    because list and pagination URLs repeat.

    Raises:
        _UnusableURL: a control character, an unsupported scheme, no host...
    """
    import httpx  # here only: importing httpx costs about 50 ms of every run's start

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise _UnusableURL(str(error)) from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise _UnusableURL(f"{url[:200]!r} is not an http:// or https:// URL with a host")
    wire = httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )
    return wire, parsed.netloc


# What httpx's parser leaves as it is (httpx/_urlparse.py, the WHATWG percent-encode sets):
# printable ASCII but these characters, and %XX escapes.
_PATH_KEPT = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '"#<>?`{}%')
_QUERY_KEPT = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '"#<>%')
_KEPT_AS_IT_IS = re.compile(
    f"/(?:[{re.escape(_PATH_KEPT)}]|%[0-9A-Fa-f]{{2}})*"
    f"(?:\\?(?:[{re.escape(_QUERY_KEPT)}]|%[0-9A-Fa-f]{{2}})*)?"
)
_PLAIN_ORIGIN = re.compile(r"(https?)://([a-z0-9][a-z0-9.-]*)(?::([0-9]{1,5}))?(?=/|$)")
_MAX_URL = 65536  # httpx refuses longer ones


class _Targets:
    """Request URLs of one target as httpx sends them, most without httpx.

    A URL at the target's plain origin (lower-case host name or IPv4, as the base URL spells
    it) whose path and query httpx would leave as they are (no character to escape, no dot
    segment) is taken apart here; any other goes through httpx's parser (``_parsed``).
    tests/transport/test_wire.py compares the two on generated URLs.
    """

    def __init__(self, base_url: str) -> None:
        self._prefix: str | None = None
        self._netloc = b""
        self._parts: tuple[bytes, bytes, int | None] = (b"", b"", None)
        match = _PLAIN_ORIGIN.match(base_url)
        if match is None or not _plain_host(match.group(2)):
            return
        scheme, host, port_text = match.groups()
        port = int(port_text) if port_text else None
        if port is not None and not 0 < port < 65536:
            return
        if port == (443 if scheme == "https" else 80):
            port = None  # httpx leaves a default port out, of the Host header too
        self._prefix = match.group(0)
        self._parts = (scheme.encode(), host.encode(), port)
        self._netloc = (host if port is None else f"{host}:{port}").encode()

    def parsed(self, url: str) -> tuple[httpcore.URL, bytes]:
        """The URL as httpcore sends it and the ``Host`` header (see ``_parsed``).

        Raises:
            _UnusableURL: httpx would refuse the URL.
        """
        prefix = self._prefix
        if prefix is not None and url.startswith(prefix) and len(url) <= _MAX_URL:
            rest = url[len(prefix) :]
            if "/." not in rest.partition("?")[0] and _KEPT_AS_IT_IS.fullmatch(rest):
                scheme, host, port = self._parts
                target = rest.encode("ascii")
                return httpcore.URL(scheme=scheme, host=host, port=port, target=target), (
                    self._netloc
                )
        return _parsed(url)


def _plain_host(host: str) -> bool:
    """A host name httpx takes as it is: not all digits and dots, or a valid IPv4 address."""
    if host.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
    return ".." not in host and not host.endswith("-")


_CONTENT_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _joined(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    """Every value of the header ``name`` (lower case), joined by ", " as httpx joins them."""
    return ", ".join(value.decode("latin-1") for key, value in headers if key.lower() == name)


def _wire_headers(
    defaults: list[tuple[bytes, bytes, bytes]],
    method: str,
    headers: Mapping[str, str],
    host: bytes,
    body: bytes,
) -> list[tuple[bytes, bytes]]:
    """The header lines of a request, in httpx's order and with its defaults.

    ``defaults`` (``Accept: */*``, ``Connection``, ``User-Agent``, ``Accept-Encoding``, as
    ``(name, lower name, value)``) give way to a request header of the same name, which goes
    after them; then ``Content-Length`` of a body, and first ``Host`` (and ``Content-Length:
    0`` for a POST, PUT or PATCH without one), unless the request sets them.

    Raises:
        UnicodeEncodeError: a header name or value that is not ASCII.
    """
    names = {name.lower() for name in headers}
    lines = [(name, value) for name, lower, value in defaults if lower.decode() not in names]
    lines += [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
    auto: list[tuple[bytes, bytes]] = []
    if "host" not in names:
        auto.append((b"Host", host))
    if body:
        if "content-length" not in names:
            lines.append((b"Content-Length", str(len(body)).encode("ascii")))
    elif method in _CONTENT_METHODS and not names & {"content-length", "transfer-encoding"}:
        auto.append((b"Content-Length", b"0"))
    return auto + lines


# --- the transport ---------------------------------------------------------------------------


class Transport:
    """Sends ``Request`` objects to one target, within limits, and never raises for the server.

    Args:
        base_url: the target's base URL (``…/restapi``); requests may only go to its origin.
        token: the bearer token, sent as ``Authorization: Bearer …`` with authenticated
            requests and scrubbed from everything received.
        limits: time, body and header bounds per request.
        rate_limit: most requests per second (retries included); None for no cap.
        max_retries: how many times a 429 or 503 answer is retried before it is returned.
        max_wait: the longest single wait, in seconds: a throttled answer that asks for a
            longer one (or whose reset is further away) stops the sending instead.
        max_requests: requests put on the wire at most, retries included; None for no cap.
        rate_limit_margin: keep the account's ``X-RateLimit-Remaining`` above this many
            calls: at the margin, wait for ``X-RateLimit-Reset`` (within ``max_wait``) or stop.
        user_agent: the ``User-Agent`` header.
        verify: TLS verification: True, False, a CA bundle path or an ``ssl.SSLContext``.
        auth: where tokens come from when they change (``diglot.transport._auth``).
        proxy: a forward proxy URL (``http://proxy:3128``); None connects directly. The
            environment is never read here (``trust_env`` stays off).

    Attributes:
        redactor: scrubs the token (in any encoding) from bytes and text.
        stats: counters of requests, retries and waiting.
        stopped: why the transport stopped sending (throttled beyond ``max_wait``), or None;
            once set, ``send`` sends nothing and returns a ``Throttled`` failure.

    Example:
        >>> with Transport("http://127.0.0.1:8000/restapi", token="t0k3n-abc") as transport:
        ...     response, failure = transport.send(request)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        limits: Limits = Limits(),
        rate_limit: float | None = None,
        max_retries: int = 3,
        max_wait: float = 30.0,
        max_requests: int | None = None,
        rate_limit_margin: int = 0,
        user_agent: str = DEFAULT_USER_AGENT,
        verify: ssl.SSLContext | str | bool = True,
        auth: TokenSource | None = None,
        proxy: str | None = None,
    ) -> None:
        try:
            self._origin = _origin(base_url)
        except ValueError as error:
            raise UsageError(f"the base URL is not usable: {error}") from None
        if rate_limit is not None and rate_limit <= 0:
            raise UsageError(f"rate_limit must be a positive number, got {rate_limit!r}")
        if max_retries < 0 or max_wait < 0:
            raise UsageError("max_retries and max_wait must not be negative")
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.max_requests = max_requests
        self.rate_limit_margin = rate_limit_margin
        self.stopped: str | None = None
        self._not_before = 0.0
        """``time.monotonic()`` before which nothing is sent (a 503's Retry-After, a reset)."""
        # JSON may escape "/" as "\/" (PHP does by default): that spelling is a secret too.
        self.redactor = Redactor([token, token.replace("/", "\\/") if token else None])
        self.stats = TransportStats()
        self._token = token
        self.auth = auth
        """Where tokens come from when they change (JWT grant, token command); renewed once
        per request after a 401, each new one added to the redactor."""
        if auth is not None and hasattr(auth, "on_new"):
            auth.on_new = self.redactor.add
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._next_slot = 0.0
        self._pace_lock = threading.Lock()
        self._clock = Clock()
        # httpcore directly: no redirect is followed, no cookie kept, no environment read
        self._pool = Pool(self._clock, verify, proxy, tls=self._origin[0] == "https")
        self._targets = _Targets(self.base_url)
        self._defaults = [
            (name, name.lower(), value.encode("ascii"))
            for name, value in (
                (b"Accept", "*/*"),
                (b"Connection", "keep-alive"),
                (b"User-Agent", user_agent),
                (b"Accept-Encoding", _ACCEPT_ENCODING),
            )
        ]
        timeout = limits.timeout
        self._extensions = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r}, limits={self.limits!r})"

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._pool.close()

    @property
    def spent(self) -> bool:
        """Whether ``max_requests`` requests are on the wire already."""
        return self.max_requests is not None and self.stats.requests >= self.max_requests

    def send(self, request: Request) -> tuple[Response | None, Failure | None]:
        """Send one request; wait out throttling and retry what is safe to repeat.

        A throttled answer that asks for a wait within ``max_wait`` is waited out and the
        request repeated when that is safe (a GET; a POST on 429 or DocuSign's throttle, which
        refuse before processing, never on 503); plain 503s of a GET are retried with backoff.
        A longer wait sets ``stopped`` and the throttled answer is returned.

        Args:
            request: the request, with an absolute URL at the target's origin.

        Returns:
            ``(response, None)``, or ``(None, sentence)`` when no usable response came:
            the sentence says what went wrong and never holds the token.
        """
        if self.stopped is not None:
            return None, Throttled(f"not sent: {self.stopped}")
        scheme, host, port = self._origin
        where = f"{host}:{port}"
        try:
            if _origin(request.url) != self._origin:
                self.stats.failures += 1
                return None, NotSent(
                    self.redactor.text(
                        f"not sent: {request.url[:200]} is outside the target "
                        f"{scheme}://{host}:{port}, and diglot only talks to the target"
                    )
                )
        except ValueError as error:
            self.stats.failures += 1
            return None, NotSent(self.redactor.text(f"not sent: {error}")[:_MAX_SENTENCE])
        headers = dict(request.headers)
        if request.authenticated and self.auth is not None:
            headers["Authorization"] = f"Bearer {self.auth.token()}"
        elif request.authenticated and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        attempt = 0
        renewed = False
        while True:
            self._pace()
            response, failure = self._send_once(request, headers, where)
            if response is None:
                self.stats.failures += 1
                return None, failure
            if (
                response.status == 401
                and "Authorization" in headers
                and self.auth is not None
                and not renewed
                and self.auth.refresh()
            ):
                renewed = True  # once per request: a new token, then the answer stands
                headers["Authorization"] = f"Bearer {self.auth.token()}"
                continue
            throttled = throttling(response.status, response.headers, response.body)
            if self._note_budget(response.headers, throttled):
                if throttled is not None:
                    self.stats.throttled += 1
                return response, None  # the account's budget is at the margin: stop here
            if throttled is None and response.status not in _RETRIED:
                return response, None
            delay = retry_delay(response.headers, attempt)
            if throttled is not None:
                self.stats.throttled += 1
                if delay > self.max_wait:
                    self.stopped = (
                        f"the target throttles ({throttled}) and asks for a wait of "
                        f"{delay:.0f} s, longer than --max-wait {self.max_wait:g} s"
                    )
                    return response, None
            # a POST answered 503 may have been processed: never repeated, but the next
            # request waits as asked
            safe = request.method.upper() in _SAFE_METHODS or response.status != 503
            if not safe:
                if throttled is not None:
                    self._hold(delay)
                return response, None
            if attempt >= self.max_retries or self.spent:
                if throttled is not None and not self.spent:
                    self.stopped = (
                        f"the target still throttles ({throttled}) after {attempt} retries"
                    )
                return response, None
            self._wait(min(self.max_wait, delay))
            attempt += 1
            self.stats.retries += 1

    def _note_budget(self, headers: Mapping[str, str], throttled: str | None) -> bool:
        """Keep the account's hourly budget above the margin: wait for its reset, or stop.

        Returns:
            True when the sending stops here (``stopped`` says why).
        """
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if remaining is None:
            return False
        self.stats.remaining = remaining
        if remaining > self.rate_limit_margin:
            return False
        reset = _int_header(headers, "x-ratelimit-reset")
        wait = max(0.0, reset - time.time()) if reset is not None else None
        if wait is None or wait > self.max_wait:
            when = f"resets in {wait:.0f} s" if wait is not None else "gives no reset time"
            self.stopped = (
                (f"the target throttles ({throttled}): " if throttled else "")
                + f"the account's API budget is down to {remaining} calls "
                f"(X-RateLimit-Remaining; --rate-limit-margin {self.rate_limit_margin}) and "
                f"{when}, later than --max-wait {self.max_wait:g} s allows"
            )
            return True
        self._hold(wait)
        return False

    def _hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (at most ``max_wait``) from now."""
        until = time.monotonic() + min(seconds, self.max_wait)
        self._not_before = max(self._not_before, until)

    def _pace(self) -> None:
        with self._pace_lock:
            now = time.monotonic()
            if self._not_before > now:
                self._wait(self._not_before - now)
                now = time.monotonic()
            if not self._interval:
                return
            if self._next_slot > now:
                self._wait(self._next_slot - now)
                now = self._next_slot
            self._next_slot = now + self._interval

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
            self.stats.waited += seconds

    def _send_once(
        self, request: Request, headers: dict[str, str], where: str
    ) -> tuple[Response | None, Failure | None]:
        limits = self.limits
        self.stats.requests += 1
        headers_seen = False
        received = 0
        start = time.monotonic()
        self._clock.start(limits.timeout)
        try:
            url, host = self._targets.parsed(request.url)
            method = request.method.upper()
            body = request.body
            outgoing = httpcore.Request(
                method,
                url,
                headers=_wire_headers(self._defaults, method, headers, host, body),
                content=body,
                extensions=self._extensions,
            )
            raw = self._pool.handle(outgoing)
            headers_seen = True
            try:
                problem = self._header_problem(raw.headers)
                if problem:
                    return None, SizeLimit(problem)
                inflater = _inflater(_joined(raw.headers, b"content-encoding"))
                keep = limits.max_body + _MARGIN
                parts: list[bytes] = []
                kept = 0
                stream = raw.stream
                if not isinstance(stream, Iterable):  # pragma: no cover - the sync pool streams
                    raise TypeError("httpcore returned an asynchronous stream")
                for chunk in stream:
                    received += len(chunk)
                    data = inflater.feed(chunk, keep - kept) if inflater else chunk
                    parts.append(data)
                    kept += len(data)
                    if kept >= keep:
                        break
                else:
                    if inflater is not None and not inflater.complete:
                        raise _Unreadable(
                            "the compressed body ends before its compressed stream does"
                        )
            finally:
                raw.close()
        except _Unreadable as error:
            return None, ProtocolFailure(self.redactor.text(str(error))[:_MAX_SENTENCE])
        except Exception as error:  # anything the server can provoke becomes a sentence
            sentence = _explain(
                error, headers_seen=headers_seen, received=received, where=where, limits=limits
            )
            return None, type(sentence)(self.redactor.text(sentence)[:_MAX_SENTENCE])
        finally:
            self._clock.stop()
        received_body = b"".join(parts)
        truncated = len(received_body) > limits.max_body
        received_body = self.redactor.bytes(received_body)
        if truncated:
            received_body = received_body[: limits.max_body]
        return Response(
            status=raw.status,
            headers=self._headers(raw.headers),
            body=received_body,
            elapsed=time.monotonic() - start,
            truncated=truncated,
        ), None

    def _header_problem(self, raw: list[tuple[bytes, bytes]]) -> str | None:
        limits = self.limits
        if len(raw) > limits.max_headers:
            return (
                f"the response has {len(raw)} header lines, more than the limit of "
                f"{limits.max_headers}; it was not read"
            )
        size = sum(len(name) + len(value) + 4 for name, value in raw)
        if size > limits.max_header_bytes:
            return (
                f"the response headers take {size} bytes, more than the limit of "
                f"{limits.max_header_bytes}; they were not read"
            )
        return None

    def _headers(self, raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name_bytes, value_bytes in raw:
            name = name_bytes.decode("latin-1").lower()
            value = self.redactor.text(value_bytes.decode("latin-1"))
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return headers


def check_reachable(
    base_url: str, *, timeout: float = 10.0, verify: ssl.SSLContext | str | bool = True
) -> None:
    """Make sure something answers at ``base_url``: the name resolves, TCP and TLS connect.

    No HTTP request is sent; an unusable server that does accept connections is judged
    request by request instead.

    Args:
        base_url: the target's base URL.
        timeout: seconds for each step (resolution, connection, TLS handshake).
        verify: TLS verification, as for ``Transport``.

    Raises:
        UsageError: ``base_url`` is not an http(s) URL with a host.
        TargetUnreachable: the name does not resolve, the connection is refused or times out,
            or the TLS handshake fails; the message says which and what to check.

    Example:
        >>> check_reachable("http://127.0.0.1:9/restapi", timeout=1)  # doctest: +SKIP
        Traceback (most recent call last):
        diglot.errors.TargetUnreachable: the connection to 127.0.0.1:9 was refused ...
    """
    try:
        scheme, host, port = _origin(base_url)
    except ValueError as error:
        raise UsageError(f"the base URL is not usable: {error}") from None
    where = f"{host}:{port}"
    try:
        addresses = resolve(host, port, timeout)
    except httpcore.ConnectTimeout:
        raise TargetUnreachable(
            f"the host name {host!r} of {base_url} did not resolve within {timeout:g} s; "
            "check the network and DNS"
        ) from None
    except httpcore.ConnectError as error:
        raise TargetUnreachable(f"{error}; check --base-url ({base_url})") from None
    last: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout=timeout)
        except OSError as error:
            last = error
            continue
        try:
            if scheme == "https":
                context = ssl_context(verify)
                with context.wrap_socket(sock, server_hostname=host):
                    pass
        except ssl.SSLCertVerificationError as error:
            raise TargetUnreachable(
                f"the TLS certificate of {where} is not trusted ({error.verify_message}); "
                "pass a CA bundle or fix the certificate"
            ) from None
        except (ssl.SSLError, OSError) as error:
            raise TargetUnreachable(
                f"the TLS handshake with {where} failed ({error}); is it an https server?"
            ) from None
        finally:
            sock.close()
        return
    if isinstance(last, ConnectionRefusedError):
        raise TargetUnreachable(
            f"the connection to {where} was refused: nothing listens there; "
            f"is the server running and is --base-url ({base_url}) right?"
        )
    if isinstance(last, TimeoutError):
        raise TargetUnreachable(
            f"no answer from {where} within {timeout:g} s (connecting timed out); "
            "check the address and any firewall"
        )
    raise TargetUnreachable(f"cannot connect to {where} ({last}); check --base-url ({base_url})")
