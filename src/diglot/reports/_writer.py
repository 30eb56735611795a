"""Writing a run's reports into a folder, at once or as results arrive."""

from __future__ import annotations

import difflib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from diglot._display import json_text
from diglot.errors import ReportError, UsageError
from diglot.reports._bodies import BODIES, write_bodies
from diglot.reports._document import build, to_json
from diglot.reports._html import _Page
from diglot.reports._junit import _render as _render_junit
from diglot.reports._markdown import _render as _render_markdown
from diglot.reports._scrub import Scrubber
from diglot.transport._redact import Redactor

if TYPE_CHECKING:
    from diglot.engine._results import CheckResult, RunResult

FILES = {"json": "report.json", "junit": "junit.xml", "html": "index.html", "md": "summary.md"}
"""Report format → the file it is written to."""
FORMATS = tuple(FILES)


def check_formats(formats: Iterable[str]) -> list[str]:
    """The formats asked for, in a stable order; an unknown one raises ``UsageError``."""
    wanted = list(dict.fromkeys(formats))
    for name in wanted:
        if name not in FILES:
            close = difflib.get_close_matches(name, FORMATS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"unknown report format {name!r}{hint} Choose from {', '.join(FORMATS)}."
            )
    return wanted


def render_all(
    run: RunResult, *, redactor: Redactor | None = None, formats: Iterable[str] = FORMATS
) -> dict[str, str]:
    """Every format asked for, as text, from one redacted document."""
    wanted = check_formats(formats)
    scrub = Scrubber(redactor)
    document = to_json(run, redactor=redactor)
    clean = build(document)
    renderers = {
        # the exact data, with every control, bidi or separator character as a \u escape
        "json": lambda: json_text(document, indent=2) + "\n",
        "junit": lambda: _render_junit(clean),
        "html": lambda: _Page(clean).render(),
        "md": lambda: _render_markdown(clean),
    }
    # A last pass over the finished text: nothing that looks like a token leaves.
    return {name: scrub.redactor.text(renderers[name]()) for name in wanted}


def write_reports(
    run: RunResult,
    directory: Path,
    *,
    redactor: Redactor | None = None,
    formats: Iterable[str] = FORMATS,
) -> dict[str, Path]:
    """Write ``report.json``, ``junit.xml``, ``index.html`` and ``summary.md`` (or some of them).

    Each file is written to a temporary name and renamed into place, so a reader never sees
    half a report. Request bodies too long for a curl line (or not UTF-8 text) go to
    ``bodies/`` beside them (``diglot.reports._bodies``); their curl lines read them there.

    Args:
        run: the run to report.
        directory: the folder to write into (created when missing).
        redactor: knows the bearer token; token-looking values and credential headers are
            redacted even without one.
        formats: any of ``json``, ``junit``, ``html``, ``md``.

    Returns:
        Format → the path written.

    Raises:
        UsageError: an unknown format.
        ReportError: the folder cannot be created or written.

    Example:
        >>> paths = write_reports(run, Path("reports"), redactor=Redactor([token]))  # doctest: +SKIP
        >>> paths["html"]  # doctest: +SKIP
        PosixPath('reports/index.html')
    """
    texts = render_all(run, redactor=redactor, formats=formats)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {directory}: {exc.strerror}; "
            "choose another with --report-dir"
        ) from None
    written = {name: write_text(directory / FILES[name], text) for name, text in texts.items()}
    # the bodies the curl lines read (--data-binary @bodies/…), beside the reports
    try:
        write_bodies(run, directory, redactor=redactor or Redactor())
    except OSError as exc:
        raise ReportError(
            f"cannot write the request bodies into {directory / BODIES}: {exc.strerror}; check "
            "the folder's permissions and free space"
        ) from None
    traffic = run.traffic
    if traffic is None:
        return written
    if traffic.everything or (traffic.kept and run.failed(strict=True)):
        # the run's exchanges (--record), or, when it found something, its failing ones and
        # the writes before them, for ``diglot replay``
        from diglot.engine._record import write_har

        kept, scrub = traffic.kept, redactor or Redactor()
        written["har"] = write_stream(
            directory / traffic.file_name, lambda out: write_har(kept, out, redactor=scrub)
        )
    else:  # a clean run leaves no failures of an earlier run in the folder
        (directory / traffic.file_name).unlink(missing_ok=True)
    return written


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file renamed into place)."""
    return write_stream(path, lambda handle: handle.write(text))


def write_stream(path: Path, produce: Callable[[TextIO], object]) -> Path:
    """Let ``produce`` write ``path`` atomically (a temporary file renamed into place)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            produce(handle)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; reports are for sharing
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportError(
            f"cannot write {path}: {exc.strerror}; check the folder's permissions and free space"
        ) from None
    return path


class ReportWriter:
    """Collects results as a run produces them and writes the reports, even when interrupted.

    The runner hands over results one by one; with ``checkpoint=True`` every ``add`` also
    rewrites ``report.json``, so a run killed half-way still leaves a valid partial report.
    Used as a context manager, the reports are written on exit; when the block raised, a
    run error says so and the partial results are written all the same.

    Args:
        run: the run's header (target, seed, options, start); its ``results`` fill up here.
        directory: the folder to write into.
        redactor: knows the bearer token.
        formats: which reports to write at the end.
        checkpoint: rewrite ``report.json`` after every result.

    Example:
        >>> with ReportWriter(run, Path("reports"), redactor=redactor) as writer:  # doctest: +SKIP
        ...     for result in runner.run(config):
        ...         writer.add(result)
    """

    def __init__(
        self,
        run: RunResult,
        directory: Path,
        *,
        redactor: Redactor | None = None,
        formats: Iterable[str] = FORMATS,
        checkpoint: bool = False,
    ) -> None:
        self.run = run
        self.directory = directory
        self.redactor = redactor
        self.formats = check_formats(formats)
        self.checkpoint = checkpoint
        self.paths: dict[str, Path] = {}
        self._clock = time.monotonic()

    def add(self, result: CheckResult) -> None:
        """Take one result (it may still change until ``close``)."""
        self.run.results.append(result)
        if self.checkpoint:
            write_reports(self.run, self.directory, redactor=self.redactor, formats=["json"])

    def close(self) -> dict[str, Path]:
        """Write every report; the duration is measured from construction when not set."""
        if not self.run.duration:
            self.run.duration = time.monotonic() - self._clock
        self.paths = write_reports(
            self.run, self.directory, redactor=self.redactor, formats=self.formats
        )
        return self.paths

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else "stopped"
            self.run.errors.append(
                f"run {reason} ({type(exc).__name__}: {exc}); these results are partial"
            )
        self.close()
