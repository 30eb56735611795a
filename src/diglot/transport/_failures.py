"""Typed transport failures: why no usable response came, by kind, as a sentence.

A failure *is* its sentence (a ``str``), so reports and findings carry it as text, and it is
typed, so the engine decides by kind instead of by matching words: ``isinstance(failure,
TimeLimit)``. Like httpx's exception tree, but values, since a failed exchange is a finding
to report, not an error to raise.

The tree::

    Failure                 any request that got no usable response
    ├── TimeLimit           the time limit ran out (connect, headers or body)
    ├── SizeLimit           headers larger or more numerous than the limits
    ├── ConnectionFailure   refused, reset, closed early, broken
    ├── TlsFailure          an untrusted certificate or a failed handshake
    ├── ProtocolFailure     not HTTP/1.1, an empty reply, a malformed status line, a body
    │                       that cannot be decoded
    ├── NotSent             the request never left: outside the target, an unusable URL
    └── Throttled           not sent either: the target throttles and the wait it asks for
                            is longer than the user allows (``--max-wait``)
"""

from __future__ import annotations


class Failure(str):
    """Why a request got no usable response; the text is the sentence diglot reports."""

    __slots__ = ()

    @property
    def kind(self) -> str:
        """The kind in words, e.g. ``time limit``."""
        return _KINDS[type(self)]


class TimeLimit(Failure):
    __slots__ = ()


class SizeLimit(Failure):
    __slots__ = ()


class ConnectionFailure(Failure):
    __slots__ = ()


class TlsFailure(Failure):
    __slots__ = ()


class ProtocolFailure(Failure):
    __slots__ = ()


class NotSent(Failure):
    __slots__ = ()


class Throttled(NotSent):
    __slots__ = ()


_KINDS: dict[type[Failure], str] = {
    Failure: "failure",
    TimeLimit: "time limit",
    SizeLimit: "size limit",
    ConnectionFailure: "connection",
    TlsFailure: "TLS",
    ProtocolFailure: "protocol",
    NotSent: "not sent",
    Throttled: "throttled",
}
