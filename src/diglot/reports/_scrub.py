r"""What every report writes goes through here: secrets redacted, excerpts pretty-printed and capped.

The order matters. A body is redacted as bytes (every known encoding of the token), then
pretty-printed (which decodes JSON and XML escapes, so a ``\u0073…`` token becomes readable),
then redacted again as text, and only then cut: cutting first could leave half a token behind
the cut, where no redaction pattern would recognise it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree

from diglot._display import cap as cap_text
from diglot.specs import _safexml as safexml
from diglot.transport._bodies import BodyProblem, parse_json
from diglot.transport._redact import REDACTED, Redactor

if TYPE_CHECKING:
    from diglot.model import JSONValue

BODY_LIMIT = 4096
"""Characters of a request or response body kept in a report; the rest is counted."""

TEXT_LIMIT = 4096
"""Characters of a finding's expected / actual value, message or a run error kept in a report."""
NAME_LIMIT = 256
"""Characters of an operation id, check id, content type, method, header name or account."""
SHORT_LIMIT = 1024
"""Characters of a location, a description, a skip reason or an inconclusive reason."""
URL_LIMIT = 8192
"""Characters of a URL (a longer one gets no curl line: see ``Request.to_curl``)."""
HEADER_LIMIT = 4096
"""Characters of one header value."""
REASONS_KEPT = 50
"""Distinct inconclusive reasons kept per result; the rest are counted under one."""

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-docusign-authentication",
        "x-api-key",
    }
)
"""Headers whose value is a credential: always replaced, whatever it looks like."""

OTHER_REASONS = "(other reasons)"
_SECRET_OPTION = re.compile(r"token|secret|password|authorization|credential", re.IGNORECASE)
_DECLARATION = re.compile(r"\s*(<\?xml[^>]*\?>)\s*")
_MARKER = re.compile(r"\n… (\d+) more bytes\Z")
# XML 1.0 forbids most C0 controls even as character references; HTML shows them as junk.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    r"""Replace characters that XML 1.0 cannot carry with a visible ``\xNN`` escape."""
    return _ILLEGAL_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class Scrubber:
    """Applies a ``Redactor`` to everything a report holds.

    Args:
        redactor: the run's redactor (knows the token); None redacts only token-looking
            values and credential headers.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor if redactor is not None else Redactor()

    def text(self, text: str, *, limit: int | None = None) -> str:
        """Redact ``text``, then cut it at ``limit`` characters, saying how many were cut.

        Redacting first: a cut could leave half a token that no pattern recognises.
        Idempotent, so a report read back and written again is the same report.
        """
        return cap_text(self.redactor.text(text), limit)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Credential headers replaced outright; every other value redacted as text, capped."""
        return {
            self.text(name, limit=NAME_LIMIT): REDACTED
            if name.lower() in SECRET_HEADERS
            else self.text(value, limit=HEADER_LIMIT)
            for name, value in headers.items()
        }

    def reasons(self, reasons: Mapping[str, int]) -> dict[str, int]:
        """Inconclusive reasons with their counts: redacted, capped, at most ``REASONS_KEPT``.

        The rest are counted under ``OTHER_REASONS``. Idempotent.
        """
        merged: dict[str, int] = {}
        for reason, count in reasons.items():
            key = reason if reason == OTHER_REASONS else self.text(reason, limit=SHORT_LIMIT)
            merged[key] = merged.get(key, 0) + count
        other = merged.pop(OTHER_REASONS, 0)
        ranked = sorted(merged.items(), key=lambda item: -item[1])
        kept = dict(ranked[:REASONS_KEPT])
        other += sum(count for _, count in ranked[REASONS_KEPT:])
        if other:
            kept[OTHER_REASONS] = other
        return kept

    def raw_body(self, body: bytes) -> str:
        """A body as text, redacted, neither reformatted nor cut (the curl line needs it whole)."""
        return self.redactor.text(self.redactor.bytes(body).decode("utf-8", errors="replace"))

    def body(self, body: bytes, media_type: str = "", *, pretty: bool = True) -> str:
        """A body excerpt: redacted, pretty-printed when it is JSON or XML, capped.

        Idempotent: an excerpt passed through again comes back unchanged, so a report
        re-rendered from ``report.json`` shows the same excerpts.
        """
        text = self.raw_body(body)
        marker = _MARKER.search(text)
        if marker is not None and marker.start() <= BODY_LIMIT:
            return text  # already an excerpt
        if pretty:
            text = self.redactor.text(pretty_print(text, media_type))
        return cap(text, BODY_LIMIT)

    def value(self, value: JSONValue, key: str = "") -> JSONValue:
        """Redact a JSON value (run options) recursively; credential-named keys are hidden."""
        if _SECRET_OPTION.search(key) and value not in (None, "", False):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(k): self.value(v, k) for k, v in value.items()}
        return value


def cap(text: str, limit: int | None) -> str:
    """Cut ``text`` at ``limit`` characters and say how many bytes were left out."""
    if limit is None or len(text) <= limit:
        return text
    rest = len(text[limit:].encode("utf-8"))
    return f"{text[:limit]}\n… {rest} more bytes"


def pretty_print(text: str, media_type: str = "") -> str:
    """Indent a JSON or XML document; anything else (or anything broken) comes back as is.

    JSON with duplicate member names is left alone: re-serialising would hide the duplicate,
    which may be exactly what the finding is about.
    """
    stripped = text.lstrip()
    if "json" in media_type or (not media_type and stripped[:1] in ("{", "[")):
        return _pretty_json(text)
    if "xml" in media_type or (not media_type and stripped[:1] == "<"):
        return _pretty_xml(text)
    return text


def _pretty_json(text: str) -> str:
    # the checks' own strict parser: a body it refuses (duplicate keys, NaN, too deep...) is
    # shown as it came, since the finding may be about exactly that
    try:
        data = parse_json(text.encode("utf-8"))
    except BodyProblem:
        return text
    return json.dumps(data, indent=2, ensure_ascii=False)


def _pretty_xml(text: str) -> str:
    # The declaration is kept as sent (a finding may be about it) but not parsed: the text
    # is already decoded, and its declared encoding may no longer describe it.
    declaration = _DECLARATION.match(text)
    prolog = declaration.group(1) + "\n" if declaration else ""
    document = text[declaration.end() :] if declaration else text
    try:
        root = safexml.parse(document.encode("utf-8"), for_display=True)
    except (etree.XMLSyntaxError, ValueError):  # UnsafeXml is a ValueError
        return text
    tree = etree.tostring(root.getroottree(), encoding="unicode", pretty_print=True)
    return prolog + tree.rstrip("\n")
