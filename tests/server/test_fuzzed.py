"""The reference server from the other side: diglot's own invalid cases and hostile bodies.

Every answer to an invalid or boundary request, and to a hostile body (XXE, billion laughs,
100 000-deep nesting, NaN, duplicate keys, 100 000-digit numbers, invalid UTF-8, truncated
or oversized bodies, a wrong Content-Type), is below 500; every 4xx is an ``errorDetails`` in
the representation asked for; no local file is read, no other host reached, and the server
still answers a plain list request afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from diglot.model import Case, CaseKind, Expect
from diglot.server import DEFAULT_ACCOUNT_ID, MAX_BODY_BYTES
from diglot.specs import load_spec
from diglot.strategies import Names, explicit_cases, from_operation
from tests.hostile.server import Sentinel
from tests.server.conftest import NS

SPEC = load_spec()
OPERATIONS = [operation.operation_id for operation in SPEC.operations]
MEDIA = {"json": "application/json", "xml": "application/xml"}
NAMES = Names("fuzz-")
KINDS = (CaseKind.INVALID, CaseKind.BOUNDARY)


def _has_generated_cases(operation_id: str) -> bool:
    try:
        from_operation(
            SPEC.operation(operation_id),
            spec=SPEC,
            content_type="json",
            account_id=DEFAULT_ACCOUNT_ID,
            names=NAMES,
            kinds=KINDS,
        )
    except ValueError:  # only explicit cases (list signing groups): covered above
        return False
    return True


@pytest.fixture(scope="module")
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def sentinel() -> Iterator[Sentinel]:
    watcher = Sentinel()
    yield watcher
    watcher.close()


def build(case: Case, base_url: str) -> httpx.Request:
    """The HTTP request a run would send for ``case`` (without a token)."""
    operation = SPEC.operation(case.operation)
    path = operation.path
    for name, value in case.path_parameters.items():
        path = path.replace("{" + name + "}", value)
    url = base_url + path + ("?" + urlencode(dict(case.query)) if case.query else "")
    headers = {"Accept": MEDIA[case.content_type]}
    body = b""
    if case.raw_body is not None:
        body = case.raw_body
    elif case.body_format is not None and operation.request_body is not None:
        if case.body_format == "xml":
            assert isinstance(case.body, dict)
            body = SPEC.codec.encode(operation.request_body.xml_root, case.body)
        else:
            body = json.dumps(case.body, ensure_ascii=False).encode()
        headers["Content-Type"] = MEDIA[case.body_format]
    headers.update(case.headers)
    return httpx.Request(operation.method, url, headers=headers, content=body)


def assert_error_details(response: httpx.Response, content_type: str) -> None:
    """A 4xx answer is an errorDetails with an errorCode and a message, as asked for."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    media = response.headers.get("content-type", "")
    if content_type == "xml":
        assert media.startswith("application/xml"), media
        root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
        assert root.tag == f"{{{NS}}}errorDetails"
        code = root.findtext(f"{{{NS}}}errorCode")
        message = root.findtext(f"{{{NS}}}message")
    else:
        assert media.startswith("application/json"), media
        data = response.json()
        assert isinstance(data, dict)
        code, message = data.get("errorCode"), data.get("message")
    assert code, response.text[:300]
    assert message, response.text[:300]


