"""Keeping secrets out of everything diglot writes.

A hostile or careless server may echo the bearer token back, raw or encoded. The transport
scrubs response bytes with a ``Redactor`` before any check sees them, and every writer
(reports, terminal, pytest messages) passes its text through the same ``Redactor`` again,
because a parser may have decoded an escaped token (a JSON or XML escape) along the way.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_MIN_NEEDLE = 6
# Token-looking values that are redacted even when diglot does not know them: JWTs and
# anything after "Bearer".
_GENERIC = re.compile(
    r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
    r"|(?<=[Bb]earer )[A-Za-z0-9._~+/=-]{8,}"
)


def _base64_needles(secret: bytes) -> set[bytes]:
    """Substrings that appear in the base64 of any text containing ``secret``, at any offset."""
    needles: set[bytes] = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + secret)
            start = 0 if offset == 0 else 4
            end = ((offset + len(secret)) // 3) * 4
            if end - start >= _MIN_NEEDLE:
                needles.add(encoded[start:end])
    return needles


def _variants(secret: str) -> set[bytes]:
    raw = secret.encode("utf-8")
    text_variants = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        "".join(f"\\u{ord(ch):04x}" for ch in secret),
        "".join(f"\\u{ord(ch):04X}" for ch in secret),
        "".join(f"&#{ord(ch)};" for ch in secret),
        "".join(f"&#x{ord(ch):x};" for ch in secret),
        "".join(f"&#x{ord(ch):X};" for ch in secret),
        "".join(f"%{b:02X}" for b in raw),
        "".join(f"%{b:02x}" for b in raw),
        secret[::-1],
    }
    found = {variant.encode("utf-8") for variant in text_variants}
    found |= {binascii.hexlify(raw), binascii.hexlify(raw).upper()}
    found |= _base64_needles(raw)
    found |= _base64_needles(b"Bearer " + raw)
    return {needle for needle in found if len(needle) >= _MIN_NEEDLE}


class Redactor:
    """Replaces secrets, and token-looking values, with ``[REDACTED]``.

    Args:
        secrets: the values to hide (the bearer token). Empty or very short ones are ignored.

    Example:
        >>> Redactor(["s3cr3t-token"]).text("echo: s3cr3t-token")
        'echo: [REDACTED]'
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = [secret for secret in secrets if secret]
        needles: set[bytes] = set()
        for secret in self._secrets:
            if secret and len(secret) >= _MIN_NEEDLE:
                needles |= _variants(secret)
        ordered = sorted(needles, key=len, reverse=True)
        self._bytes = re.compile(b"|".join(re.escape(n) for n in ordered)) if ordered else None
        self._text = (
            re.compile("|".join(re.escape(n.decode("utf-8", "replace")) for n in ordered))
            if ordered
            else None
        )

    def add(self, secret: str | None) -> None:
        """Learn one more secret: a token renewed during the run (JWT grant, token command)."""
        if secret and secret not in self._secrets:
            Redactor.__init__(self, [*self._secrets, secret])

    def bytes(self, data: bytes) -> bytes:
        """Scrub raw bytes (a response body) of every known secret encoding."""
        if self._bytes is None or not data:
            return data
        return self._bytes.sub(REDACTED.encode(), data)

    def text(self, text: str) -> str:
        """Scrub text: known secrets in any encoding, JWTs, and values after ``Bearer``."""
        if not text:
            return text
        if self._text is not None:
            text = self._text.sub(REDACTED, text)
        return _GENERIC.sub(REDACTED, text)
