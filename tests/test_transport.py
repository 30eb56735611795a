from __future__ import annotations

import contextlib
import email.utils
import gzip
import socket
import time
import zlib
from collections.abc import Callable, Iterator

import pytest

from diglot.errors import TargetUnreachable, UsageError
from diglot.model import Request
from diglot.transport._client import (
    DEFAULT_USER_AGENT,
    Limits,
    Transport,
    check_reachable,
    retry_delay,
)
from diglot.transport._redact import REDACTED
from tests.hostile.server import Context, HostileServer, Peer, RawRequest, Sentinel

TOKEN = "dgl.T0k3n/+_s3cret-value=42"
LIMITS = Limits(timeout=2.0, max_body=64 * 1024)


def raw_response(
    body: bytes = b"{}",
    *,
    status: str = "200 OK",
    headers: list[tuple[str, str]] | None = None,
    length: bool = True,
) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in headers or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


Answer = Callable[[RawRequest], bytes]
Serve = Callable[..., HostileServer]


def answering(*answers: bytes | Answer) -> Callable[[Peer, RawRequest, Context], bool]:
    """A handler that gives the n-th request the n-th answer (the last one repeats)."""
    count = 0

    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        nonlocal count
        answer = answers[min(count, len(answers) - 1)]
        count += 1
        return peer.send(answer(request) if callable(answer) else answer)

    return handler