def judge(response: httpx.Response, case: Case) -> None:
    assert response.status_code < 500, (case.note, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert_error_details(response, case.content_type)
    if case.expect is Expect.CLIENT_ERROR:
        assert response.status_code >= 400, (case.note, response.status_code)


def assert_still_up(http: httpx.Client, base_url: str) -> None:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    for content_type, media in MEDIA.items():
        response = http.get(url, params={"count": "5"}, headers={"Accept": media})
        assert response.status_code == 200, (content_type, response.text[:300])


# --- diglot's own invalid and boundary cases -----------------------------------------------


@pytest.mark.parametrize("content_type", ["json", "xml"])
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_explicit_cases_get_4xx_error_details_never_5xx(
    operation_id: str, content_type: str, base_url: str, http: httpx.Client
) -> None:
    cases = explicit_cases(
        SPEC.operation(operation_id),
        spec=SPEC,
        content_type=content_type,
        account_id=DEFAULT_ACCOUNT_ID,
        names=NAMES,
    )
    assert cases
    for case in cases:
        judge(http.send(build(case, base_url)), case)
    assert_still_up(http, base_url)


@pytest.mark.parametrize("content_type", ["json", "xml"])
@pytest.mark.parametrize("operation_id", [op for op in OPERATIONS if _has_generated_cases(op)])
def test_invalid_and_boundary_strategies_never_get_5xx(
    operation_id: str, content_type: str, base_url: str, http: httpx.Client
) -> None:
    strategy = from_operation(
        SPEC.operation(operation_id),
        spec=SPEC,
        content_type=content_type,
        account_id=DEFAULT_ACCOUNT_ID,
        names=NAMES,
        kinds=KINDS,
    )

    @settings(max_examples=25, database=None, deadline=None)
    @given(case=strategy)
    def exercise(case: Case) -> None:
        judge(http.send(build(case, base_url)), case)

    exercise()
    assert_still_up(http, base_url)


# --- hostile bodies as requests ------------------------------------------------------------

_GROUPS_XML = (
    f'<groupInformation xmlns="{NS}"><groups><group><groupName>{{value}}</groupName>'
    "</group></groups></groupInformation>"
)


def _xml_payloads(marker_uri: str, sentinel_url: str) -> dict[str, bytes]:
    lols = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    documents = {
        "xxe-file": f'<!DOCTYPE groupInformation [<!ENTITY x SYSTEM "{marker_uri}">]>'
        + _GROUPS_XML.format(value="&x;"),
        "xxe-parameter": f'<!DOCTYPE groupInformation [<!ENTITY % f SYSTEM "{marker_uri}">'
        f'<!ENTITY % d SYSTEM "{sentinel_url}/x.dtd">%d;%f;]>' + _GROUPS_XML.format(value="x"),
        "xxe-network": f'<!DOCTYPE groupInformation [<!ENTITY n SYSTEM "{sentinel_url}/e">]>'
        + _GROUPS_XML.format(value="&n;"),
        "external-dtd": f'<!DOCTYPE groupInformation SYSTEM "{sentinel_url}/r.dtd">'
        + _GROUPS_XML.format(value="x"),
        "billion-laughs": f"<!DOCTYPE groupInformation [{''.join(lols)}]>"
        + _GROUPS_XML.format(value="&lol9;"),
        "quadratic-blowup": f'<!DOCTYPE groupInformation [<!ENTITY a "{"a" * 50_000}">]>'
        + _GROUPS_XML.format(value="&a;" * 20_000),
        "undefined-entity": _GROUPS_XML.format(value="&nowhere;"),
        "truncated": _GROUPS_XML.format(value="x")[:60],
        "wrong-root": f'<newUsersDefinition xmlns="{NS}"><newUsers/></newUsersDefinition>',
    }
    payloads = {name: text.encode() for name, text in documents.items()}
    payloads["deep-nesting"] = b"<a>" * 100_000 + b"</a>" * 100_000
    payloads["invalid-utf8"] = _GROUPS_XML.format(value="caf\udce9").encode(
        "utf-8", "surrogateescape"
    )
    return payloads


_JSON_PAYLOADS = {
    "deep-nesting": b'{"groups":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "deep-objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "nan": b'{"groups":[{"groupName":"x","permissionProfileId":NaN}]}',
    "infinity": b'{"groups":[{"groupName":"x","permissionProfileId":-Infinity}]}',
    "huge-number": b'{"groups":[{"groupName":"x","permissionProfileId":' + b"9" * 100_000 + b"}]}",
    "huge-float": b'{"groups":[{"groupName":"x","permissionProfileId":1e999999}]}',
    "control-characters": b'{"groups":[{"groupName":"tab\there\x01"}]}',
    "invalid-utf8": b'{"groups":[{"groupName":"caf\xe9 \xff\xfe"}]}',
    "lone-surrogate": b'{"groups":[{"groupName":"\\ud800"}]}',
    "truncated": b'{"groups":[{"groupName":"x"',
    "top-level-array": b'[{"groupName":"x"}]',
    "not-json": b"groups=x",
    "empty": b"",
}


ENTRY_LEVEL = frozenset({"lone-surrogate"})
"""Well-formed bodies with one bad value: the batch operations may refuse the entry instead
(201 with that entry's errorDetails, as documented for batch creates)."""


def assert_every_entry_refused(response: httpx.Response, accept: str) -> None:
    if accept == "xml":
        root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
        entries = list(root.iter(f"{{{NS}}}group", f"{{{NS}}}newUser"))
        assert entries
        for entry in entries:
            assert entry.find(f"{{{NS}}}errorDetails/{{{NS}}}errorCode") is not None
    else:
        data = response.json()
        items = data.get("groups") or data.get("newUsers") or []
        assert items
        assert all(item["errorDetails"]["errorCode"] for item in items), data


def _send(
    http: httpx.Client, base_url: str, path: str, body: bytes, media: str, accept: str
) -> httpx.Response:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/{path}"
    headers = {"Content-Type": media, "Accept": MEDIA[accept]}
    return http.post(url, content=body, headers=headers)


@pytest.mark.parametrize("accept", ["json", "xml"])
@pytest.mark.parametrize("path", ["groups", "users"])
def test_hostile_xml_bodies_are_refused_with_400(
    path: str,
    accept: str,
    base_url: str,
    http: httpx.Client,
    sentinel: Sentinel,
    tmp_path: Path,
) -> None:
    marker = "MARKER-fuzzed-0f1e2d3c"
    marker_file = tmp_path / "secret.txt"
    marker_file.write_text(marker)
    for name, body in _xml_payloads(marker_file.as_uri(), sentinel.url).items():
        response = _send(http, base_url, path, body, "application/xml", accept)
        assert_error_details(response, accept)
        assert response.status_code == 400, name
        assert marker not in response.text, name
        assert "lollol" not in response.text, name
    assert sentinel.connections() == 0
    assert_still_up(http, base_url)


@pytest.mark.parametrize("accept", ["json", "xml"])
@pytest.mark.parametrize("path", ["groups", "users"])
def test_hostile_json_bodies_are_refused_with_400(
    path: str, accept: str, base_url: str, http: httpx.Client
) -> None:
    for name, body in _JSON_PAYLOADS.items():
        response = _send(http, base_url, path, body, "application/json", accept)
        if name in ENTRY_LEVEL and response.status_code == 201:
            assert_every_entry_refused(response, accept)
            continue
        assert response.status_code == 400, (name, response.text[:300])
        assert_error_details(response, accept)
    assert_still_up(http, base_url)


@pytest.mark.parametrize("accept", ["json", "xml"])
@pytest.mark.parametrize("path", ["groups", "users"])
@pytest.mark.parametrize(
    "media", ["text/html", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]
)
def test_a_wrong_content_type_is_refused_with_400(
    media: str, path: str, accept: str, base_url: str, http: httpx.Client
) -> None:
    body = b'{"groups":[{"groupName":"fuzz-wrong-type"}]}'
    response = _send(http, base_url, path, body, media, accept)
    assert response.status_code == 400
    assert_error_details(response, accept)


@pytest.mark.parametrize("accept", ["json", "xml"])
@pytest.mark.parametrize("media", ["application/json", "application/xml"])
def test_an_oversized_body_is_refused_and_the_server_stays_up(
    media: str, accept: str, base_url: str, http: httpx.Client
) -> None:
    filler = b" " * (MAX_BODY_BYTES + 1)
    body = (b'{"groups":[]' if media == "application/json" else b"<groupInformation>") + filler
    response = _send(http, base_url, "groups", body, media, accept)
    assert response.status_code == 400
    assert_error_details(response, accept)
    # and when no Content-Length announces it (chunked), the stream is cut at the limit
    chunks = iter([body[i : i + 2**20] for i in range(0, len(body), 2**20)])
    response = http.post(
        f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups",
        content=chunks,
        headers={"Content-Type": media, "Accept": MEDIA[accept]},
    )
    assert response.status_code == 400
    assert_error_details(response, accept)
    assert_still_up(http, base_url)


@settings(max_examples=50, database=None, deadline=None)
@given(body=st.binary(max_size=300), media=st.sampled_from(sorted(MEDIA.values())))
def test_arbitrary_bytes_never_get_5xx(base_url: str, body: bytes, media: str) -> None:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/users"
    response = httpx.post(url, content=body, headers={"Content-Type": media}, timeout=30)
    assert response.status_code == 400
    assert_error_details(response, "json")


def test_duplicate_keys_do_not_break_the_server(base_url: str, http: httpx.Client) -> None:
    body = b'{"groups":[{"groupName":"fuzz-first","groupName":"fuzz-second"}]}'
    response = _send(http, base_url, "groups", body, "application/json", "json")
    # RFC 8259 leaves duplicate names to the implementation: an answer, not a crash
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_error_details(response, "json")
    assert_still_up(http, base_url)
