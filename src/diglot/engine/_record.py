"""Traffic as HAR 1.2: what a run records, and what diglot reads back from any recorder.

``Recorder`` keeps the exchanges of a run within a size limit: every one of them under
``diglot run --record``, otherwise only the exchanges that failed (and the JSON answer to the
same request, which an equivalence finding needs), so that a failing run can always be
replayed. ``write_har`` writes them with the ``harfile`` writer, redacted; ``read_har`` reads a
HAR written by diglot, a browser, mitmproxy or schemathesis into requests and responses.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from diglot.errors import UsageError
from diglot.model import Exchange, Request, Response, Severity

if TYPE_CHECKING:
    from diglot.contracts import Observation
    from diglot.transport import Redactor

TRAFFIC_FILE = "traffic.har"
"""Every exchange of a run recorded with ``--record``."""
FAILURES_FILE = "failures.har"
"""The failing exchanges of a run, saved without ``--record``."""
DEFAULT_RECORD_LIMIT = 64 * 1024 * 1024
"""Bytes of bodies and URLs a run records before it stops recording."""
MAX_HAR_BYTES = 512 * 1024 * 1024
"""The largest HAR file diglot reads."""
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-docusign-authentication"}
)
"""Headers never written to a HAR and never taken from one."""
_HOP_HEADERS = frozenset(
    {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}
)
"""Request headers the sending client sets for itself: not taken from a HAR."""
_RECENT = 64
"""Exchanges kept, without ``--record``, in case a later finding needs them (its JSON pair)."""
_RECENT_BYTES = 4 * 1024 * 1024
"""Body bytes those recent exchanges may hold together: a run against a server that sends
megabyte bodies (a compression bomb cut at --max-body) keeps its memory bounded."""
FAILURES_LIMIT = 16 * 1024 * 1024
"""Bytes ``failures.har`` records (without ``--record``): enough to replay what failed."""


@dataclass
class Recorder:
    """The exchanges of a run, kept for a HAR file within ``limit`` bytes.

    Without ``everything`` (``--record``), an exchange is kept when it fails, with the
    earlier answer to the same request (the JSON one an equivalence finding compares with),
    and so is every request that may change state (anything but GET and HEAD): a replay of
    the failing exchanges then meets the same data.

    Args:
        everything: keep every exchange (``--record``), not only the failing ones.
        limit: bytes of URLs and bodies kept; past it nothing more is kept and ``full`` says so.
    """

    everything: bool = False
    limit: int = DEFAULT_RECORD_LIMIT
    size: int = 0
    full: bool = False
    dropped: int = 0
    _kept: dict[int, tuple[int, Exchange]] = field(default_factory=dict)
    _recent: deque[tuple[int, Exchange]] = field(default_factory=lambda: deque(maxlen=_RECENT))
    _seq: int = 0

    @property
    def file_name(self) -> str:
        return TRAFFIC_FILE if self.everything else FAILURES_FILE

    @property
    def kept(self) -> list[Exchange]:
        """What was kept, in the order it was sent."""
        return [exchange for _, exchange in sorted(self._kept.values(), key=lambda t: t[0])]

    def sent(self, exchange: Exchange) -> None:
        """See an exchange as it is made."""
        self._seq += 1
        if self.everything or exchange.request.method not in ("GET", "HEAD"):
            self._keep(self._seq, exchange)
            return
        self._recent.append((self._seq, exchange))
        while len(self._recent) > 1 and sum(_cost(e) for _, e in self._recent) > _RECENT_BYTES:
            self._recent.popleft()

    def judged(self, obs: Observation) -> None:
        """See the findings of an exchange; a violation keeps it (and its JSON pair)."""
        if self.everything or not any(f.severity is Severity.VIOLATION for f in obs.findings):
            return
        exchange = obs.exchange
        request = exchange.request
        for seq, earlier in self._recent:
            if earlier is exchange or (
                earlier.request.method == request.method
                and earlier.request.url == request.url
                and earlier.request.body == request.body
            ):
                self._keep(seq, earlier)
        if id(exchange) not in self._kept:  # judged long after it was sent
            self._keep(self._seq, exchange)

    def _keep(self, seq: int, exchange: Exchange) -> None:
        if id(exchange) in self._kept:
            return
        cost = _cost(exchange)
        limit = self.limit if self.everything else min(self.limit, FAILURES_LIMIT)
        if self.full or self.size + cost > limit:
            self.full = True
            self.dropped += 1
            return
        self.size += cost
        self._kept[id(exchange)] = (seq, exchange)

    def limit_note(self) -> str | None:
        """The sentence a report shows when the limit was hit, else None."""
        if not self.full:
            return None
        return (
            f"the traffic record reached its limit "
            f"({self.limit if self.everything else min(self.limit, FAILURES_LIMIT)} bytes): "
            f"{self.dropped} later "
            f"exchange(s) are not in {self.file_name}"
        )


def _cost(exchange: Exchange) -> int:
    response = exchange.response
    body = len(response.body) if response is not None else 0
    return len(exchange.request.url) + len(exchange.request.body) + body + 512


# -- writing --------------------------------------------------------------------------------


def write_har(exchanges: list[Exchange], out: TextIO, *, redactor: Redactor) -> None:
    """Write the exchanges as a HAR 1.2 document to ``out``, one entry at a time.

    Streamed: a run's record holds up to 16 MB of bodies, and building the whole document in
    memory first took several times that.
    """
    import harfile

    from diglot._version import __version__

    with harfile.HarFile(out, creator=harfile.Creator(name="diglot", version=__version__)) as har:
        for exchange in exchanges:
            request = exchange.request
            response = exchange.response
            url = redactor.text(request.url)
            headers = [
                harfile.Record(name=name, value=redactor.text(value))
                for name, value in request.headers.items()
                if name.lower() not in SECRET_HEADERS
            ]
            post = None
            if request.body:
                post = harfile.PostData(
                    mimeType=request.headers.get("Content-Type", ""),
                    text=_text(redactor.bytes(request.body))[0],
                )
            query = [
                harfile.Record(name=name, value=value)
                for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            ]
            har_request = harfile.Request(
                method=request.method,
                url=url,
                httpVersion="HTTP/1.1",
                headers=headers,
                queryString=query,
                postData=post,
                bodySize=len(request.body),
                comment="authenticated" if request.authenticated else None,
            )
            if response is None:
                har_response = harfile.Response(
                    status=0,
                    statusText="",
                    httpVersion="",
                    comment=redactor.text(exchange.failure or "no response"),
                )
                elapsed = 0.0
            else:
                body = redactor.bytes(response.body)
                text, encoding = _text(body)
                har_response = harfile.Response(
                    status=response.status,
                    statusText="",
                    httpVersion="HTTP/1.1",
                    headers=[
                        harfile.Record(name=name, value=redactor.text(value))
                        for name, value in response.headers.items()
                        if name.lower() not in SECRET_HEADERS
                    ],
                    content=harfile.Content(
                        size=len(body),
                        mimeType=response.headers.get("content-type", ""),
                        text=text,
                        encoding=encoding,
                        comment="cut at the size limit" if response.truncated else None,
                    ),
                    bodySize=len(body),
                )
                elapsed = response.elapsed
            har.add_entry(
                startedDateTime=datetime.now(UTC),
                time=round(elapsed * 1000, 3),
                request=har_request,
                response=har_response,
                timings=harfile.Timings(send=0, wait=round(elapsed * 1000, 3), receive=0),
                comment=f"{exchange.case.operation} [{exchange.case.content_type}]",
            )


def _text(body: bytes) -> tuple[str, str | None]:
    """A body as HAR text: UTF-8 as it is, anything else in base64."""
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    """One HAR entry: the request, and the response when one came."""

    request: Request
    response: Response | None


def har_file(path: Path) -> Path:
    """The HAR a path names: the file, or the record in a report folder."""
    if path.is_dir():
        for name in (TRAFFIC_FILE, FAILURES_FILE):
            if (path / name).is_file():
                return path / name
        raise UsageError(
            f"{path} holds no {TRAFFIC_FILE} or {FAILURES_FILE}: record a run with "
            "diglot run --record, or name a HAR file"
        )
    return path


def read_har(path: Path) -> list[Recorded]:
    """Read every entry of a HAR 1.2 file (any recorder).

    Credential headers (``Authorization``, cookies) are dropped as they are read.

    Raises:
        UsageError: the file cannot be read or is no HAR.
    """
    try:
        if path.stat().st_size > MAX_HAR_BYTES:
            raise UsageError(f"{path} is larger than {MAX_HAR_BYTES} bytes")
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, RecursionError):
        raise UsageError(f"{path} is not JSON, so not a HAR file") from None
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{path} is no HAR file: it has no log.entries list")
    recorded = []
    for index, entry in enumerate(entries):
        try:
            recorded.append(_entry(entry))
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
            raise UsageError(
                f"{path}: entry {index} is not a HAR entry (request method, url; response "
                "status, headers, content)"
            ) from None
    return recorded


def _entry(entry: dict[str, Any]) -> Recorded:
    request = entry["request"]
    headers = {
        str(h["name"]): str(h["value"])
        for h in request.get("headers", [])
        if str(h["name"]).lower() not in SECRET_HEADERS | _HOP_HEADERS
        and not str(h["name"]).startswith(":")
    }
    body = b""
    post = request.get("postData")
    if isinstance(post, dict) and post.get("text") is not None:
        body = _bytes(post["text"], post.get("encoding"))
        if post.get("mimeType") and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = str(post["mimeType"])
    authenticated = request.get("comment") == "authenticated" or any(
        str(h["name"]).lower() == "authorization" for h in request.get("headers", [])
    )
    req = Request(
        str(request["method"]).upper(),
        str(request["url"]),
        headers,
        body,
        authenticated=authenticated,
    )
    response = entry.get("response")
    if not isinstance(response, dict) or not int(response.get("status") or 0):
        return Recorded(req, None)  # browsers record a failed request with status 0
    answer_headers: dict[str, str] = {}
    for h in response.get("headers", []):
        name = str(h["name"]).lower()
        if name in SECRET_HEADERS or name.startswith(":"):
            continue
        value = str(h["value"])
        answer_headers[name] = (
            f"{answer_headers[name]}, {value}" if name in answer_headers else value
        )
    content = response.get("content") or {}
    if "content-type" not in answer_headers and content.get("mimeType"):
        answer_headers["content-type"] = str(content["mimeType"])
    answer = _bytes(content.get("text") or "", content.get("encoding"))
    # the recorder decoded the body: the coding header no longer describes these bytes
    answer_headers.pop("content-encoding", None)
    elapsed = float(entry.get("time") or 0) / 1000
    return Recorded(req, Response(int(response["status"]), answer_headers, answer, elapsed))


def _bytes(text: object, encoding: object) -> bytes:
    if encoding == "base64":
        return base64.b64decode(str(text), validate=False)
    return str(text).encode("utf-8", "surrogateescape")
