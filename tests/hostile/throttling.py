"""A target that throttles the way DocuSign does, in front of a faithful reference server.

``Throttling(upstream, limit=N, ...)`` is a ``Handler`` for ``HostileServer``: it counts the
requests of the current window; the first ``limit`` are relayed to the upstream (the
reference server of ``diglot.server.running()``), with DocuSign's budget headers
``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (epoch seconds) when ``budget_headers``;
every later one, until the window resets ``window`` seconds after it began, is refused as
``mode`` says:

- ``hourly``: HTTP 400, ``errorCode`` ``HOURLY_APIINVOCATION_LIMIT_EXCEEDED`` (JSON or XML as
  asked), ``X-RateLimit-Remaining: 0`` and the reset time, as DocuSign answers;
- ``burst``: HTTP 400 ``BURST_APIINVOCATION_LIMIT_EXCEEDED`` with ``X-BurstLimit-*``;
- ``429``: 429 Too Many Requests with ``Retry-After``.

``post_503=True`` answers every POST with 503 and ``Retry-After: 0`` instead (a server that
may have processed it: it must never be repeated). ``seen`` records every request that
arrived, so a test counts what was on the wire at the server's end.

Usage::

    with running() as upstream:
        throttle = Throttling(upstream, limit=20)
        with HostileServer(throttle) as server:
            ...  # diglot run --base-url server.base_url
        assert len(throttle.seen) == 21
"""

from __future__ import annotations

import json
import math
import threading
import time
import urllib.parse
from dataclasses import dataclass

from tests.hostile.proxy import forward, send
from tests.hostile.server import Context, Peer, RawRequest

RESTAPI_NS = "http://www.docusign.com/restapi"
MESSAGES = {
    "HOURLY_APIINVOCATION_LIMIT_EXCEEDED": "The maximum number of hourly API invocations has "
    "been exceeded. Hourly Limit is 1000",
    "BURST_APIINVOCATION_LIMIT_EXCEEDED": "The maximum number of API invocations in a 30 "
    "second window has been exceeded. Burst limit is 500",
}


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    target: str
    accept: str
    authorization: str | None
    body: bytes
    throttled: bool


class Throttling:
    """DocuSign's throttling after ``limit`` requests per ``window`` seconds.

    Args:
        upstream: the faithful server's base URL (``http://127.0.0.1:PORT/restapi``).
        limit: requests relayed per window.
        window: seconds from a window's first request to its reset.
        mode: ``hourly``, ``burst`` or ``429``.
        budget_headers: send ``X-RateLimit-*`` on relayed answers too (DocuSign does).
        post_503: answer every POST 503 with ``Retry-After: 0``, never relaying it.
        retry_after: the ``Retry-After`` of a 429 (default: the seconds to the reset).

    Attributes:
        seen: every request that arrived, in order.
    """

    def __init__(
        self,
        upstream: str,
        *,
        limit: int,
        window: float = 3600.0,
        mode: str = "hourly",
        budget_headers: bool = True,
        post_503: bool = False,
        retry_after: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(upstream)
        assert parts.hostname == "127.0.0.1", "the upstream must be on loopback"
        assert mode in ("hourly", "burst", "429")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.limit = limit
        self.window = window
        self.mode = mode
        self.budget_headers = budget_headers
        self.post_503 = post_503
        self.retry_after = retry_after
        self.seen: list[Seen] = []
        self._count = 0
        self._reset_at = 0.0
        self._lock = threading.Lock()

    @property
    def throttled(self) -> int:
        """Requests refused as throttled (the 503s of ``post_503`` included)."""
        return sum(seen.throttled for seen in self.seen)

    def methods(self, method: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.method == method]

    def __call__(self, peer: Peer, request: RawRequest, context: Context) -> bool:
        with self._lock:
            now = time.time()
            if now >= self._reset_at:
                self._count = 0
                self._reset_at = now + self.window
            reset_at = self._reset_at
            refuse_post = self.post_503 and request.method == "POST"
            if not refuse_post:
                self._count += 1
            over = self._count > self.limit
            remaining = max(0, self.limit - self._count)
            self.seen.append(
                Seen(
                    request.method,
                    request.target,
                    request.headers.get("accept", ""),
                    request.headers.get("authorization"),
                    request.body,
                    over or refuse_post,
                )
            )
        if refuse_post:
            return send(
                peer,
                "503 Service Unavailable",
                [("Retry-After", "0"), ("Content-Type", "text/plain")],
                b"busy, try again",
            )
        budget = [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(math.ceil(reset_at))),
        ]
        if over:
            return self._throttle(peer, request, budget, reset_at)
        return forward(
            peer, request, self.host, self.port, extra=budget if self.budget_headers else []
        )

    def _throttle(
        self, peer: Peer, request: RawRequest, budget: list[tuple[str, str]], reset_at: float
    ) -> bool:
        if self.mode == "429":
            wait = self.retry_after or str(max(0, math.ceil(reset_at - time.time())))
            return send(
                peer,
                "429 Too Many Requests",
                [("Retry-After", wait), ("Content-Type", "text/plain")],
                b"slow down",
            )
        code = (
            "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"
            if self.mode == "hourly"
            else "BURST_APIINVOCATION_LIMIT_EXCEEDED"
        )
        headers = list(budget)
        if self.mode == "burst":
            headers = [
                ("X-BurstLimit-Limit", str(self.limit)),
                ("X-BurstLimit-Remaining", "0"),
            ]
        if request.content_type == "xml":
            body = (
                f'<errorDetails xmlns="{RESTAPI_NS}"><errorCode>{code}</errorCode>'
                f"<message>{MESSAGES[code]}</message></errorDetails>"
            ).encode()
            media = "application/xml; charset=utf-8"
        else:
            body = json.dumps({"errorCode": code, "message": MESSAGES[code]}).encode()
            media = "application/json; charset=utf-8"
        return send(peer, "400 Bad Request", [*headers, ("Content-Type", media)], body)