@pytest.fixture
def serve() -> Iterator[Callable[..., HostileServer]]:
    servers: list[HostileServer] = []

    def start(*answers: bytes | Answer) -> HostileServer:
        server = HostileServer(answering(*answers)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def get(server: HostileServer, path: str = "/v2.1/accounts/1/groups", **kw: object) -> Request:
    return Request("GET", f"{server.base_url}{path}", {"Accept": "application/json"}, **kw)  # type: ignore[arg-type]


def transport_for(server: HostileServer, **kw: object) -> Transport:
    options: dict[str, object] = {"token": TOKEN, "limits": LIMITS, "max_wait": 0.05}
    options.update(kw)
    return Transport(server.base_url, **options)  # type: ignore[arg-type]


# --- ordinary exchanges ---------------------------------------------------------------------


def test_a_response_arrives_with_lowercased_joined_headers(serve: Serve) -> None:
    server = serve(
        raw_response(
            b'{"groups":[]}',
            headers=[
                ("Content-Type", "application/json"),
                ("X-Multi", "one"),
                ("x-multi", "two"),
            ],
        )
    )
    with transport_for(server) as transport:
        response, failure = transport.send(get(server))
    assert failure is None
    assert response is not None
    assert response.status == 200
    assert response.body == b'{"groups":[]}'
    assert response.headers["x-multi"] == "one, two"
    assert response.media_type == "application/json"
    assert response.elapsed > 0
    assert not response.truncated


def test_the_token_goes_on_the_wire_only_for_authenticated_requests(serve: Serve) -> None:
    server = serve(raw_response())
    with transport_for(server) as transport:
        transport.send(get(server, authenticated=True))
        transport.send(get(server))
    first, second = server.requests
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in second.headers
    assert first.headers["user-agent"] == DEFAULT_USER_AGENT
    assert first.headers["accept-encoding"] == "gzip, deflate"
    assert TOKEN not in repr(transport)


def test_connections_are_kept_alive_and_cookies_are_not_kept(serve: Serve) -> None:
    server = serve(raw_response(headers=[("Set-Cookie", "session=abc; Path=/")]))
    with transport_for(server) as transport:
        for _ in range(5):
            response, _ = transport.send(get(server))
            assert response is not None
    assert server.connections == 1
    assert len(server.requests) == 5
    assert all("cookie" not in request.headers for request in server.requests)
    assert transport.stats.requests == 5


def test_a_post_body_is_sent_as_given(serve: Serve) -> None:
    server = serve(raw_response(status="201 Created"))
    body = b'{"groups":[{"groupName":"x"}]}' * 2000
    request = Request(
        "POST",
        f"{server.base_url}/v2.1/accounts/1/groups",
        {"Content-Type": "application/json"},
        body,
    )
    with transport_for(server) as transport:
        response, _ = transport.send(request)
    assert response is not None
    assert response.status == 201
    assert server.requests[0].body == body


def test_environment_proxies_are_ignored(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = Sentinel()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, sentinel.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        server = serve(raw_response())
        with transport_for(server) as transport:
            response, _ = transport.send(get(server))
        assert response is not None
        assert sentinel.connections() == 0
    finally:
        sentinel.close()


# --- compression and size -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as IIS sends it
        ("gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "x-gzip", "zlib", "raw-deflate", "two-gzip-members", "identity"],
)
def test_compressed_bodies_are_inflated(
    serve: Serve, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    text = b'{"groups":[' + b'{"groupName":"abc"},' * 500 + b"{}]}"
    server = serve(raw_response(encode(text), headers=[("Content-Encoding", encoding)]))
    with transport_for(server) as transport:
        response, failure = transport.send(get(server))
    assert failure is None
    assert response is not None
    assert response.body == text


@pytest.mark.parametrize(
    ("encoding", "body", "says"),
    [
        ("gzip", b"\x1f\x8b\x08\x00garbage-that-is-not-deflate", "gzip body is corrupt"),
        ("gzip", gzip.compress(b"x" * 5000, mtime=0)[:-30], "ends before its compressed stream"),
        ("br", b"\x0b\x02\x80hello", "Content-Encoding 'br'"),
        ("gzip, br", b"whatever", "did not accept"),
    ],
    # explicit ids: an id made from the gzip bytes would hold its timestamp, and xdist
    # workers collecting at different seconds would disagree on the test names
    ids=["gzip-garbage", "gzip-truncated", "brotli", "gzip-then-brotli"],
)
def test_undecodable_bodies_are_failures(
    serve: Serve, encoding: str, body: bytes, says: str
) -> None:
    server = serve(raw_response(body, headers=[("Content-Encoding", encoding)]))
    with transport_for(server) as transport:
        response, failure = transport.send(get(server))
    assert response is None
    assert failure is not None
    assert says in failure


@pytest.mark.parametrize(("size", "truncated"), [(64 * 1024, False), (64 * 1024 + 1, True)])
def test_the_body_is_cut_just_past_the_limit(serve: Serve, size: int, truncated: bool) -> None:
    server = serve(raw_response(b"x" * size))
    with transport_for(server) as transport:
        response, _ = transport.send(get(server))
    assert response is not None
    assert response.truncated is truncated
    assert len(response.body) == min(size, LIMITS.max_body)


def test_the_limit_counts_inflated_bytes(serve: Serve) -> None:
    server = serve(
        raw_response(gzip.compress(bytes(10 * 2**20)), headers=[("Content-Encoding", "gzip")])
    )
    with transport_for(server) as transport:
        response, _ = transport.send(get(server))
    assert response is not None
    assert response.truncated
    assert response.body == bytes(LIMITS.max_body)


def test_a_token_straddling_the_cut_is_not_left_half_visible(serve: Serve) -> None:
    body = b"a" * (LIMITS.max_body - 6) + TOKEN.encode() + b"b" * 1000
    server = serve(raw_response(body))
    with transport_for(server) as transport:
        response, _ = transport.send(get(server))
    assert response is not None
    assert response.truncated
    assert response.body.endswith(b"a[REDAC")
    assert TOKEN[:6].encode() not in response.body


def test_echoed_tokens_are_scrubbed_from_body_and_headers(serve: Serve) -> None:
    def echo(request: RawRequest) -> bytes:
        value = request.headers["authorization"]
        return raw_response(f'{{"echo": "{value}"}}'.encode(), headers=[("X-Echo", value)])

    server = serve(echo)
    with transport_for(server) as transport:
        response, _ = transport.send(get(server, authenticated=True))
    assert response is not None
    assert TOKEN.encode() not in response.body
    assert TOKEN not in response.headers["x-echo"]
    assert REDACTED in response.headers["x-echo"]


# --- headers and broken HTTP ----------------------------------------------------------------


def test_too_many_header_lines_is_a_failure(serve: Serve) -> None:
    server = serve(raw_response(headers=[(f"x-h{i}", "1") for i in range(300)]))
    with transport_for(server) as transport:
        response, failure = transport.send(get(server))
    assert response is None
    assert (
        failure == "the response has 301 header lines, more than the limit of 256; it was not read"
    )


def test_header_bytes_past_the_limit_is_a_failure(serve: Serve) -> None:
    server = serve(raw_response(headers=[("X-Big", "v" * 70_000)]))
    with transport_for(server) as transport:
        response, failure = transport.send(get(server))
    assert response is None
    assert failure is not None
    assert "more than the limit of 65536" in failure


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"", "empty reply"),
        (b"HTTP/1.1 abc\r\n\r\n", "status line is malformed"),
        (b"SMTP ready\r\n\r\n", "status line is malformed"),
        (
            raw_response(b"short", length=False, headers=[("Content-Length", "100")]),
            "closed before the body was complete",
        ),
        (
            raw_response(b"zz\r\nabc", length=False, headers=[("Transfer-Encoding", "chunked")]),
            "not valid HTTP/1.1",
        ),
    ],
    ids=["empty", "bad-status", "not-http", "short-body", "bad-chunk"],
)
def test_broken_http_is_a_failure_sentence(answer: bytes, says: str) -> None:
    def close_after(peer: Peer, request: RawRequest, context: Context) -> bool:
        peer.send(answer)
        return False

    server = HostileServer(close_after).__enter__()
    try:
        with transport_for(server) as transport:
            response, failure = transport.send(get(server))
    finally:
        server.close()
    assert response is None
    assert failure is not None
    assert says in failure
    assert transport.stats.failures == 1


