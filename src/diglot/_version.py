"""diglot's version, read from the installed distribution.

The one place it is written is pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("diglot")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
