"""A target that misbehaves on one operation × content type only, and is faithful elsewhere.

``Selective(behaviour_handler, upstream, ...)`` is a ``Handler`` for ``HostileServer``: a
request whose method, path and ``Accept`` match the chosen operation and content type gets the
hostile behaviour; every other request is forwarded, as it came, to a faithful upstream (the
reference server from ``diglot.server.running()``) and its answer relayed back. The upstream
serves the same ``/restapi`` prefix, so request targets need no rewriting.

Usage::

    with running() as upstream:
        handler = Selective(BEHAVIOURS["empty-reply"].handler, upstream, content_type="json")
        with HostileServer(handler) as server:
            ...  # diglot run --base-url server.base_url
        assert handler.hits > 0
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse

from tests.hostile.server import Context, Handler, Peer, RawRequest

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "content-length",
        "host",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


class Selective:
    """Hostile on one operation × content type, a transparent proxy for everything else.

    Args:
        hostile: the behaviour's handler.
        upstream: the faithful server's base URL (``http://127.0.0.1:PORT/restapi``).
        method: the hostile operation's method.
        path_suffix: the hostile operation's path ends with this (query excluded).
        content_type: ``json`` or ``xml``: the request's ``Accept`` the behaviour answers.
        timeout: seconds the proxy waits for the upstream.

    Attributes:
        hits: requests answered by the hostile behaviour.
        forwarded: requests relayed to the upstream.
    """

    def __init__(
        self,
        hostile: Handler,
        upstream: str,
        *,
        method: str = "GET",
        path_suffix: str = "/groups",
        content_type: str = "json",
        timeout: float = 30.0,
    ) -> None:
        self.hostile = hostile
        parts = urllib.parse.urlsplit(upstream)
        assert parts.hostname == "127.0.0.1", "the upstream must be on loopback"
        self.host = parts.hostname
        self.port = parts.port or 80
        self.method = method
        self.path_suffix = path_suffix
        self.content_type = content_type
        self.timeout = timeout
        self.hits = 0
        self.forwarded = 0
        self._lock = threading.Lock()

    def matches(self, request: RawRequest) -> bool:
        """Whether ``request`` is the operation × content type to misbehave on."""
        path = request.target.partition("?")[0].rstrip("/")
        return (
            request.method == self.method
            and path.endswith(self.path_suffix)
            and request.content_type == self.content_type
        )

    def __call__(self, peer: Peer, request: RawRequest, context: Context) -> bool:
        if self.matches(request):
            with self._lock:
                self.hits += 1
            return self.hostile(peer, request, context)
        with self._lock:
            self.forwarded += 1
        return self._forward(peer, request)

    def _forward(self, peer: Peer, request: RawRequest) -> bool:
        return forward(peer, request, self.host, self.port, timeout=self.timeout)


def send(peer: Peer, status: str, headers: list[tuple[str, str]], body: bytes) -> bool:
    """Write one whole HTTP/1.1 response: status line, headers, Content-Length, body."""
    head = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    head.append(f"Content-Length: {len(body)}")
    return peer.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def forward(
    peer: Peer,
    request: RawRequest,
    host: str,
    port: int,
    *,
    timeout: float = 30.0,
    extra: list[tuple[str, str]] | None = None,
) -> bool:
    """Relay ``request`` as it came to the upstream at ``host:port`` and its answer back,
    with ``extra`` headers added (a 502 when the upstream fails)."""
    headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(request.method, request.target, request.body, headers)
        answer = connection.getresponse()
        body = answer.read()
        status = f"{answer.status} {answer.reason}"
        relayed = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
    except (OSError, http.client.HTTPException) as error:
        body = f"proxy: the upstream failed: {error}".encode()
        status = "502 Bad Gateway"
        relayed = [("Content-Type", "text/plain")]
    finally:
        connection.close()
    return send(peer, status, [*relayed, *(extra or [])], body)