def test_failure_sentences_never_carry_the_token() -> None:
    def echo_in_status(peer: Peer, request: RawRequest, context: Context) -> bool:
        peer.send(f"HTTP/1.1 {request.headers['authorization']}\r\n\r\n".encode())
        return False

    server = HostileServer(echo_in_status).__enter__()
    try:
        with transport_for(server) as transport:
            response, failure = transport.send(get(server, authenticated=True))
    finally:
        server.close()
    assert response is None
    assert failure is not None
    assert "status line" in failure
    assert TOKEN not in failure


# --- time -----------------------------------------------------------------------------------


def _drip_after(head: bytes) -> Callable[[Peer, RawRequest, Context], bool]:
    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        peer.send(head)
        peer.drip(b"x" * 1000, 0.2)
        return False

    return handler


@pytest.mark.parametrize(
    ("head", "says"),
    [
        (b"", "no complete response headers within the time limit of 1 s"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
            "the body did not finish within the time limit of 1 s",
        ),
    ],
    ids=["headers", "body"],
)
def test_the_total_deadline_holds_against_a_dripping_server(head: bytes, says: str) -> None:
    # Each byte comes well within the per-read timeout; only the total deadline stops it.
    with HostileServer(_drip_after(head)) as server:
        transport = Transport(server.base_url, limits=Limits(timeout=1.0))
        start = time.monotonic()
        response, failure = transport.send(get(server))
        elapsed = time.monotonic() - start
        transport.close()
    assert response is None
    assert failure is not None
    assert says in failure
    assert elapsed < 2.5


# --- where requests may go ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["{sentinel}/restapi/v2.1/accounts/1/groups", "https://{host}/x"])
def test_requests_outside_the_target_are_refused(serve: Serve, url: str) -> None:
    server = serve(raw_response())
    sentinel = Sentinel()
    try:
        target = url.format(sentinel=sentinel.url, host=server.url.removeprefix("http://"))
        with transport_for(server) as transport:
            response, failure = transport.send(Request("GET", target, authenticated=True))
        assert response is None
        assert failure is not None
        assert "outside the target" in failure
        assert sentinel.connections() == 0
        assert server.requests == []
    finally:
        sentinel.close()


def test_an_unusable_url_is_a_failure_not_an_exception(serve: Serve) -> None:
    server = serve(raw_response())
    with transport_for(server) as transport:
        response, failure = transport.send(Request("GET", "http://127.0.0.1:99999999/x"))
    assert response is None
    assert failure is not None
    assert failure.startswith("not sent")


