"""Sending: one request at a time over HTTP, within limits, never leaking the token.

``Transport`` sends a ``Request`` and gives back a ``Response`` or a typed ``Failure`` (time
limit, size limit, connection, TLS, protocol): deadlines from connect to last byte, bounded
bodies after decompression, no redirects followed, rate limit, retries of what is safe to
repeat, the bearer token added here and scrubbed from everything that comes back
(``Redactor``). ``parse_json`` / ``parse_xml`` read the bytes that came back, defused.
"""

from __future__ import annotations

from diglot.transport._bodies import BodyProblem, parse_json, parse_xml
from diglot.transport._client import Limits, Transport, check_reachable
from diglot.transport._redact import Redactor

__all__ = [
    "BodyProblem",
    "Limits",
    "Redactor",
    "Transport",
    "check_reachable",
    "parse_json",
    "parse_xml",
]
