"""Every hostile behaviour, through ``Transport.send`` and the parsers.

Each case must end in bounded time and memory with a sentence (a failure or a BodyProblem)
that names what was wrong, read no local file, reach no other host, and give back no trace
of the token in any encoding.
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
import tracemalloc
import urllib.parse
from dataclasses import dataclass

import httpx
import pytest
from lxml import etree

from diglot.model import Request, Response
from diglot.transport._bodies import BodyProblem, parse_json, parse_xml
from diglot.transport._client import Limits, Transport
from diglot.transport._redact import REDACTED
from tests.hostile import catalogue
from tests.hostile.catalogue import BEHAVIOURS, Behaviour
from tests.hostile.server import HostileServer

TOKEN = "dgl.T0k3n/+_s3cret-value=42"
LIMITS = Limits(timeout=1.5, max_body=2**20)
MEMORY_CEILING = 4 * LIMITS.max_body + 8 * 2**20
"""Python allocations at their peak during one exchange: the body kept, a few copies of it."""


def _token_forms() -> dict[str, bytes]:
    raw = TOKEN.encode()
    forms = {
        "raw": raw,
        "percent": urllib.parse.quote(TOKEN, safe="").encode(),
        "json-escaped": "".join(f"\\u{ord(c):04x}" for c in TOKEN).encode(),
        "xml-refs": "".join(f"&#{ord(c)};" for c in TOKEN).encode(),
        "hex": raw.hex().encode(),
    }
    for offset in range(3):
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            for prefix in (b"x" * offset, b"Bearer " + b"x" * offset):
                encoded = encode(prefix + raw)
                start = (len(prefix) // 3 + 1) * 4 if len(prefix) % 3 else len(prefix) // 3 * 4
                end = ((len(prefix) + len(raw)) // 3) * 4
                forms[f"{name}+{len(prefix)}"] = encoded[start:end]
    return forms


TOKEN_FORMS = _token_forms()


def assert_no_token(blob: str | bytes | None) -> None:
    if blob is None:
        return
    data = blob if isinstance(blob, bytes) else blob.encode("utf-8", "surrogatepass")
    leaked = [name for name, form in TOKEN_FORMS.items() if form in data]
    assert not leaked, f"the token leaked as {leaked}"


@dataclass
class Outcome:
    response: Response | None
    failure: str | None
    elapsed: float
    peak: int
    server: HostileServer
    sentinel_connections: int


def exchange(behaviour: Behaviour, content_type: str) -> Outcome:
    """Start the behaviour's server, send one authenticated GET, measure time and memory."""
    with (
        HostileServer(behaviour.handler) as server,
        Transport(server.base_url, token=TOKEN, limits=LIMITS, max_retries=0) as transport,
    ):
        request = Request(
            "GET",
            f"{server.base_url}/v2.1/accounts/acct-1/groups?count=5",
            {"Accept": f"application/{content_type}"},
            authenticated=True,
        )
        tracemalloc.start()
        tracemalloc.reset_peak()
        start = time.monotonic()
        try:
            response, failure = transport.send(request)
            elapsed = time.monotonic() - start
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return Outcome(response, failure, elapsed, peak, server, server.sentinel.connections())


def _warm_caches() -> None:
    # Build the big hostile bodies once, outside any measured window.
    catalogue._bomb_pieces(31)
    catalogue._bomb_pieces(15)
    catalogue._billion_laughs()
    catalogue._quadratic_blowup()
    catalogue._deep_xml()
    catalogue._deep_json()


_warm_caches()


def _param(name: str, content_type: str) -> object:
    marks = [pytest.mark.slow] if BEHAVIOURS[name].slow else []
    return pytest.param(name, content_type, marks=marks, id=f"{name}-{content_type}")


def _parse(content_type: str, response: Response) -> object:
    parser = parse_xml if content_type == "xml" else parse_json
    return parser(response.body, truncated=response.truncated)


@pytest.mark.parametrize(("name", "content_type"), [_param(*case) for case in catalogue.cases()])
def test_behaviour_is_contained(name: str, content_type: str) -> None:
    behaviour = BEHAVIOURS[name]
    outcome = exchange(behaviour, content_type)

    # bounded: time (the limit plus scheduling slack) and memory
    assert outcome.elapsed < LIMITS.timeout + 3
    assert outcome.peak < MEMORY_CEILING, f"peak {outcome.peak} bytes"
    # nothing reached but the target, nothing local read
    assert outcome.sentinel_connections == 0
    assert len(outcome.server.requests) <= 1
    marker = outcome.server.context.marker
    texts: list[str | bytes | None] = [outcome.failure]

    if behaviour.layer == "failure":
        assert outcome.response is None
        assert outcome.failure is not None
        assert behaviour.must_say is not None
        assert re.search(behaviour.must_say, outcome.failure, re.IGNORECASE), outcome.failure
    else:
        response = outcome.response
        assert response is not None, outcome.failure
        assert outcome.failure is None
        assert len(response.body) <= LIMITS.max_body
        texts += [response.body, *response.headers.values()]
        if behaviour.layer == "body":
            assert behaviour.must_say is not None
            with pytest.raises(BodyProblem) as problem:
                _parse(content_type, response)
            assert re.search(behaviour.must_say, problem.value.message, re.IGNORECASE), (
                problem.value.message
            )
            texts.append(problem.value.message)
    for text in texts:
        assert_no_token(text)
        if text is not None:
            assert marker not in (text if isinstance(text, str) else text.decode("latin-1"))


