"""The documentation's own examples, shipped byte for byte as fixtures."""

from __future__ import annotations

import difflib
from importlib import resources

from diglot.errors import UsageError


def example_names() -> tuple[str, ...]:
    """The names of the bundled examples, e.g. ``listGroups-200.xml``, sorted.

    Each is named ``<operationId>-<status or "request">.<json|xml>`` and holds the bytes the
    documentation page shows (its placeholders, like ``sample string 1``, included).
    """
    folder = resources.files("diglot.specs").joinpath("data", "examples")
    return tuple(sorted(entry.name for entry in folder.iterdir() if entry.is_file()))


def read_example(name: str) -> bytes:
    """The bytes of one bundled example.

    Args:
        name: one of ``example_names()``.

    Raises:
        UsageError: no such example; the message suggests close names.

    Example:
        >>> read_example("createGroups-request.json")[:12]
        b'{ "groups": '
    """
    names = example_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Known: {', '.join(names)}."
        raise UsageError(f"no bundled example {name!r}.{hint}")
    return resources.files("diglot.specs").joinpath("data", "examples", name).read_bytes()
