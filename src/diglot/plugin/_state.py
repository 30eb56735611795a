"""What the plugin keeps per session (per xdist worker), shared by its hooks and its API.

Only pytest and the standard library are imported here, so that the plugin stays inert and
cheap until a diglot item or fixture is used.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from diglot.engine import RunOptions, RunResult

MARKER = "diglot"
PARTS = ".parts"
"""Under the report folder: one partial ``report.json`` per pytest-xdist worker."""


@dataclass(slots=True)
class State:
    """Per session (per xdist worker): the options, the target once started, every result."""

    options: RunOptions
    seed: int
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    target: tuple[str, str] | None = None
    embedded: bool = False
    results: list[RunResult] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    report_error: str = ""


STATE = pytest.StashKey[State]()
