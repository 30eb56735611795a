"""What faults and variants are made of: the faithful answer, and rewrites of HTTP messages.

The faithful logic (``_app``) builds each answer as an ``Answer``; a fault (``_faults``) and
then a variant (``_variants``) may rewrite it before it is written. Both may also wrap the app
in ASGI middleware that rewrites the request before the logic sees it, or the response's
headers after it is built (``RewriteHeaders``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from diglot.errors import UsageError
from diglot.server._http import ApiError, Json

Body: TypeAlias = Mapping[str, Json]
"""A body before it is written: a tree of dicts, lists, strings, numbers, booleans and None."""


@dataclass(frozen=True, slots=True)
class Page:
    """The list-groups page an answer shows, as the faithful logic computed it.

    Attributes:
        start: the requested start position (0-based).
        count: the page size asked for (or the default).
        link: the server-absolute URI of the same query's page at a given start position
            (what ``nextUri`` and ``previousUri`` hold).
    """

    start: int
    count: int
    link: Callable[[int], str]


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer of the faithful logic, about to be written.

    Attributes:
        request: the request it answers.
        fmt: ``json`` or ``xml``: the representation being written.
        status: the HTTP status.
        shape: the body's shape (``groupInformation``, ``errorDetails``...).
        body: the body, a tree of dicts, lists, strings and None.
        account_id: the account's id (GUID).
        error: the error an ``errorDetails`` answer reports, else None.
        page: the page a list-groups answer shows, else None.
    """

    request: Request
    fmt: str
    status: int
    shape: str
    body: Body
    account_id: str
    error: ApiError | None = None
    page: Page | None = None

    @property
    def is_list_page(self) -> bool:
        """A 200 page of list groups (not a create-groups answer of the same shape)."""
        return (
            self.shape == "groupInformation" and self.status == 200 and self.request.method == "GET"
        )


class RewriteHeaders:
    """ASGI middleware: rewrites every response's headers."""

    def __init__(self, app: ASGIApp, rewrite: Callable[[MutableHeaders], None]) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                self.rewrite(headers)
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, sending)


def content_type(rewrite: Callable[[str], str]) -> Callable[[MutableHeaders], None]:
    """A header rewrite of Content-Type, given its media type without parameters."""

    def rewriting(headers: MutableHeaders) -> None:
        if "content-type" in headers:
            media = headers["content-type"].split(";")[0].strip()
            headers["content-type"] = rewrite(media)

    return rewriting


T = TypeVar("T")


def look_up(table: Mapping[str, T], name: str | None, *, kind: str, listing: str) -> T | None:
    """A fault or variant by name (None for None).

    An unknown name is a usage error with close matches and the command that lists them all.
    """
    if name is None:
        return None
    try:
        return table[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(table), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown {kind} {name!r}.{hint} Run 'diglot serve {listing}' to see all "
            f"{len(table)} {kind}s."
        ) from None