# --- what the "response" layer behaviours must look like ---------------------------------------


@pytest.mark.parametrize("content_type", ["json", "xml"])
def test_a_redirect_loop_is_a_response_not_a_loop(content_type: str) -> None:
    outcome = exchange(BEHAVIOURS["redirect-loop"], content_type)
    assert outcome.response is not None
    assert outcome.response.status == 302
    assert outcome.response.headers["location"].endswith("/groups?count=5")
    assert len(outcome.server.requests) == 1


@pytest.mark.parametrize("content_type", ["json", "xml"])
def test_a_redirect_to_another_host_is_never_followed(content_type: str) -> None:
    outcome = exchange(BEHAVIOURS["redirect-other-host"], content_type)
    assert outcome.response is not None
    assert outcome.response.status == 307
    assert outcome.response.headers["location"].startswith("http://127.0.0.1:")
    assert outcome.sentinel_connections == 0
    assert len(outcome.server.requests) == 1


@pytest.mark.parametrize(
    ("name", "media_type"), [("wrong-content-type", "text/html"), ("missing-content-type", "")]
)
def test_content_type_problems_arrive_as_they_are(name: str, media_type: str) -> None:
    outcome = exchange(BEHAVIOURS[name], "json")
    assert outcome.response is not None
    assert outcome.response.media_type == media_type
    assert parse_json(outcome.response.body) is not None  # the body itself is fine


@pytest.mark.parametrize(
    "name", ["echo-authorization-raw", "echo-authorization-base64", "echo-authorization-escaped"]
)
@pytest.mark.parametrize("content_type", ["json", "xml"])
def test_an_echoed_token_is_redacted_everywhere(name: str, content_type: str) -> None:
    outcome = exchange(BEHAVIOURS[name], content_type)
    response = outcome.response
    assert response is not None
    # the server did receive the token: the echo is real
    assert outcome.server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert REDACTED.encode() in response.body
    assert REDACTED in response.headers["x-echo"]
    assert_no_token(response.body)
    assert_no_token(response.headers["x-echo"])
    # and decoding the body (JSON escapes, XML character references) brings nothing back
    if content_type == "json":
        assert_no_token(repr(parse_json(response.body)))
    else:
        root = parse_xml(response.body)
        assert_no_token(" ".join(root.itertext()))
        assert_no_token(etree.tostring(root))


@pytest.mark.parametrize("name", ["huge-body", "endless-chunked", "gzip-bomb", "deflate-bomb"])
def test_oversized_bodies_are_cut_at_the_limit(name: str) -> None:
    outcome = exchange(BEHAVIOURS[name], "json")
    response = outcome.response
    assert response is not None
    assert response.truncated
    assert len(response.body) == LIMITS.max_body
    if name.endswith("bomb"):
        assert response.body == bytes(LIMITS.max_body)  # inflated zeros, cut at the limit


def test_the_catalogue_is_complete_data() -> None:
    names = set(BEHAVIOURS)
    for required in [
        "xml-external-entity-file", "xml-parameter-entity", "xml-network-entity",
        "xml-billion-laughs", "xml-quadratic-blowup", "xml-deep-nesting",
        "json-deep-nesting", "json-duplicate-keys", "json-nan-infinity", "json-huge-number",
        "json-control-characters", "json-invalid-utf8", "json-truncated",
        "huge-body", "endless-chunked", "gzip-bomb", "one-byte-a-second",
        "headers-never-finish", "never-answers", "reset-mid-body", "empty-reply",
        "many-headers", "huge-header", "redirect-loop", "redirect-other-host",
        "wrong-content-type", "missing-content-type", "echo-authorization-raw",
        "echo-authorization-base64", "echo-authorization-escaped",
    ]:  # fmt: skip
        assert required in names
    for behaviour in BEHAVIOURS.values():
        assert behaviour.content_types
        assert set(behaviour.content_types) <= {"json", "xml"}
        assert behaviour.exit_codes <= {1, 3}
        assert (behaviour.must_say is None) == behaviour.name.startswith("echo-")


def test_the_sentinel_notices_a_client_that_follows_the_redirect() -> None:
    # The guard above has teeth: a client that follows redirects does reach the sentinel.
    with HostileServer(BEHAVIOURS["redirect-other-host"].handler) as server:
        with (
            httpx.Client(follow_redirects=True, trust_env=False) as client,
            contextlib.suppress(httpx.HTTPError),
        ):
            client.get(f"{server.base_url}/v2.1/accounts/1/groups", timeout=1)
        assert server.sentinel.connections() == 1
