"""The reference server's variants: faithful answers that read an open point differently.

A fault breaks the documentation on purpose; a variant does not. Each one is a choice the
documentation leaves open, or a representation any correct implementation may pick (a
namespace prefix, a key order, gzip, absolute links...). A checker that calls a variant
wrong is too strict: ``diglot selftest`` runs every variant and expects zero findings.

Variants are transformers of what the faithful logic produces, at the layer where the choice
lives:

- ``answer``: the body (a tree of dicts and lists) after the faithful logic built it, before
  it is written;
- ``json_writer`` / ``xml_style``: how the body is written;
- ``middleware``: ASGI middleware around the whole app, for HTTP (headers, gzip, chunked
  framing) and for requests (a default a request leaves out);
- ``search_key``, ``type_key``, ``reorder``, ``check_batch``: the few readings that choose
  *which* data answers (how ``search_text`` and ``group_type`` match, the list's order,
  whether one bad batch entry fails the whole batch); the faithful logic calls them where it
  makes that choice.

The defaults of every hook are the faithful server's own behaviour. ``diglot serve --variant
NAME`` (or ``running(variant=NAME)``) switches one on; a fault may be switched on with it, and
the variant then applies on top of the fault.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol, TypeAlias, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from diglot.server import _xml
from diglot.server._hooks import Answer, Body, RewriteHeaders, content_type, look_up
from diglot.server._http import ApiError, Json
from diglot.server._seed import SEED_TIME
from diglot.server._xml import ITEMS, OBJECTS, XmlStyle

ACCOUNT_NAME = "diglot reference account"
"""The account's name, for the ``published-extras`` variant's ``accountName``."""

_IDS = uuid.UUID("0c7d4be2-51a9-4f0e-8d36-2b9e5f7a1c48")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_R = TypeVar("_R", bound=_Named)


class Reorder(Protocol):
    """Puts listed rows (groups, signing groups) in the order the list answers them."""

    def __call__(self, rows: list[_R], /) -> list[_R]: ...


AnswerHook: TypeAlias = Callable[[Answer], Body]
BatchCheck: TypeAlias = Callable[[Sequence[Body | None]], None]


def write_json(body: Body) -> bytes:
    """The faithful JSON: compact, UTF-8, keys in the order the logic built them."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _same_body(answer: Answer) -> Body:
    return answer.body


def _same_style(style: XmlStyle) -> XmlStyle:
    return style


def _keep_order(rows: list[_R]) -> list[_R]:
    return rows


def _accept_batch(entries: Sequence[Body | None]) -> None:
    """The faithful reading: a bad entry gets its own errorDetails, the others are created."""


@dataclass(frozen=True, slots=True)
class Variant:
    """A faithful way to answer that differs from the server's default one.

    Attributes:
        name: the name given to ``--variant``.
        description: what the server does differently, in one sentence.
        reading: the documentation point it reads differently (why it is still faithful).
        answer: transforms each body the faithful logic built.
        json_writer: writes a JSON body.
        xml_style: adjusts how XML is written.
        middleware: ASGI middleware around the app (HTTP framing, headers, request defaults).
        search_key: normalises ``search_text`` and group names before the substring match.
        type_key: normalises ``group_type`` and group types before they are compared.
        reorder: the order of listed groups and signing groups.
        check_batch: sees the entries of a create request that failed validation (None for a
            good one) before anything is created; may raise ``ApiError`` to refuse the batch.

    Example:
        >>> VARIANTS["gzip"].middleware[0].cls.__name__
        'GZipMiddleware'
    """

    name: str
    description: str
    reading: str
    answer: AnswerHook = _same_body
    json_writer: Callable[[Body], bytes] = write_json
    xml_style: Callable[[XmlStyle], XmlStyle] = _same_style
    middleware: tuple[Middleware, ...] = ()
    search_key: Callable[[str], str] = str.casefold
    type_key: Callable[[str], str] = str.casefold
    reorder: Reorder = _keep_order
    check_batch: BatchCheck = _accept_batch


FAITHFUL = Variant("faithful", "the server's own answers", "the server's own reading")
"""No variant: every hook is the faithful server's behaviour."""


# -- walking a body ------------------------------------------------------------------------

Visit: TypeAlias = Callable[[Answer, str, dict[str, Json]], dict[str, Json]]


