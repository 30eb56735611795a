"""Curl lines: one line, bash accepts it, and it sends exactly the request diglot sent.

A recording server on loopback answers every request with ``200 {}`` and keeps what it read.
For arbitrary requests (methods, paths and queries with globs, quotes, spaces, control
characters and non-ASCII text, headers, binary bodies), diglot's transport sends the request,
then bash runs the request's curl line against the same server, and the two recordings must
agree: method, request target, the request's headers, the token, the body.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from diglot.model import CURL_BODY_LIMIT, Request
from diglot.transport._client import Limits, Transport
from tests.hostile.server import Context, HostileServer, Peer, RawRequest

TOKEN = "dgl.curl-T0k3n/+_value=7"
GLOBS = "[1-100000]{a,b}"


def _ok(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = b"{}"
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return peer.send(head.encode("ascii") + body)


@pytest.fixture(scope="module")
def recorder() -> Iterator[HostileServer]:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.fail("these tests run curl lines with bash: install curl (apt-get install curl)")
    with HostileServer(_ok) as server:
        yield server


@pytest.fixture(scope="module")
def transport(recorder: HostileServer) -> Iterator[Transport]:
    limits = Limits(timeout=5.0)
    with Transport(recorder.base_url, token=TOKEN, limits=limits, max_retries=0) as sender:
        yield sender


def _run(line: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "DIGLOT_TOKEN": TOKEN}
    return subprocess.run(["bash", "-c", line], capture_output=True, env=env, timeout=20)


def assert_one_safe_line(line: str) -> None:
    assert "\n" not in line
    assert not [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]
    assert not line.lstrip().startswith("::")
    assert "##[" not in line
    checked = subprocess.run(["bash", "-n", "-c", line], capture_output=True, timeout=10)
    assert checked.returncode == 0, (line, checked.stderr)


def assert_curl_repeats(recorder: HostileServer, transport: Transport, request: Request) -> bool:
    """The property: what diglot sent and what the curl line sends are the same request.

    Returns whether diglot sent it (a URL no client can send is not, and has no curl line).
    """
    line = request.to_curl()
    assert_one_safe_line(line)
    before = len(recorder.requests)
    response, failure = transport.send(request)
    if response is None:
        # not sent (a URL or header no HTTP client sends): the line must still be harmless
        assert len(recorder.requests) == before or failure is not None
        return False
    sent = recorder.requests[-1]
    done = _run(line)
    assert done.returncode == 0, (line, done.stderr)
    assert len(recorder.requests) == before + 2, line
    repeated = recorder.requests[-1]
    assert repeated.method == sent.method
    assert repeated.target == sent.target, line
    if len(request.body) <= CURL_BODY_LIMIT:
        assert repeated.body == sent.body
    else:
        assert repeated.body == sent.body[:CURL_BODY_LIMIT]
        assert line.endswith("this line sends less than diglot sent")
    for name in {*(n.lower() for n in request.headers), "authorization", "content-type"}:
        assert repeated.headers.get(name) == sent.headers.get(name), name
    if request.authenticated:
        assert sent.headers.get("authorization") == f"Bearer {TOKEN}"
    return True


def _url(recorder: HostileServer, path: str, query: str | None) -> str:
    url = f"{recorder.base_url}/v2.1/accounts/1/{path}"
    return url if query is None else f"{url}?{query}"


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("groups", f"start_position={GLOBS}&x={{a,b}}"),
        (f"groups/{GLOBS}", "q=a b&r=é"),
        ("gr'oups", "search_text=$(touch /tmp/pwned)`id`;|&"),
        ("groups/../users/./x", "a=%zz&b=%41"),
        ("groups", "x=##[add-mask]y&z=::add-mask::w"),
        ('a\\b^c"d<e>f{g}h|i', "j=\\^`{|}"),
        ("groups", "next=\x1b]52;c;dG91Y2g=\x07\nX-Evil: 1"),
    ],
)
def test_links_from_the_server_become_one_harmless_exact_line(recorder, transport, path, query):
    request = Request("GET", _url(recorder, path, query), {"Accept": "application/json"}, b"", True)
    assert_curl_repeats(recorder, transport, request)
    line = request.to_curl()
    if "\x1b" in query:  # no HTTP client sends it: diglot did not, and the line says so
        assert line.startswith("# no curl line: ")
    else:
        assert "--globoff" in line


def test_a_crafted_method_cannot_run_a_command(recorder, tmp_path):
    marker = tmp_path / "pwned"
    request = Request(f"GET $(touch {marker}); touch {marker};", _url(recorder, "groups", None))
    line = request.to_curl()
    assert_one_safe_line(line)
    _run(line)
    assert not marker.exists()


def test_a_body_naming_a_file_is_sent_as_text_not_read(recorder, transport, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("do not send me")
    request = Request(
        "POST",
        _url(recorder, "groups", None),
        {"Accept": "application/json", "Content-Type": "application/json"},
        f"@{secret}".encode(),
        True,
    )
    assert_curl_repeats(recorder, transport, request)
    assert recorder.requests[-1].body == f"@{secret}".encode()


def test_a_header_name_naming_a_file_is_left_out(recorder):
    request = Request("GET", _url(recorder, "groups", None), {"@/etc/passwd": "x"})
    line = request.to_curl()
    assert_one_safe_line(line)
    assert "/etc/passwd" not in line.partition("#")[0]
    assert "left out" in line


METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) | st.from_regex(
    r"[A-Z][A-Z-]{1,7}", fullmatch=True
).filter(lambda m: m not in {"HEAD", "CONNECT"})
URL_TEXT = st.text(
    alphabet=st.one_of(
        # httpx refuses ASCII controls in a URL (such a link is never sent: see the
        # parametrised cases above); everything else is percent-encoded or sent as it is
        st.characters(codec="utf-8", exclude_categories=["Cc"]),
        st.sampled_from(list("[]{}-,'\"` $#?&=%/\\^|<>!;*~:@.\u202e\x85")),
    ),
    max_size=40,
)
HEADER_VALUES = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    method=METHODS,
    path=URL_TEXT,
    query=st.none() | URL_TEXT,
    headers=st.dictionaries(
        st.from_regex(r"X-[a-z0-9]{1,8}", fullmatch=True), HEADER_VALUES, max_size=3
    ),
    content_type=st.none() | st.sampled_from(["application/json", "application/xml"]),
    body=st.binary(max_size=2 * CURL_BODY_LIMIT) | st.text().map(str.encode),
    authenticated=st.booleans(),
)
@example(
    method="POST",
    path=GLOBS,
    query="a={b,c}",
    headers={},
    content_type=None,
    body=b"\x00\xff'%s\\",
    authenticated=True,
)
def test_every_curl_line_sends_exactly_what_diglot_sent(
    recorder, transport, method, path, query, headers, content_type, body, authenticated
):
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    request = Request(method, _url(recorder, path, query), headers, body, authenticated)
    sent = assert_curl_repeats(recorder, transport, request)
    event("sent, and repeated by the curl line" if sent else "not sent")
