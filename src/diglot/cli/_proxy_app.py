"""The validating proxy: forwards every request unchanged, judges a copy on another thread.

A Starlette app forwards each request to the upstream as it came and hands a copy of the
exchange to a judge.

Traffic is never held up by judging: the exchange goes into a bounded queue (when it is full,
the exchange is counted as not judged, never waited for) and a worker thread judges it with
every single-exchange check; a report judges everything kept, the checks that span exchanges
included. Bodies are buffered up to ``max_body`` bytes for judging; a larger one streams on
unjudged. The ``Authorization`` header goes upstream as it came and nowhere else.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from diglot.engine._record import SECRET_HEADERS, Recorded
from diglot.engine._traffic import TrafficJudge, judge_traffic
from diglot.model import Request, Response, Severity

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import Response as StarletteResponse

    from diglot.engine import RunResult

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
CONTROL_PATH = "/__diglot__/report"
"""``GET`` it on the proxy to have the reports written now (never forwarded)."""
QUEUE_SIZE = 1000
"""Exchanges waiting to be judged; past it they pass unjudged and are counted."""
KEPT = 5000
"""Exchanges kept for the report's cross-exchange checks; the oldest go first."""


@dataclass
class ProxyJudge:
    """Judges what passes, on its own thread, and writes reports when asked."""

    source: str
    report_dir: Path | None
    strict: bool = False
    kept: deque[Recorded] = field(default_factory=lambda: deque(maxlen=KEPT))
    unjudged: int = 0
    passed: int = 0
    _queue: queue.Queue[Recorded | None] = field(
        default_factory=lambda: queue.Queue(maxsize=QUEUE_SIZE)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _live: TrafficJudge | None = None
    _announced: set[str] = field(default_factory=set)

    def start(self) -> None:
        self._live = TrafficJudge(self.source, strict=self.strict)
        self._thread = threading.Thread(target=self._work, name="diglot-proxy-judge", daemon=True)
        self._thread.start()

    def offer(self, entry: Recorded | None) -> None:
        """Hand over one exchange (None: one too large to judge); never blocks."""
        self.passed += 1
        if entry is None:
            self.unjudged += 1
            return
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.unjudged += 1

    def _work(self) -> None:
        while (entry := self._queue.get()) is not None:
            with self._lock:
                self.kept.append(entry)
                assert self._live is not None
                self._live.add(entry.request, entry)
                self._say(entry, self._live)
            self._queue.task_done()
        self._queue.task_done()

    def _say(self, entry: Recorded, live: TrafficJudge) -> None:
        """One line on stderr the first time a check fails (never a header, never a body)."""
        bad = [
            row
            for row in live.session.table.values()
            if any(f.severity is Severity.VIOLATION for f in row.findings)
            and row.check not in self._announced
        ]
        for row in bad:
            self._announced.add(row.check)
            print(
                f"diglot proxy: {row.check} failed on {row.operation} [{row.content_type}] "
                f"({entry.request.method} {urlsplit(entry.request.url).path[:200]})",
                file=sys.stderr,
                flush=True,
            )

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued exchange is judged."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        done.wait(timeout)

    def stop(self) -> None:
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def result(self) -> RunResult:
        """Everything kept, judged as a whole (the cross-exchange checks too)."""
        self.drain()
        with self._lock:
            entries = list(self.kept)
        result = judge_traffic(entries, source=self.source, strict=self.strict)
        result.requests = self.passed
        if self.unjudged:
            result.errors.append(
                f"{self.unjudged} exchange(s) passed unjudged (larger than the body limit, or "
                "the judge was behind)"
            )
        if self.passed > len(entries) + self.unjudged:
            result.errors.append(
                f"only the last {len(entries)} exchanges are in this report (of {self.passed})"
            )
        return result

    def write(self) -> dict[str, Path]:
        """Write the reports to ``report_dir``; nothing when there is none."""
        if self.report_dir is None:
            return {}
        from diglot.reports import write_reports
        from diglot.transport import Redactor

        return write_reports(self.result(), self.report_dir, redactor=Redactor())


def create_proxy_app(upstream: str, judge: ProxyJudge, *, max_body: int) -> Starlette:
    """The proxy in front of ``upstream`` (an origin, with or without a base path)."""
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    target = upstream.rstrip("/")
    prefix = urlsplit(target).path
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        if not clients:
            clients.append(
                httpx.AsyncClient(
                    follow_redirects=False, timeout=httpx.Timeout(60.0), trust_env=False
                )
            )
        return clients[0]

    async def report(_: StarletteRequest) -> StarletteResponse:
        import anyio

        written = await anyio.to_thread.run_sync(judge.write)
        return JSONResponse({name: str(path) for name, path in written.items()})

    async def forward(request: StarletteRequest) -> StarletteResponse:
        path = request.url.path
        rest = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        url = target + rest + (f"?{request.url.query}" if request.url.query else "")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        incoming = request.stream()
        parts: list[bytes] = []
        taken = 0
        whole = True
        async for part in incoming:
            parts.append(part)
            taken += len(part)
            if taken > max_body:  # too large to judge: it streams on as it comes
                whole = False
                break
        body = b"".join(parts)

        async def remainder() -> AsyncIterator[bytes]:
            yield body
            async for part in incoming:
                yield part

        upstream_request = client().build_request(
            request.method, url, headers=headers, content=body if whole else remainder()
        )
        try:
            answer = await client().send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            judge.offer(None)
            return JSONResponse(
                {"errorCode": "PROXY_UPSTREAM_ERROR", "message": type(exc).__name__},
                status_code=502,
            )
        chunks = answer.aiter_raw()
        buffered: list[bytes] = []
        size = 0
        complete = True
        async for chunk in chunks:
            buffered.append(chunk)
            size += len(chunk)
            if size > max_body:
                complete = False
                break
        out_headers = [
            (k, v) for k, v in answer.headers.multi_items() if k.lower() not in HOP_BY_HOP
        ]
        if complete and whole:
            raw = b"".join(buffered)
            await answer.aclose()
            judge.offer(_recorded(request.method, url, headers, body, answer, raw))
        elif complete:
            await answer.aclose()
            judge.offer(None)
        else:
            judge.offer(None)

        async def stream() -> AsyncIterator[bytes]:
            for chunk in buffered:
                yield chunk
            if not complete:
                try:
                    async for chunk in chunks:
                        yield chunk
                finally:
                    await answer.aclose()

        if complete:
            return _plain(answer.status_code, out_headers, b"".join(buffered))
        streamed = StreamingResponse(stream(), status_code=answer.status_code)
        streamed.raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers
        ]
        return streamed

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        for open_client in clients:  # its connections close before the loop does
            await open_client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(
        routes=[
            Route(CONTROL_PATH, report, methods=["GET", "POST"]),
            Route("/{path:path}", forward, methods=methods),
        ],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def serving(app: Starlette, *, host: str, port: int) -> Iterator[str]:
    """Serve the proxy on uvicorn in a thread; yield ``http://HOST:PORT``; stop it on exit.

    The reference server's runner, with the lifespan on, so that the upstream client's
    connections are closed inside the event loop when the proxy stops.

    Raises:
        UsageError: the address cannot be bound.
        TargetUnreachable: uvicorn did not start.
    """
    from diglot.server import serve_app

    with serve_app(app, host=host, port=port, base_path="", lifespan=True, name="the proxy") as url:
        yield url


def _plain(status: int, headers: list[tuple[str, str]], body: bytes) -> StarletteResponse:
    from starlette.responses import Response as Plain

    response = Plain(body, status_code=status)
    # the upstream's headers as they came (repeated ones too); the length is the body's
    response.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
    ] + [(b"content-length", str(len(body)).encode())]
    return response


