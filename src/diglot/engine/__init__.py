"""The engine: the option table, a run's session and phases, its events and results.

``run(options)`` drives the strategies per operation × content type through the transport,
judges every exchange with the registered checks (``diglot.contracts``), lets the checks that
span exchanges drive their own requests, and returns a ``RunResult``; ``iter_run`` yields
progress events on the way. The CLI, the pytest plugin and the library door
(``diglot.run``) only build ``RunOptions`` and consume the events and the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diglot.engine._options import OPTIONS, Option, RunOptions
from diglot.engine._results import CheckResult, RunResult, Status

if TYPE_CHECKING:
    from diglot.engine._run import Event, Finished, Progress, iter_run, run

__all__ = [
    "OPTIONS",
    "CheckResult",
    "Event",
    "Finished",
    "Option",
    "Progress",
    "RunOptions",
    "RunResult",
    "Status",
    "iter_run",
    "run",
]

_LAZY = frozenset({"Event", "Finished", "Progress", "iter_run", "run"})


def __getattr__(name: str) -> Any:
    # the run itself needs hypothesis, lxml and httpx: loaded on first use, so that building
    # the CLI's flags from the option table stays cheap
    if name in _LAZY:
        from diglot.engine import _run

        return getattr(_run, name)
    raise AttributeError(f"module 'diglot.engine' has no attribute {name!r}")