def _walk(answer: Answer, shape: str, node: Body, visit: Visit) -> dict[str, Json]:
    """Rebuild ``node`` bottom-up, calling ``visit`` on every object with its shape."""
    out: dict[str, Json] = {}
    for key, value in node.items():
        if isinstance(value, list):
            item = ITEMS.get((shape, key), key)
            out[key] = [
                _walk(answer, item, entry, visit) if isinstance(entry, Mapping) else entry
                for entry in value
            ]
        elif isinstance(value, Mapping):
            out[key] = _walk(answer, OBJECTS.get(key, key), value, visit)
        else:
            out[key] = value
    return visit(answer, shape, out)


def _each(visit: Visit, *, fmt: str | None = None) -> AnswerHook:
    """An answer hook that visits every object of the body (in one representation only)."""

    def hook(answer: Answer) -> Body:
        if fmt is not None and answer.fmt != fmt:
            return answer.body
        return _walk(answer, answer.shape, answer.body, visit)

    return hook


def _drop(unwanted: Callable[[Json], bool]) -> Visit:
    def visit(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
        return {key: value for key, value in node.items() if not unwanted(value)}

    return visit


def _is_empty_list(value: Json) -> bool:
    return isinstance(value, list) and not value


def _members_listed_when_empty(
    answer: Answer, shape: str, node: dict[str, Json]
) -> dict[str, Json]:
    if shape == "group" and answer.is_list_page and "users" not in node:
        return {**node, "users": []}
    return node


def _members_not_listed(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    if shape == "group" and answer.is_list_page:
        return {key: value for key, value in node.items() if key != "users"}
    return node


_SUCCESS: dict[str, Json] = {"errorCode": "SUCCESS", "message": ""}


def _success_entries(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    identified = "groupId" in node or "signingGroupId" in node
    if shape in ("group", "signingGroup") and identified and "errorDetails" not in node:
        return {**node, "errorDetails": dict(_SUCCESS)}
    return node


def _guid(kind: str, key: object) -> str:
    return str(uuid.uuid5(_IDS, f"{kind}:{key}"))


def _published_extras(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    """The fields DocuSign publishes beyond the seeds' definitions (docusign-esign's models)."""
    if shape == "group" and "groupId" in node:
        users = node.get("users")
        return {
            **node,
            "usersCount": str(len(users) if isinstance(users, list) else 0),
            "dsGroupId": _guid("ds-group", node["groupId"]),
            "accessType": "",
            "isManagedByScim": False if answer.fmt == "json" else "false",
            "lastModifiedOn": SEED_TIME,
            "userGroupType": "",
        }
    if shape == "userInfo" and "userId" in node:
        return {
            **node,
            "accountId": answer.account_id,
            "accountName": ACCOUNT_NAME,
            "ipAddress": "",
            "membershipId": _guid("membership", node["userId"]),
        }
    if shape == "newUser" and "userId" in node:
        return {
            **node,
            "membershipId": _guid("membership", node["userId"]),
            "licenseStatus": "unknown",
            "licenseType": "none",
        }
    return node


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GUID_FIELDS = frozenset(
    {"userId", "uri", "signingGroupId", "createdBy", "modifiedBy", "dsGroupId", "membershipId"}
)


def _upper_guids(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    return {
        key: _GUID.sub(lambda m: m[0].upper(), value)
        if key in _GUID_FIELDS and isinstance(value, str)
        else value
        for key, value in node.items()
    }


_NAME_FIELDS = frozenset({"groupName", "userName"})


def _decomposed_names(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    return {
        key: unicodedata.normalize("NFD", value)
        if key in _NAME_FIELDS and isinstance(value, str)
        else value
        for key, value in node.items()
    }


def _active_new_users(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    if shape == "newUser" and node.get("userStatus") == "ActivationSent":
        return {**node, "userStatus": "Active"}
    return node


_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})\d*Z")
_TIMESTAMP_FIELDS = frozenset({"createdDateTime", "created", "modified", "lastModifiedOn"})


def _rfc3339_timestamps(answer: Answer, shape: str, node: dict[str, Json]) -> dict[str, Json]:
    return {
        key: _TIMESTAMP.sub(r"\1.\2+00:00", value)
        if key in _TIMESTAMP_FIELDS and isinstance(value, str)
        else value
        for key, value in node.items()
    }


# -- links ---------------------------------------------------------------------------------

LinkRewrite: TypeAlias = Callable[[Answer, str, str], str]
"""(answer, nextUri or previousUri, the faithful link) -> the link written."""


def _links(rewrite: LinkRewrite) -> AnswerHook:
    """An answer hook that rewrites nextUri / previousUri of list-groups pages.

    The faithful links are server-absolute paths: ``/restapi/v2.1/accounts/{id}/groups?…``.
    """

    def hook(answer: Answer) -> Body:
        if not answer.is_list_page:
            return answer.body
        body = dict(answer.body)
        for key in ("nextUri", "previousUri"):
            value = body.get(key)
            if isinstance(value, str) and value.startswith("/"):
                body[key] = rewrite(answer, key, value)
        return body

    return hook


def _absolute(answer: Answer, key: str, link: str) -> str:
    url = answer.request.url
    host = url.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme.upper()}://{host.upper()}:{port}{link}"


def _below_base(answer: Answer, key: str, link: str) -> str:
    return "/" + link.split("/", 2)[2]  # /restapi/v2.1/accounts/… -> /v2.1/accounts/…


def _below_version(answer: Answer, key: str, link: str) -> str:
    return "/" + link.split("/", 3)[3]  # /restapi/v2.1/accounts/… -> /accounts/…


def _relative_to_account(answer: Answer, key: str, link: str) -> str:
    path, _, query = link.partition("?")
    return f"{path.rsplit('/', 1)[1]}?{query}"  # groups?start_position=…


def _canonical_account(answer: Answer, key: str, link: str) -> str:
    empty, restapi, version, accounts, _, rest = link.split("/", 5)
    return "/".join((empty, restapi, version, accounts, answer.account_id, rest))


def _query_only(answer: Answer, key: str, link: str) -> str:
    return "?" + link.partition("?")[2]


_PERCENT = re.compile("%[0-9A-F]{2}")


def _query_style(answer: Answer, key: str, link: str) -> str:
    path, _, query = link.partition("?")
    asked = answer.request.query_params
    params = [
        (name, value)
        for name, value in parse_qsl(query, keep_blank_values=True)
        if name != "count" or "count" in asked
    ]
    params.sort(key=lambda param: param[0] == "start_position")  # the filters first
    written = urlencode(params, quote_via=quote_plus)
    return f"{path}?{_PERCENT.sub(lambda m: m[0].lower(), written)}"


def _digits(value: Json) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _previous_exact(answer: Answer, key: str, link: str) -> str:
    start = _digits(answer.body.get("startPosition"))
    path, _, query = link.partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    count = next((_digits(value) for name, value in params if name == "count"), None)
    if key != "previousUri" or start is None or not count:
        return link
    exact = {"start_position": str(max(0, start - count)), "count": str(min(count, start))}
    params = [(name, exact.get(name, value)) for name, value in params]
    return f"{path}?{urlencode(params, quote_via=quote)}"


# -- writers -------------------------------------------------------------------------------


def _json_sorted(body: Body) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _json_pretty(body: Body) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode()


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027", "/": "\\/"}
_JSON_ESCAPED = re.compile("[<>&'/]")


def _json_escaped(body: Body) -> bytes:
    # these characters occur only inside strings, never in an escape sequence json writes
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return _JSON_ESCAPED.sub(lambda m: _JSON_ESCAPES[m[0]], text).encode("ascii")


# -- searching, ordering, batches ----------------------------------------------------------


def _fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _by_name(rows: list[_R]) -> list[_R]:
    return sorted(rows, key=lambda row: _fold_accents(row.name))  # stable: ties keep age


def _atomic_batch(entries: Sequence[Body | None]) -> None:
    for index, entry in enumerate(entries):
        details = entry.get("errorDetails") if entry is not None else None
        if isinstance(details, Mapping):
            raise ApiError(
                str(details.get("errorCode") or "INVALID_REQUEST_BODY"),
                f"Entry {index} cannot be created: {details.get('message')} Nothing was "
                "created; correct the entry and send the request again.",
            )


# -- HTTP ----------------------------------------------------------------------------------


def _utf16_xml(media: str) -> str:
    return f"{media}; charset=utf-16" if media == "application/xml" else f"{media}; charset=utf-8"


def _text_xml(media: str) -> str:
    return "text/xml; charset=utf-8" if media == "application/xml" else f"{media}; charset=utf-8"


def _close(headers: MutableHeaders) -> None:
    headers["connection"] = "close"


def _extra_headers(headers: MutableHeaders) -> None:
    reset = int(time.time()) // 3600 * 3600 + 3600
    headers["x-docusign-tracetoken"] = str(uuid.uuid4())
    headers["x-docusign-node"] = "DIGLOT1"
    headers["x-ratelimit-limit"] = "3000"
    headers["x-ratelimit-remaining"] = "2999"
    headers["x-ratelimit-reset"] = str(reset)
    headers["x-burstlimit-limit"] = "500"
    headers["x-burstlimit-remaining"] = "499"
    headers["cache-control"] = "no-cache, no-store"
    headers["pragma"] = "no-cache"
    headers["x-content-type-options"] = "nosniff"
    headers["strict-transport-security"] = "max-age=31536000"
    headers["vary"] = "Accept, Accept-Encoding"
    headers.append("set-cookie", "diglot-routing=node1; Path=/; HttpOnly")


def _accepts(accept_encoding: str, coding: str) -> bool:
    """Whether Accept-Encoding allows ``coding`` (named, with a q-value above 0)."""
    for part in accept_encoding.split(","):
        name, *params = (piece.strip().lower() for piece in part.split(";"))
        if name == coding:
            q = next((p.partition("=")[2] for p in params if p.startswith("q=")), "1")
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


class _Deflate:
    """ASGI middleware: deflate-coded bodies (zlib format) when Accept-Encoding allows it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _accepts(
            Headers(scope=scope).get("accept-encoding", ""), "deflate"
        ):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = zlib.compress(b"".join(chunks))
                    headers = MutableHeaders(raw=list(start.get("headers", [])))
                    headers["content-encoding"] = "deflate"
                    headers["content-length"] = str(len(body))
                    headers.add_vary_header("Accept-Encoding")
                    await send({**start, "headers": headers.raw})
                    await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, sending)


class _Chunked:
    """ASGI middleware: no Content-Length, the body in small pieces (chunked transfer)."""

    SIZE = 256

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                del headers["content-length"]
                await send({**message, "headers": headers.raw})
            elif message["type"] == "http.response.body":
                body: bytes = message.get("body", b"")
                pieces = [body[i : i + self.SIZE] for i in range(0, len(body), self.SIZE)] or [b""]
                for piece in pieces[:-1]:
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                more = message.get("more_body", False)
                await send({"type": "http.response.body", "body": pieces[-1], "more_body": more})
            else:
                await send(message)

        await self.app(scope, receive, sending)


_LIST_GROUPS = re.compile(r"/restapi/v2(?:\.1)?/accounts/[^/]+/groups")


class _DefaultCount:
    """ASGI middleware: a list-groups request without ``count`` gets ``count=N``."""

    def __init__(self, app: ASGIApp, count: int) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and _LIST_GROUPS.fullmatch(scope["path"])
        ):
            query: bytes = scope.get("query_string", b"")
            names = {name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)}
            if "count" not in names:
                extra = f"count={self.count}".encode()
                scope = {**scope, "query_string": query + b"&" + extra if query else extra}
        await self.app(scope, receive, send)


# -- the variants --------------------------------------------------------------------------

_TABLE: tuple[Variant, ...] = (
    # XML writing
    Variant(
        "xml-prefixed",
        "XML elements carry the ds: prefix (xmlns:ds=...) instead of a default namespace, and "
        "nil is xsi:nil",
        "the examples fix the namespace, not its prefix: XML Namespaces make a prefixed and a "
        "default-namespace element the same name",
        xml_style=lambda style: replace(style, prefix="ds", nil_prefix="xsi"),
    ),
    Variant(
        "xml-pretty",
        "XML is pretty-printed, one element a line, after the declaration "
        '<?xml version="1.0" encoding="utf-8"?>',
        "the examples are indented themselves; whitespace between elements of element-only "
        "content is insignificant",
        xml_style=lambda style: replace(
            style, pretty=True, declaration='<?xml version="1.0" encoding="utf-8"?>\n'
        ),
    ),
    Variant(
        "xml-no-declaration",
        "XML bodies start with the root element, without an XML declaration",
        "the examples have no declaration (DataContractSerializer writes none); UTF-8 is "
        "XML's default encoding",
        xml_style=lambda style: replace(style, declaration=None),
    ),
    Variant(
        "xml-char-refs",
        "XML text is ASCII: other characters as numeric character references (&#233;), text "
        "with &, < or > in CDATA sections",
        "the documentation fixes the text, not how XML escapes it",
        xml_style=lambda style: replace(style, char_refs=True),
    ),
    Variant(
        "xml-utf16",
        'XML is encoded in UTF-16 (a byte order mark, encoding="utf-16" in the declaration, '
        "charset=utf-16 in Content-Type)",
        "the documentation fixes the XML, not its encoding; every XML processor reads UTF-16 "
        "(XML 1.0 section 4.3.3)",
        xml_style=lambda style: replace(
            style, encoding="utf-16", declaration='<?xml version="1.0" encoding="utf-16"?>\n'
        ),
        middleware=(Middleware(RewriteHeaders, rewrite=content_type(_utf16_xml)),),
    ),
    Variant(
        "xml-nil-one",
        'XML writes nil as i:nil="1" instead of i:nil="true"',
        'xsi:nil is an XML Schema boolean, whose lexical forms are "true" and "1" alike',
        xml_style=lambda style: replace(style, nil_value="1"),
    ),
    Variant(
        "xml-extra-namespaces",
        "the XML root also declares xmlns:xsd and xmlns:xsi beside xmlns:i, as XmlSerializer "
        "writes them (nil may then come as xsi:nil)",
        "the examples fix the namespaces, not which prefixes are declared; a prefix is only a "
        "name for its namespace",
        xml_style=lambda style: replace(
            style,
            extra_namespaces={"xsd": "http://www.w3.org/2001/XMLSchema", "xsi": _xml.XSI},
        ),
    ),
    Variant(
        "xml-nils-omitted",
        "XML leaves out a nil element (nextUri, previousUri at the ends) instead of writing "
        'i:nil="true"',
        'the documentation says "null", which .NET writes either way (EmitDefaultValue)',
        answer=_each(_drop(lambda value: value is None), fmt="xml"),
    ),
    # JSON writing
    Variant(
        "json-nulls-omitted",
        "JSON leaves out properties whose value is null (nextUri, previousUri at the ends)",
        'the documentation says "null"; DocuSign\'s own JSON leaves such properties out',
        answer=_each(_drop(lambda value: value is None), fmt="json"),
    ),
    Variant(
        "json-keys-sorted",
        "JSON object keys are written in alphabetical order",
        "JSON objects are unordered (RFC 8259); only XML's child order is documented",
        json_writer=_json_sorted,
    ),
    Variant(
        "json-pretty",
        "JSON is indented by two spaces and ends with a newline",
        "whitespace between JSON tokens is insignificant (RFC 8259)",
        json_writer=_json_pretty,
    ),
    Variant(
        "json-escaped",
        r"JSON strings are ASCII: other characters as \u escapes, and <, >, &, ' and / "
        r"escaped (\u003c, \/) as ASP.NET writes them",
        "the documentation fixes the strings, not how JSON escapes them (RFC 8259 allows any "
        "character escaped)",
        json_writer=_json_escaped,
    ),
    # what the bodies hold
    Variant(
        "published-extras",
        "groups, group members and new users carry DocuSign's published extra fields "
        "(usersCount, dsGroupId, isManagedByScim, accountId, membershipId, licenseStatus...), "
        "in XML in alphabetical order among the documented ones",
        "the seeds' definitions are a subset of DocuSign's published ones (docusign-esign's "
        "models); the real API adds fields",
        answer=_each(_published_extras),
    ),
    Variant(
        "empty-lists-omitted",
        "an empty list is left out: no groups on an empty page, no users for a signing group "
        "without members",
        "the documentation never says whether an empty collection is written empty or not at all",
        answer=_each(_drop(_is_empty_list)),
    ),
    Variant(
        "empty-members-listed",
        "listed groups without members carry an empty users list ([] / <users/>) instead of none",
        "the documentation never says whether an empty collection is written empty or not at all",
        answer=_each(_members_listed_when_empty),
    ),
    Variant(
        "members-not-listed",
        "listed groups carry no users at all (as DocuSign's list answers)",
        "group.users is defined, but nothing says list groups fills it in",
        answer=_each(_members_not_listed),
    ),
    Variant(
        "entry-success",
        "listed, created and signing groups carry errorDetails {errorCode: SUCCESS, "
        'message: ""}, as the examples show',
        "the examples show a SUCCESS errorDetails on each group; the server leaves it out by "
        "default",
        answer=_each(_success_entries),
    ),
    Variant(
        "names-nfd",
        "groupName and userName are written in Unicode normalization form D (É as E and a "
        "combining acute accent)",
        "canonically equivalent text is the same text (Unicode conformance C6); the "
        "documentation fixes no normalization form",
        answer=_each(_decomposed_names),
    ),
    Variant(
        "new-users-active",
        "new users come out with userStatus Active instead of ActivationSent (an account that "
        "needs no activation)",
        "userStatus is one of the documented enumeration; whether activation is needed is the "
        "account's setting",
        answer=_each(_active_new_users),
    ),
    Variant(
        "upper-case-guids",
        "userId, uri, signingGroupId, createdBy and modifiedBy write their GUIDs in upper case",
        "GUIDs are case-insensitive (RFC 4122 reads either case); the documentation only says GUID",
        answer=_each(_upper_guids),
    ),
    Variant(
        "rfc3339-timestamps",
        "createdDateTime, created and modified are written with milliseconds and a +00:00 "
        "offset (2024-03-01T09:30:00.000+00:00)",
        'the fields are documented as strings ("the UTC DateTime"); the example\'s seven '
        "digits and Z are one ISO 8601 spelling of many",
        answer=_each(_rfc3339_timestamps),
    ),
    # links
    Variant(
        "absolute-links",
        "nextUri/previousUri are absolute URLs with an upper-case scheme and host and an "
        "explicit port (HTTP://127.0.0.1:PORT/restapi/v2.1/...)",
        "the form of the URIs is not documented; scheme and host are case-insensitive and an "
        "explicit port is the same origin (RFC 3986 normalisation)",
        answer=_links(_absolute),
    ),
    Variant(
        "version-relative-links",
        "nextUri/previousUri are paths below the base URL: /v2.1/accounts/{id}/groups?...",
        "the form of the URIs is not documented; the documentation's own paths start at "
        "/v2.1 (the base URL ends in /restapi)",
        answer=_links(_below_base),
    ),
    Variant(
        "account-path-links",
        "nextUri/previousUri are paths below the API version: /accounts/{id}/groups?...",
        "the form of the URIs is not documented; other DocuSign lists write their links below "
        "the API version",
        answer=_links(_below_version),
    ),
    Variant(
        "account-relative-links",
        "nextUri/previousUri are relative references: groups?start_position=...",
        "the form of the URIs is not documented; a relative reference resolves against the "
        "page's own URL (RFC 3986) to the next page",
        answer=_links(_relative_to_account),
    ),
    Variant(
        "canonical-account-links",
        "nextUri/previousUri name the account by its GUID even when the request used the "
        "external account number",
        "the account is named by either id (the documentation's accountId); a link may use "
        "the canonical one",
        answer=_links(_canonical_account),
    ),
    Variant(
        "query-only-links",
        "nextUri/previousUri are query-only relative references: ?start_position=...",
        "the form of the URIs is not documented; a query-only reference resolves against the "
        "page's own URL (RFC 3986 section 5.2.2) to the same path with the new query",
        answer=_links(_query_only),
    ),
    Variant(
        "link-query-style",
        "link queries put the filters first and start_position last, write spaces as + and "
        "percent-encodings in lower case (%c3%a9), and carry count only when the request did",
        "the form of the URIs is not documented; query parameters are unordered, + is a space "
        "in a query, percent-encodings are case-insensitive (RFC 3986 section 2.1), and an "
        "absent count is the same default on the next page",
        answer=_links(_query_style),
    ),
    Variant(
        "previous-exact",
        "previousUri of a page at start s with count c leads to start max(0, s-c) with count "
        "min(c, s): the previous page ends right before s",
        'previousUri is "the URI for the prior chunk"; the server clamps it to start 0 with '
        "count c by default, which may overlap the current page",
        answer=_links(_previous_exact),
    ),
    # which data answers
    Variant(
        "small-default-count",
        "a list-groups request without count gets pages of 10 groups (the links then say count=10)",
        "the documentation gives no default for count",
        middleware=(Middleware(_DefaultCount, count=10),),
    ),
    Variant(
        "groups-by-name",
        "groups and signing groups are listed in alphabetical order of their names (accents "
        "and case ignored) instead of creation order",
        "the documentation gives no order for either list",
        reorder=_by_name,
    ),
    Variant(
        "accent-insensitive-search",
        "search_text matches group names ignoring case and accents (e finds Équipe Lyon)",
        "search_text's matching is not documented (signing groups: 'a wild card search'); "
        "accent-insensitive collation is common",
        search_key=_fold_accents,
    ),
    Variant(
        "case-sensitive-group-type",
        "group_type matches group types exactly, case included (customgroup finds nothing, "
        "CustomGroup finds the custom groups)",
        "group_type's matching is not documented; the types are fixed spellings",
        type_key=lambda text: text,
    ),
    Variant(
        "atomic-batches",
        "a create request with one bad entry (no groupName, unknown permissionProfileId, no "
        "email) is refused whole with 400 errorDetails; nothing is created",
        'the documentation says "it is an error if the permissionProfileId does not exist" and '
        "lists 400 errorDetails, without saying whether the error is the entry's or the request's",
        check_batch=_atomic_batch,
    ),
    # HTTP
    Variant(
        "charset-upper",
        "Content-Type is written application/json;charset=UTF-8 (no space, upper-case charset)",
        "media type parameters may be spelled either way: charset values are case-insensitive "
        "and whitespace around ; is optional (RFC 9110)",
        middleware=(
            Middleware(RewriteHeaders, rewrite=content_type(lambda m: f"{m};charset=UTF-8")),
        ),
    ),
    Variant(
        "charset-quoted",
        'Content-Type\'s charset is a quoted string: application/json; charset="utf-8"',
        "a media type parameter's value is a token or a quoted string, the same value "
        "(RFC 9110 section 5.6.6)",
        middleware=(
            Middleware(RewriteHeaders, rewrite=content_type(lambda m: f'{m}; charset="utf-8"')),
        ),
    ),
    Variant(
        "no-charset",
        "Content-Type has no charset parameter (application/json, application/xml)",
        "JSON is UTF-8 by definition (RFC 8259) and XML says its encoding itself (RFC 7303)",
        middleware=(Middleware(RewriteHeaders, rewrite=content_type(lambda m: m)),),
    ),
    Variant(
        "text-xml",
        "XML is labelled text/xml; charset=utf-8 instead of application/xml",
        "text/xml and application/xml are the same XML media type (RFC 7303)",
        middleware=(Middleware(RewriteHeaders, rewrite=content_type(_text_xml)),),
    ),
    Variant(
        "gzip",
        "bodies are gzip-compressed (Content-Encoding: gzip) when Accept-Encoding allows it",
        "content coding is HTTP's choice, negotiated by Accept-Encoding (RFC 9110)",
        middleware=(Middleware(GZipMiddleware, minimum_size=0),),
    ),
    Variant(
        "deflate",
        "bodies are deflate-coded (Content-Encoding: deflate, zlib format) when Accept-Encoding "
        "allows it",
        "content coding is HTTP's choice, negotiated by Accept-Encoding (RFC 9110)",
        middleware=(Middleware(_Deflate),),
    ),
    Variant(
        "chunked",
        "bodies are sent with Transfer-Encoding: chunked, in 256-byte pieces, without "
        "Content-Length",
        "message framing is HTTP/1.1's choice (RFC 9112)",
        middleware=(Middleware(_Chunked),),
    ),
    Variant(
        "connection-close",
        "every answer says Connection: close and the server closes the connection after it",
        "persistent connections are HTTP/1.1's option, not the API's (RFC 9112 section 9.6)",
        middleware=(Middleware(RewriteHeaders, rewrite=_close),),
    ),
    Variant(
        "extra-headers",
        "answers carry DocuSign-like extra headers: X-DocuSign-TraceToken, X-RateLimit-*, "
        "X-BurstLimit-*, Cache-Control, Vary, a routing cookie",
        "the documentation lists no response headers; unknown headers are to be ignored (RFC 9110)",
        middleware=(Middleware(RewriteHeaders, rewrite=_extra_headers),),
    ),
)

VARIANTS: Mapping[str, Variant] = MappingProxyType({variant.name: variant for variant in _TABLE})
"""Every variant of the reference server, by name, in a stable order."""


def get_variant(name: str | None) -> Variant | None:
    """Look a variant up by name.

    Args:
        name: a key of ``VARIANTS``, or None for the server's own answers.

    Returns:
        The variant, or None when ``name`` is None.

    Raises:
        UsageError: the name is not a known variant; the message suggests close matches.
    """
    return look_up(VARIANTS, name, kind="variant", listing="--list-variants")
