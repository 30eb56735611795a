"""Names that diglot creates: recognisable, unique within a run, and safe to accept.

Every group and user name diglot creates starts with the run's stem, ``PREFIX RUN-ID -``
(``diglot-hl3x2a9f1-``), and every e-mail address does too, at ``example.com``: a domain
reserved by RFC 2606 for examples, so no activation mail reaches a person. The run id starts
with the run's start (minutes since the epoch, base 36), so ``diglot cleanup --older-than``
can tell how old a leftover is from its name alone.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import strategies as st

# What every implementation must accept in a name: letters (accented too), digits, spaces
# and the punctuation real group and user names carry. Control characters, lone surrogates
# or 10 000-character names are not what "a valid request" means.
NAME_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &.-'éèàüöçñÉ")
)
NAME_TEXT = st.text(NAME_ALPHABET, min_size=0, max_size=24).map(lambda s: " ".join(s.split()))
LOCAL_PART = st.text(
    st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789")), min_size=1, max_size=10
)


EMAIL_DOMAIN = "example.com"
"""Reserved for examples (RFC 2606): mail to it reaches no one."""

_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_RUN_ID = re.compile(r"[0-9a-z]{5}[0-9a-f]{4}")


def _base36(number: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = _DIGITS36[digit] + out
    return out or "0"


def new_run_id(now: float | None = None) -> str:
    """A run id: the start minute (5 base-36 digits) and 4 random hex digits, e.g. ``hl3x2a9f1``."""
    minutes = int(time.time() if now is None else now) // 60
    return _base36(minutes).rjust(5, "0")[-5:] + secrets.token_hex(2)


def run_started(run_id: str) -> datetime | None:
    """When the run with this id started (to the minute), or None for an id not made here."""
    if not _RUN_ID.fullmatch(run_id):
        return None
    return datetime.fromtimestamp(int(run_id[:5], 36) * 60, UTC)


def run_id_of(name: str, prefix: str) -> str | None:
    """The run id in a name diglot created with ``prefix`` (``diglot-hl3x2a9f1-3 x``)."""
    if not name.startswith(prefix):
        return None
    run_id, dash, _ = name[len(prefix) :].partition("-")
    return run_id if dash and run_id else None


@dataclass
class Names:
    """Makes unique names with the run's prefix, so a run's creations can be found and cleaned.

    Args:
        prefix: put in front of every name diglot creates (``--name-prefix``).
        run_id: distinguishes runs; random by default.
    """

    prefix: str = "diglot-"
    run_id: str = field(default_factory=new_run_id)
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def stem(self) -> str:
        return f"{self.prefix}{self.run_id}-"

    def group_name(self, text: str = "") -> str:
        n = next(self._counter)
        return f"{self.stem}{n} {text}".strip()

    def user_name(self, text: str = "") -> str:
        n = next(self._counter)
        return f"{self.stem}user{n} {text}".strip()

    def email(self, local: str = "u") -> str:
        n = next(self._counter)
        return f"{self.stem}{n}.{local}@{EMAIL_DOMAIN}".lower()

    def groups(self) -> st.SearchStrategy[str]:
        """Unique group names: the prefix, a counter, then generated text (shrinks to none)."""
        return NAME_TEXT.map(self.group_name)

    def users(self) -> st.SearchStrategy[str]:
        return NAME_TEXT.map(self.user_name)

    def emails(self) -> st.SearchStrategy[str]:
        return LOCAL_PART.map(self.email)
