"""Names that diglot creates: recognisable, unique within a run, and safe to accept."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

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


@dataclass
class Names:
    """Makes unique names with the run's prefix, so a run's creations can be found and cleaned.

    Args:
        prefix: put in front of every name diglot creates (``--name-prefix``).
        run_id: distinguishes runs; random by default.
    """

    prefix: str = "diglot-"
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
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
        return f"{self.stem}{n}.{local}@example.com".lower()

    def groups(self) -> st.SearchStrategy[str]:
        """Unique group names: the prefix, a counter, then generated text (shrinks to none)."""
        return NAME_TEXT.map(self.group_name)

    def users(self) -> st.SearchStrategy[str]:
        return NAME_TEXT.map(self.user_name)

    def emails(self) -> st.SearchStrategy[str]:
        return LOCAL_PART.map(self.email)
