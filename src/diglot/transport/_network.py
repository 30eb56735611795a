"""The network layer under ``Transport``: sockets that never outlive a request's deadline.

httpx's per-read timeouts do not bound a request's total time (a server that drips one
byte a second satisfies every read). Here each blocking socket call (name resolution,
connect, TLS handshake, every read and write) gets at most the time left before the
current request's deadline, so the total holds by construction. ``_PoolTransport`` plugs
this into an ``httpx.Client`` through an httpcore connection pool (keep-alive, HTTP/1.1).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

_WRITE_PIECE = 16 * 1024


# --- the deadline --------------------------------------------------------------------------


class DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total time is spent; raised before a socket call that would exceed it."""


class Clock:
    """The current request's deadline, per thread; bounds every socket call's timeout."""

    __slots__ = ("_local",)

    def __init__(self) -> None:
        self._local = threading.local()

    def start(self, seconds: float) -> None:
        self._local.deadline = time.monotonic() + seconds

    def stop(self) -> None:
        self._local.deadline = None

    def left(self, timeout: float | None) -> float | None:
        deadline: float | None = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("the total time for the request is spent")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose every read and write waits at most until the deadline."""

    __slots__ = ("_clock", "_inner")

    def __init__(self, inner: httpcore.NetworkStream, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # In pieces, so that a server reading slowly cannot stretch one write past the deadline.
        for start in range(0, len(buffer), _WRITE_PIECE):
            self._inner.write(buffer[start : start + _WRITE_PIECE], self._clock.left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._clock.left(timeout))
        return _Stream(inner, self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of ``host``; name resolution bounded by ``timeout`` like everything else."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    found: list[str] = []
    problem: list[OSError] = []

    def work() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.extend(str(info[4][0]) for info in infos)
        except OSError as error:
            problem.append(error)

    worker = threading.Thread(target=work, name=f"diglot-resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(f"the host name {host!r} did not resolve in time")
    if problem:
        raise httpcore.ConnectError(f"the host name {host!r} cannot be resolved: {problem[0]}")
    return list(dict.fromkeys(found))


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend with bounded name resolution and deadline-bound streams."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port, self._clock.left(timeout))
        last: Exception | None = None
        for address in addresses:
            try:
                inner = self._sockets.connect_tcp(
                    address, port, self._clock.left(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last = error
                continue
            return _Stream(inner, self._clock)
        raise last or httpcore.ConnectError(f"no address for {host!r}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - diglot speaks TCP only
        raise httpcore.ConnectError("diglot does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore retries are off
        time.sleep(seconds)


class _RawStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class PoolTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool built on the deadline-bound backend.

    httpcore's exceptions are left as they are: ``Transport`` maps each to a sentence.
    """

    def __init__(
        self, clock: Clock, verify: ssl.SSLContext | str | bool, proxy: str | None = None
    ) -> None:
        options: dict[str, Any] = {
            "ssl_context": httpx.create_ssl_context(verify=verify, trust_env=False),
            "max_connections": 16,
            "max_keepalive_connections": 16,
            "keepalive_expiry": 5.0,
            "http1": True,
            "http2": False,
            "retries": 0,
            "network_backend": _Backend(clock),
        }
        # a forward proxy (--proxy): plain HTTP forwarded, HTTPS tunnelled with CONNECT
        self._pool: httpcore.ConnectionPool = (
            httpcore.HTTPProxy(proxy_url=proxy, **options)
            if proxy
            else httpcore.ConnectionPool(**options)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        assert isinstance(stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=stream,
                extensions=request.extensions,
            )
        )
        body = response.stream
        if not isinstance(body, Iterable):  # pragma: no cover - the sync pool streams
            raise TypeError("httpcore returned an asynchronous stream to a sync client")
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_RawStream(body),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
