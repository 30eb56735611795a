"""What goes on the wire: the request lines and headers httpx.Client sent, byte for byte.

The transport speaks to httpcore directly (httpx's own lower layer); these pin the request
as httpx built it, so that the change of layer changed nothing a server sees.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpcore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diglot.model import Request
from diglot.transport import Transport
from diglot.transport import _client as client
from diglot.transport._client import DEFAULT_USER_AGENT, _parsed, _Targets, _UnusableURL

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


class Recorder:
    """A loopback server that records each request's bytes and answers ``{}``."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        data = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(rest) < length:
                    rest += connection.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + rest[:length])
                data = rest[length:]
                connection.sendall(ANSWER)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.listener.close()


def sent(recorder: Recorder, request: Request, token: str | None = None) -> str:
    with Transport(f"http://127.0.0.1:{recorder.port}/restapi", token=token) as transport:
        response, failure = transport.send(request)
    assert failure is None
    assert response is not None
    assert response.status == 200
    return recorder.requests[-1].decode("latin-1")


def test_a_get_carries_httpx_default_headers_in_httpx_order(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}/restapi"
    url = base + "/groups?count=5&search_text=a%20b"
    request = Request("GET", url, {"Accept": "application/json"}, b"", authenticated=True)
    assert sent(recorder, request, token="t0k3n-abcdef").split("\r\n") == [
        "GET /restapi/groups?count=5&search_text=a%20b HTTP/1.1",
        f"Host: 127.0.0.1:{recorder.port}",
        "Connection: keep-alive",
        f"User-Agent: {DEFAULT_USER_AGENT}",
        "Accept-Encoding: gzip, deflate",
        "Accept: application/json",
        "Authorization: Bearer t0k3n-abcdef",
        "",
        "",
    ]


def test_a_request_header_replaces_a_default_of_the_same_name(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}/restapi"
    headers = {"Accept": "application/xml", "user-agent": "mine", "X-Extra": "1"}
    lines = sent(recorder, Request("GET", base + "/groups", headers, b"")).split("\r\n")
    assert lines[1:7] == [
        f"Host: 127.0.0.1:{recorder.port}",
        "Connection: keep-alive",
        "Accept-Encoding: gzip, deflate",
        "Accept: application/xml",
        "user-agent: mine",
        "X-Extra: 1",
    ]


def test_a_body_gets_its_length_and_a_bodyless_post_a_zero_length(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}/restapi"
    headers = {"Accept": "application/xml", "Content-Type": "application/xml"}
    with_body = sent(recorder, Request("POST", base + "/groups", headers, b"<a/>"))
    assert with_body.endswith("Content-Type: application/xml\r\nContent-Length: 4\r\n\r\n<a/>")
    without = sent(recorder, Request("post", base + "/groups", {"Accept": "application/xml"}, b""))
    assert without.split("\r\n")[:3] == [
        "POST /restapi/groups HTTP/1.1",
        f"Host: 127.0.0.1:{recorder.port}",
        "Content-Length: 0",
    ]


def test_urls_go_out_as_httpx_normalised_them(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}/restapi"
    json = {"Accept": "application/json"}
    quoted = sent(recorder, Request("GET", base + '/groups?q=é ü&x=<>"', json, b""))
    assert quoted.startswith("GET /restapi/groups?q=%C3%A9%20%C3%BC&x=%3C%3E%22 HTTP/1.1\r\n")
    dotted = sent(recorder, Request("DELETE", base + "/x/../groups/./y#fragment", json, b""))
    assert dotted.startswith("DELETE /restapi/groups/y HTTP/1.1\r\n")


def test_a_url_with_a_control_character_is_not_sent(recorder: Recorder) -> None:
    base = f"http://127.0.0.1:{recorder.port}/restapi"
    with Transport(base) as transport:
        response, failure = transport.send(
            Request("GET", base + "/\x01bad", {"Accept": "application/json"}, b"")
        )
    assert response is None
    assert str(failure).startswith("the request URL is not usable (Invalid non-printable ASCII")
    assert recorder.requests == []


# -- request URLs parsed without httpx ------------------------------------------------------

URL_TEXT = st.lists(
    st.sampled_from(
        [chr(i) for i in range(0x20, 0x7F)] + ["%", "%2", "%C3%A9", "é", "\t", "/.", "/..", "?"]
    ),
    max_size=40,
).map("".join)


def _parts(parsed: tuple[httpcore.URL, bytes]) -> tuple[bytes, bytes, int | None, bytes, bytes]:
    url, host = parsed
    return url.scheme, url.host, url.port, url.target, host


@settings(max_examples=400, deadline=None)
@given(
    base=st.sampled_from(
        [
            "http://127.0.0.1:8000/restapi",
            "http://localhost/restapi",
            "https://demo.docusign.net:443/restapi",
            "https://api.example.com:8443",
            "HTTP://Example.com/restapi",
            "http://[::1]:8000/restapi",
            "http://999.1.1.1/x",
        ]
    ),
    rest=URL_TEXT,
)
def test_urls_are_taken_apart_as_httpx_takes_them(base: str, rest: str) -> None:
    url = base.rstrip("/") + "/" + rest
    try:
        expected = _parts(_parsed(url))
    except _UnusableURL:
        with pytest.raises(_UnusableURL):
            _Targets(base).parsed(url)
        return
    assert _parts(_Targets(base).parsed(url)) == expected


def test_a_plain_url_is_taken_apart_without_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(url: str) -> tuple[httpcore.URL, bytes]:
        raise AssertionError(f"httpx parsed {url}")

    monkeypatch.setattr(client, "_parsed", refuse)
    targets = _Targets("http://127.0.0.1:8000/restapi")
    url, host = targets.parsed(
        "http://127.0.0.1:8000/restapi/v2.1/accounts/a-1/groups?count=5&search_text=%C3%A9+x"
    )
    assert (url.scheme, url.host, url.port, host) == (
        b"http",
        b"127.0.0.1",
        8000,
        b"127.0.0.1:8000",
    )
    assert url.target == b"/restapi/v2.1/accounts/a-1/groups?count=5&search_text=%C3%A9+x"
