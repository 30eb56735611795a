"""The network layer under ``Transport``: sockets that never outlive a request's deadline.

Per-read timeouts (httpx's, httpcore's) do not bound a request's total time (a server that
drips one byte a second satisfies every read). Here each blocking socket call (name resolution,
connect, TLS handshake, every read and write) gets at most the time left before the
current request's deadline, so the total holds by construction. ``Pool`` is the httpcore
connection pool (keep-alive, HTTP/1.1) built on it, which ``Transport`` sends through.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore

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


class Pool:
    """An httpcore connection pool on the deadline-bound backend (keep-alive, HTTP/1.1).

    httpcore's exceptions are left as they are: ``Transport`` maps each to a sentence. The
    TLS context (loading a CA bundle takes tens of milliseconds) is built only where TLS can
    be spoken: an https target, or through a proxy.
    """

    def __init__(
        self,
        clock: Clock,
        verify: ssl.SSLContext | str | bool,
        proxy: str | None = None,
        *,
        tls: bool = True,
    ) -> None:
        options: dict[str, Any] = {
            "ssl_context": ssl_context(verify) if tls or proxy else None,
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

    def handle(self, request: httpcore.Request) -> httpcore.Response:
        """Send ``request``; the response's body is left to stream (``response.stream``)."""
        return self._pool.handle_request(request)

    def close(self) -> None:
        self._pool.close()


def ssl_context(verify: ssl.SSLContext | str | bool) -> ssl.SSLContext:
    """The TLS context for ``verify``: True, False, a CA bundle path or a context.

    Built as httpx builds it (certifi's bundle for True), the environment never read.
    """
    import httpx

    return httpx.create_ssl_context(verify=verify, trust_env=False)
