"""HTTP plumbing of the reference server: errors, content negotiation, request bodies."""

from __future__ import annotations

import json
import math
import re
from typing import TypeAlias

from starlette.requests import Request

from diglot.server import _xml

Json: TypeAlias = object
"""A decoded JSON (or XML) value."""

MAX_BODY_BYTES = 5 * 1024 * 1024
"""Request bodies larger than this are refused with 400 before parsing."""

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"

_XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ApiError(Exception):
    """An error answered as ``errorDetails``."""

    def __init__(
        self, code: str, message: str, *, status: int = 400, malformed: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.malformed = malformed
        """The input could not even be read: an empty or malformed body, a count that is not
        digits (as opposed to well-formed input that the documentation refuses)."""


def show(value: str, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…'"


def xml_safe(text: str) -> bool:
    return _XML_UNSAFE.search(text) is None


def negotiate(accept: str) -> str:
    """``xml`` when Accept asks for XML at least as much as for JSON, else ``json``."""
    best = {"json": 0.0, "xml": 0.0}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        kind = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}.get(media)
        if kind is None:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best[kind] = max(best[kind], quality)
    return "xml" if best["xml"] > 0 and best["xml"] >= best["json"] else "json"


async def read_body(request: Request, root: str) -> dict[str, Json]:
    """The request body as data, from JSON or XML; ``root`` is the XML root's name."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("", "application/json", "application/xml", "text/xml"):
        raise ApiError(
            "INVALID_CONTENT_TYPE",
            f"Content-Type {show(media)} is not supported. Send application/json or "
            "application/xml.",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ApiError(
            "INVALID_REQUEST_BODY",
            "The request body is empty. Send a JSON or XML body as documented.",
            malformed=True,
        )
    if media in ("application/xml", "text/xml"):
        try:
            shape, data = _xml.parse(raw)
        except _xml.XmlBodyError as exc:
            raise ApiError(
                "INVALID_REQUEST_BODY",
                f"The XML request body is not acceptable: {exc}",
                malformed=True,
            ) from None
        if shape != root:
            raise ApiError(
                "INVALID_REQUEST_BODY",
                f"The XML request body's root element is <{shape}>; this operation takes <{root}>.",
            )
        return data
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise ApiError(
            "INVALID_REQUEST_BODY",
            f"The JSON request body is malformed: {exc}",
            malformed=True,
        ) from None
    if not isinstance(data, dict):
        raise ApiError(
            "INVALID_REQUEST_BODY",
            f"The JSON request body is a {type(data).__name__}; send an object ({root}).",
        )
    return data


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999999 would otherwise become inf
        raise ValueError(f"the number {show(literal)} is out of range")
    return value


def _too_large() -> ApiError:
    return ApiError(
        "REQUEST_ENTITY_TOO_LARGE",
        f"The request body is larger than {MAX_BODY_BYTES} bytes. Send fewer items per request.",
    )
