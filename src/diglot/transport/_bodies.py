"""Reading response bodies safely: JSON and XML that a hostile server may have crafted.

Both parsers turn every way a body can be unreadable into a ``BodyProblem`` whose message is
one sentence saying what is wrong and where; they never raise anything else for any input.

JSON is read by the standard library's C decoder with hooks that refuse what RFC 8259 does
not allow or what would mislead the checks: NaN and Infinity, duplicate object keys, numbers
that overflow, unpaired surrogates, nesting deeper than ``MAX_JSON_DEPTH``.

XML is read by lxml with every external access off: no DTD is loaded, no entity is expanded,
no file or network is read, and libxml2's depth limit (256) holds. A document that carries a
DTD at all is refused, so entity tricks (external entities, billion laughs) never get a chance.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import TYPE_CHECKING, NoReturn

from lxml import etree

from diglot.errors import UnsafeXml
from diglot.specs import _safexml as safexml

if TYPE_CHECKING:
    from diglot.model import JSONValue

MAX_JSON_DEPTH = 200
"""Deepest JSON nesting accepted: the API's bodies are 5 levels deep; checks recurse."""

_BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BodyProblem(ValueError):
    """A response body that cannot be read as the content type it claims.

    Attributes:
        message: one sentence: what is wrong with the body and where.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- JSON ---------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Overflow(Exception):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


class _Pairs(list[tuple[str, object]]):
    """An object as its key/value pairs, duplicates kept (the slow path that names them)."""


def _object(pairs: list[tuple[str, JSONValue]]) -> dict[str, JSONValue]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


def _constant(name: str) -> NoReturn:
    raise _Constant(name)


def _float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _Overflow(literal)
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant, parse_float=_float)
_PAIRS_DECODER = json.JSONDecoder(object_pairs_hook=_Pairs, parse_constant=_constant)


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {column}"


def _first_duplicate(text: str) -> tuple[str, str]:
    """The pointer of the first object (document order) with a repeated key, and the key."""
    stack: list[tuple[object, str]] = [(_PAIRS_DECODER.decode(text), "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            for key, _ in node:
                if key in seen:
                    return pointer, key
                seen.add(key)
            stack.extend((value, f"{pointer}/{_escape(key)}") for key, value in reversed(node))
        elif isinstance(node, list):
            stack.extend((item, f"{pointer}/{i}") for i, item in reversed(list(enumerate(node))))
    return "", ""  # pragma: no cover - only called after the fast path saw a duplicate


_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')


def _too_deep(body: bytes) -> bool:
    """Whether valid JSON ``body`` nests deeper than ``MAX_JSON_DEPTH``, at C speed.

    Escaped quotes are dropped, then everything but quotes and brackets; the text between
    quotes (inside strings) goes; each pass then removes one level of innermost pairs.
    """
    if b"\\" in body:
        # pairs of backslashes first, left to right, as a JSON reader reads escapes
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(body.translate(None, _NOT_STRUCTURE).split(b'"')[0::2])
    depth = 0
    while brackets:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return True
        brackets = brackets.replace(b"[]", b"x").replace(b"{}", b"x").replace(b"x", b"")
    return False


def _lone_surrogate(value: JSONValue) -> str | None:
    """The pointer of the first string (or key) holding an unpaired UTF-16 surrogate."""
    stack: list[tuple[JSONValue, str]] = [(value, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return pointer or "/"
        elif isinstance(node, dict):
            for key, child in node.items():
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    return f"{pointer}/{_escape(key.encode('utf-8', 'backslashreplace').decode())}"
                stack.append((child, f"{pointer}/{_escape(key)}"))
        elif isinstance(node, list):
            stack.extend((child, f"{pointer}/{i}") for i, child in enumerate(node))
    return None


def _decode_error(text: str, error: json.JSONDecodeError) -> BodyProblem:
    where = _where(text, error.pos)
    if error.msg == "Extra data":
        return BodyProblem(f"the body has extra data after the JSON value, at {where}")
    if error.msg.startswith("Invalid control character"):
        char = text[error.pos] if error.pos < len(text) else ""
        return BodyProblem(
            f"a JSON string holds the raw control character U+{ord(char):04X} at {where}; "
            "control characters must be escaped"
        )
    if not text[error.pos :].strip() or error.msg.startswith("Unterminated string"):
        return BodyProblem(
            f"the body ends before the JSON value is complete (truncated?): "
            f"{error.msg.lower().removesuffix(' at')} at {where}"
        )
    return BodyProblem(f"the body is not valid JSON: {error.msg.lower()} at {where}")


def parse_json(body: bytes, *, truncated: bool = False) -> JSONValue:
    """Parse a JSON response body strictly, as RFC 8259 and the checks need it.

    Args:
        body: the body bytes, as the transport kept them.
        truncated: the transport cut the body at its size limit; such a body is not parsed.

    Returns:
        The decoded value; objects are ``dict``, arrays ``list``, numbers ``int`` or ``float``.

    Raises:
        BodyProblem: the body is not one complete JSON value in UTF-8 without a byte order
            mark, or it holds NaN/Infinity, a duplicate key, a number too large to hold, an
            unpaired surrogate or nesting deeper than ``MAX_JSON_DEPTH``.

    Example:
        >>> parse_json(b'{"groups": []}')
        {'groups': []}
    """
    if truncated:
        raise BodyProblem(
            f"the body is larger than the size limit and was cut after {len(body)} bytes, "
            "so it was not parsed"
        )
    if body.startswith(_BOM):
        raise BodyProblem("the body starts with a UTF-8 byte order mark, which JSON forbids")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyProblem(
            f"the body is not valid UTF-8: byte 0x{body[error.start]:02x} at offset "
            f"{error.start} ({error.reason})"
        ) from None
    if not text.strip():
        raise BodyProblem("the body is empty, where a JSON value was expected")
    try:
        value: JSONValue = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise _decode_error(text, error) from None
    except _DuplicateKey:
        pointer, key = _first_duplicate(text)
        raise BodyProblem(
            f"the JSON object at {pointer or '/'} has the key {key!r} more than once"
        ) from None
    except _Constant as error:
        raise BodyProblem(
            f"the body holds {error.name}, which is not a JSON number (RFC 8259)"
        ) from None
    except _Overflow as error:
        raise BodyProblem(
            f"the number {error.literal[:40]} is too large for a double-precision float"
        ) from None
    except RecursionError:
        raise BodyProblem(
            f"the JSON nests too deeply to decode (the limit is {MAX_JSON_DEPTH} levels)"
        ) from None
    except ValueError as error:  # int max str digits
        if "digits" in str(error):
            raise BodyProblem(
                "a JSON number has more digits than Python converts "
                f"(limit {sys.get_int_max_str_digits()} digits)"
            ) from None
        raise BodyProblem(f"the body is not valid JSON: {error}") from None
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _too_deep(body):
        raise BodyProblem(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(value)
        if where is not None:
            raise BodyProblem(f"the JSON string at {where} holds an unpaired UTF-16 surrogate")
    return value


# --- XML ----------------------------------------------------------------------------------


def parse_xml(body: bytes, *, truncated: bool = False) -> etree._Element:
    """Parse an XML response body with every external access off, and refuse any DTD.

    No DTD is loaded, no entity expanded, no file or network read; libxml2's depth limit of
    256 levels holds (``huge_tree`` off).

    Args:
        body: the body bytes, as the transport kept them.
        truncated: the transport cut the body at its size limit; such a body is not parsed.

    Returns:
        The root element.

    Raises:
        BodyProblem: the body is empty, not well-formed (with line and column), nests too
            deeply, or carries a DTD (``<!DOCTYPE``), which the API never sends.

    Example:
        >>> parse_xml(b"<groups/>").tag
        'groups'
    """
    if truncated:
        raise BodyProblem(
            f"the body is larger than the size limit and was cut after {len(body)} bytes, "
            "so it was not parsed"
        )
    if not body.strip():
        raise BodyProblem("the body is empty, where an XML document was expected")
    try:
        return safexml.parse(body)
    except etree.XMLSyntaxError as error:
        if b"<!DOCTYPE" in body:
            raise BodyProblem(
                "a DTD is not allowed: the body carries a <!DOCTYPE> (and is not well-formed)"
            ) from None
        message = (error.msg or "").split(", line ", 1)[0]
        line, column = error.position
        if message.startswith("Excessive depth"):
            raise BodyProblem(
                f"the XML nests deeper than libxml2's limit of 256 levels (line {line}, "
                f"column {column})"
            ) from None
        raise BodyProblem(
            f"the body is not well-formed XML: {message} (line {line}, column {column})"
        ) from None
    except UnsafeXml as error:
        raise BodyProblem(str(error).replace("the document", "the body", 1)) from None
    except (ValueError, etree.LxmlError) as error:
        raise BodyProblem(f"the body cannot be read as XML: {error}") from None