def _recorded(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    answer: httpx.Response,
    raw: bytes,
) -> Recorded:
    kept = {k: v for k, v in headers if k.lower() not in SECRET_HEADERS}
    authenticated = any(k.lower() == "authorization" for k, _ in headers)
    request = Request(method, url, kept, body, authenticated=authenticated)
    answer_headers: dict[str, str] = {}
    for k, v in answer.headers.multi_items():
        name = k.lower()
        if name in SECRET_HEADERS:
            continue
        answer_headers[name] = f"{answer_headers[name]}, {v}" if name in answer_headers else v
    coding = answer_headers.pop("content-encoding", "").strip().lower()
    decoded = _decode(raw, coding)
    if decoded is None:  # a coding diglot cannot read: judged as it came, with the header
        decoded = raw
        answer_headers["content-encoding"] = coding
    elapsed = answer.elapsed.total_seconds() if _has_elapsed(answer) else 0.0
    return Recorded(request, Response(answer.status_code, answer_headers, decoded, elapsed))


def _has_elapsed(answer: httpx.Response) -> bool:
    try:
        answer.elapsed  # noqa: B018 - set only once the response is closed
    except RuntimeError:
        return False
    return True


def _decode(raw: bytes, coding: str) -> bytes | None:
    try:
        if coding in ("", "identity"):
            return raw
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)
    except zlib.error:
        return None
    return None
