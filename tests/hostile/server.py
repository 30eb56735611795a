"""Misbehaving HTTP servers on loopback, for tests.

``HostileServer(handler)`` listens on 127.0.0.1 (port 0) in a thread, reads each request
itself from a raw socket and lets ``handler`` answer however it likes: drip bytes, never
answer, reset the connection, send 10 000 headers. It also brings the two things a test needs
to prove that nothing is read or reached: a marker file (a local file a hostile XML document
names) and a ``Sentinel``, another loopback listener that only records who connects to it.

Usage::

    with HostileServer(handler) as server:
        ...  # send requests to server.base_url
        assert server.sentinel.connections() == 0
"""

from __future__ import annotations

import contextlib
import secrets
import select
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

_MAX_REQUEST_HEAD = 64 * 1024
_POLL = 0.05


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request as the hostile server read it (header names lower-cased)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        """``xml`` when the client asked for XML, else ``json``."""
        return "xml" if "xml" in self.headers.get("accept", "") else "json"


class Peer:
    """One accepted connection, as a handler writes to it.

    Every method returns False (or gives up) once the client has gone or the server stops,
    so handlers that stream forever end as soon as nobody listens.
    """

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock = sock
        self.stop = stop
        self.sent = 0

    def send(self, data: bytes | memoryview) -> bool:
        """Send all of ``data``; False when the client went away or the server stops."""
        view = memoryview(data)
        while view:
            if self.stop.is_set():
                return False
            try:
                count = self.sock.send(view)
            except TimeoutError:
                continue
            except OSError:
                return False
            self.sent += count
            view = view[count:]
        return True

    def drip(self, data: bytes, interval: float) -> bool:
        """Send ``data`` one byte per ``interval`` seconds."""
        for index in range(len(data)):
            if not self.send(data[index : index + 1]) or not self.sleep(interval):
                return False
        return True

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the server stops meanwhile."""
        return not self.stop.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP reset (RST) instead of a clean close."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.sock.close()


class Sentinel:
    """A loopback listener that accepts, records and drops every connection.

    A test points hostile content (an XML network entity, a redirect) at ``url`` and then
    asserts ``connections() == 0``: the client under test never went there.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL)
        self._stop = threading.Event()
        self._seen: list[object] = []
        self._thread = threading.Thread(target=self._serve, name="sentinel", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._seen.append(conn.getpeername())
            conn.close()

    def connections(self, grace: float = 0.05) -> int:
        """How many connections arrived, counting one still waiting to be accepted.

        A client connects synchronously, so by the time a test asks, any connection is
        either accepted or queued on the listener: ``grace`` only lets the thread run.
        """
        self._stop.wait(grace)
        try:
            queued = bool(select.select([self._listener], [], [], 0)[0])
        except (OSError, ValueError):
            queued = False
        return len(self._seen) + queued

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self._thread.join(2)


@dataclass(slots=True)
class Context:
    """What a handler may refer to: the marker file and the sentinel's address.

    Attributes:
        marker: a random text written in ``marker_path``; it must never come back.
        marker_path: a local file that hostile XML names in external entities.
        sentinel_url: the address of the ``Sentinel``, for network entities and redirects.
        stop: set when the server stops.
    """

    marker: str
    marker_path: Path
    sentinel_url: str
    stop: threading.Event = field(default_factory=threading.Event)


Handler = Callable[[Peer, RawRequest, Context], bool]
"""Answers one request; returns True to keep the connection open for the next one."""


def _read_request(sock: socket.socket, stop: threading.Event) -> RawRequest | None:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        if stop.is_set() or len(buffer) > _MAX_REQUEST_HEAD:
            return None
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return None
        if not data:
            return None
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, *_ = [*lines[0].split(" "), "", ""]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or "0")
    while len(rest) < length:
        if stop.is_set():
            return None
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return None
        if not data:
            return None
        rest += data
    return RawRequest(method, target, headers, rest[:length])


class HostileServer:
    """A raw-socket HTTP server on 127.0.0.1 that answers every request with ``handler``.

    Args:
        handler: the behaviour (see ``tests.hostile.catalogue``).

    Attributes:
        requests: every request read, in order.
        connections: how many connections were accepted.
        context: the marker file and sentinel the handler may use.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[RawRequest] = []
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._tmp = tempfile.TemporaryDirectory(prefix="diglot-hostile-")
        marker = f"MARKER-{secrets.token_hex(8)}"
        marker_path = Path(self._tmp.name) / "secret.txt"
        marker_path.write_text(marker, encoding="utf-8")
        self.sentinel = Sentinel()
        self.context = Context(marker, marker_path, self.sentinel.url)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL)
        self._thread = threading.Thread(target=self._serve, name="hostile-accept", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def base_url(self) -> str:
        """The base URL a client is given: ``http://127.0.0.1:PORT/restapi``."""
        return f"{self.url}/restapi"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting, cut every open connection and wait for the handlers to end."""
        self.context.stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + 5
        for thread in [self._thread, *self._threads]:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.sentinel.close()
        self._tmp.cleanup()

    def _serve(self) -> None:
        while not self.context.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(_POLL)
            with self._lock:
                self.connections += 1
                self._sockets.append(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        peer = Peer(conn, self.context.stop)
        try:
            while True:
                request = _read_request(conn, self.context.stop)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                if not self.handler(peer, request, self.context):
                    return
        finally:
            with contextlib.suppress(OSError):
                conn.close()
