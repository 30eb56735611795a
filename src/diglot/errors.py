"""Exceptions raised by diglot.

The hierarchy::

    DiglotError                      anything diglot raises on purpose
    ├── InvalidSpec (ValueError)     a spec document that does not load or does not compile
    ├── UnsafeXml (ValueError)       an XML document with a DTD, which diglot never reads
    ├── UsageError (ValueError)      a wrong option, argument or combination of them
    │   └── UnknownOperation (KeyError)
    ├── TargetUnreachable (ConnectionError)
    │                                the server under test cannot be used at all
    └── ReportError (ValueError)     a report file that cannot be read or merged

    ContractViolation (AssertionError)
                                     one documented promise broken; several travel in an
                                     ExceptionGroup raised by ``diglot.check``

Every message says what was wrong, where, and what to do next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diglot.model import Finding


class DiglotError(Exception):
    """Base class for every error that diglot raises on purpose."""


class InvalidSpec(DiglotError, ValueError):
    """A spec document is malformed, inconsistent or does not compile."""


class UnsafeXml(DiglotError, ValueError):
    """An XML document carries a DTD (``<!DOCTYPE``), which diglot never reads."""


class UsageError(DiglotError, ValueError):
    """An option, argument or combination of them is wrong."""


class UnknownOperation(UsageError, KeyError):
    """An operation id that the spec does not define."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TargetUnreachable(DiglotError, ConnectionError):
    """The implementation under test cannot be reached or is unusable as a whole."""


class ReportError(DiglotError, ValueError):
    """A report file cannot be read, validated or merged."""


class ContractViolation(AssertionError):
    """A response breaks the documented contract.

    Args:
        finding: the finding that describes the deviation.
    """

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.describe())


class Halt(BaseException):
    """Sending must stop (the budget, the clock, the throttle, a target that gave out).

    Not a failure of the target, nor an error: a ``BaseException``, so that hypothesis, which
    treats an ``Exception`` raised in a test as a failure to shrink and replay, lets it pass
    at once (a replay would stop sooner than the run it replays, which hypothesis reports as
    flaky data generation). The engine's ``StopRun``, ``GaveUp`` and ``PhaseThrottled`` are
    its kinds; a check that must go on after one catches ``Halt``.
    """