@contextlib.contextmanager
def _closed_port() -> Iterator[str]:
    """The base URL of a loopback port where nothing listens."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    yield f"http://127.0.0.1:{port}/restapi"


def test_a_refused_connection_is_a_failure_sentence() -> None:
    with _closed_port() as url, Transport(url, limits=Limits(timeout=1)) as transport:
        response, failure = transport.send(Request("GET", f"{url}/v2.1/x"))
    assert response is None
    assert failure is not None
    assert "refused" in failure


def test_https_to_a_plain_http_server_is_a_tls_failure(serve: Serve) -> None:
    server = serve(raw_response())
    url = server.base_url.replace("http://", "https://")
    with Transport(url, limits=Limits(timeout=1)) as transport:
        response, failure = transport.send(Request("GET", f"{url}/v2.1/x"))
    assert response is None
    assert failure is not None
    assert "TLS" in failure


# --- staging manners ------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(serve: Serve) -> None:
    server = serve(
        raw_response(status="429 Too Many Requests", headers=[("Retry-After", "0")]),
        raw_response(b"ok"),
    )
    with transport_for(server) as transport:
        response, _ = transport.send(get(server))
    assert response is not None
    assert response.status == 200
    assert len(server.requests) == 2
    assert transport.stats.retries == 1
    assert transport.stats.requests == 2


def test_503_is_retried_with_backoff_until_max_retries_then_returned(serve: Serve) -> None:
    server = serve(raw_response(b"busy", status="503 Service Unavailable"))
    with transport_for(server, max_retries=2, max_wait=0.01) as transport:
        response, failure = transport.send(get(server))
    assert failure is None
    assert response is not None
    assert response.status == 503
    assert len(server.requests) == 3
    assert transport.stats.retries == 2
    assert transport.stats.waited == pytest.approx(0.02)  # two backoffs, each capped


def test_a_wait_longer_than_max_wait_stops_the_sending(serve: Serve) -> None:
    server = serve(
        raw_response(status="429 Too Many Requests", headers=[("Retry-After", "3600")]),
        raw_response(),
    )
    with transport_for(server, max_wait=0.05) as transport:
        response, _ = transport.send(get(server))
        assert response is not None
        assert response.status == 429  # returned as it came: not waited for, not repeated
        assert transport.stats.waited == 0
        assert transport.stopped is not None
        assert "3600 s" in transport.stopped
        again, failure = transport.send(get(server))
    assert again is None
    assert failure is not None
    assert failure.kind == "throttled"
    assert len(server.requests) == 1


def test_other_statuses_are_never_retried(serve: Serve) -> None:
    server = serve(raw_response(status="500 Internal Server Error"))
    with transport_for(server) as transport:
        response, _ = transport.send(get(server))
    assert response is not None
    assert response.status == 500
    assert len(server.requests) == 1


def test_rate_limit_spaces_requests(serve: Serve) -> None:
    server = serve(raw_response())
    with transport_for(server, rate_limit=50) as transport:
        for _ in range(6):
            transport.send(get(server))
    # five gaps of 20 ms, minus the time the requests themselves took
    assert transport.stats.waited > 0.05
    assert len(server.requests) == 6


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "attempt", "delay"),
    [
        ({"retry-after": "7"}, 0, 7.0),
        ({"retry-after": "1.5"}, 3, 1.5),
        ({"retry-after": "-4"}, 0, 0.0),
        ({"retry-after": email.utils.formatdate(NOW + 12, usegmt=True)}, 0, 12.0),
        ({"retry-after": email.utils.formatdate(NOW - 60, usegmt=True)}, 0, 0.0),
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 40)}, 0, 40.0),
        ({"x-ratelimit-remaining": "5", "x-ratelimit-reset": str(int(NOW) + 40)}, 0, 0.5),
        ({"x-burstlimit-remaining": "0", "x-burstlimit-limit": "500"}, 0, 30.0),
        ({"retry-after": "soon"}, 2, 2.0),
        ({}, 0, 0.5),
        ({}, 1, 1.0),
        ({}, 3, 4.0),
    ],
)
def test_retry_delay(headers: dict[str, str], attempt: int, delay: float) -> None:
    assert retry_delay(headers, attempt, now=NOW) == pytest.approx(delay)


def test_retry_after_wins_over_budget_headers() -> None:
    headers = {
        "retry-after": "3",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(NOW + 900),
    }
    assert retry_delay(headers, 0, now=NOW) == 3.0


# --- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"max_body": -1}, {"max_headers": 0}, {"max_header_bytes": "big"}],
)
def test_limits_must_be_positive_numbers(options: dict[str, object]) -> None:
    with pytest.raises(UsageError, match="must be a positive number"):
        Limits(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://example.com", "http://", "/restapi"])
def test_a_bad_base_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError, match="base URL"):
        Transport(url)
    with pytest.raises(UsageError, match="base URL"):
        check_reachable(url)


def test_a_bad_rate_limit_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="rate_limit"):
        Transport("http://127.0.0.1:1/restapi", rate_limit=0)


# --- reachability ---------------------------------------------------------------------------


def test_a_listening_server_is_reachable(serve: Serve) -> None:
    server = serve(raw_response())
    check_reachable(server.base_url, timeout=1)


def test_a_refused_connection_is_unreachable() -> None:
    with _closed_port() as url, pytest.raises(TargetUnreachable, match="refused") as error:
        check_reachable(url, timeout=1)
    assert "is the server running" in str(error.value)


def test_an_unknown_host_is_unreachable() -> None:
    with pytest.raises(TargetUnreachable, match=r"no-such-host\.invalid"):
        check_reachable("http://no-such-host.invalid/restapi", timeout=2)


def test_tls_against_a_plain_server_is_unreachable(serve: Serve) -> None:
    server = serve(raw_response())
    with pytest.raises(TargetUnreachable, match="TLS handshake"):
        check_reachable(server.base_url.replace("http://", "https://"), timeout=1)
