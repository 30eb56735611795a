"""Terminal output for ``diglot run`` and ``diglot check``: rich on a terminal, plain lines in CI.

Never a secret, and never server text as the terminal or a CI runner would act on it: every
line passes through the redactor and then ``diglot._display.inert`` (control and bidi
characters escaped, workflow commands neutralised), and rich gets ``Text`` only, so no
markup in the data is interpreted either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console as RichConsole
from rich.markup import escape as escape_markup
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from diglot._display import inert, shell_word
from diglot.engine._results import RunResult, Status
from diglot.reports._bodies import describe
from diglot.transport._redact import Redactor

if TYPE_CHECKING:
    from diglot.engine._options import RunOptions
    from diglot.engine._run import Progress as RunProgress

_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "bold red",
    Status.WARNING: "yellow",
    Status.KNOWN: "blue",
    Status.INCONCLUSIVE: "magenta",
    Status.SKIPPED: "dim",
}
_VERDICT_STYLE = {"FAILED": "bold red", "PASSED": "bold green"}
ERROR_LIMIT = 2000
"""Characters of one run error in the verdict."""


class Console:
    """Writes a run's progress and verdict; every line passes through the redactor."""

    def __init__(self, *, secrets: Iterable[str | None] = ()) -> None:
        self.redactor = Redactor(secrets)
        self.out = RichConsole(highlight=False, soft_wrap=True)
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def line(self, text: str, style: str | None = None) -> None:
        """Print ``text`` (its newlines are layout), redacted and inert."""
        self.out.print(Text(self.safe(text), style=style or ""))

    def safe(self, text: str) -> str:
        """``text`` as every line of diglot's output must be: redacted, then inert."""
        return inert(self.redactor.text(text), newlines=True)

    def start(self, config: RunOptions) -> None:
        target = config.base_url or "the embedded reference server"
        if config.fault:
            target += f" with fault {config.fault!r}"
        self.line(f"diglot: testing {target} in {', '.join(config.content_types)}", "bold")
        if self.out.is_terminal:  # a bar on a terminal, plain lines in CI logs
            total = (len(config.operations) or 4) * len(config.content_types)
            if config.shard is not None:
                total = len(range(config.shard[0], total, config.shard[1]))
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.out,
                transient=True,
            )
            self._task = self._bar.add_task("operations × content types", total=total)
            self._bar.start()

    def progress(self, event: RunProgress) -> None:
        text = (
            f"{event.operation} [{event.content_type}] {event.phase} done "
            f"({event.requests} requests so far)"
        )
        if self._bar is not None and self._task is not None:
            advance = 1 if event.phase == "generated" else 0
            description = escape_markup(self.safe(text))  # the column renders markup
            self._bar.update(self._task, advance=advance, description=description)
            return
        self.line("  " + text, "dim")

    def request(self, state: str) -> None:
        """After every request: the bar's text says where the run is, its budget, throttling."""
        if self._bar is not None and self._task is not None:
            # escaped: the column renders markup, and "[json]" must stay visible
            self._bar.update(self._task, description=escape_markup(self.safe(state)))

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def summary(self, result: RunResult, written: Mapping[str, Path], *, strict: bool) -> None:
        self.stop()
        failing = [r for r in result.results if r.status in (Status.FAILED, Status.WARNING)]
        # a body too long for a curl line is in the report folder: the line reads it there
        folder = next(iter(written.values())).parent if written else None
        for row in failing:
            head = row.findings[0] if row.findings else None
            self.line(
                f"\n{row.status.upper()} {row.check} on {row.operation} [{row.content_type}]: "
                f"{row.occurrences} finding(s)",
                _STYLE[row.status],
            )
            if head is not None:
                self.line(describe(head, folder=folder, redactor=self.redactor))
        inconclusive = [r for r in result.results if r.status is Status.INCONCLUSIVE]
        for row in inconclusive:
            self.line(
                f"INCONCLUSIVE {row.check} on {row.operation} [{row.content_type}]: nothing to "
                f"judge: {inert(row.inconclusive_reason, limit=ERROR_LIMIT)}",
                _STYLE[Status.INCONCLUSIVE],
            )
        table = Table(title="diglot conformance", show_lines=False)
        table.add_column("operation")
        table.add_column("type")
        for status in Status:
            table.add_column(status.value, justify="right")
        rows: dict[tuple[str, str], dict[Status, int]] = {}
        for row in result.results:
            counts = rows.setdefault((row.operation, row.content_type), dict.fromkeys(Status, 0))
            counts[row.status] += 1
        for (operation, content_type), counts in rows.items():
            table.add_row(
                Text(self.safe(inert(operation))),
                Text(self.safe(inert(content_type))),
                *(Text(str(counts[s]), style=_STYLE[s] if counts[s] else "") for s in Status),
            )
        self.out.print(table)
        for error in result.errors:
            self.line(f"note: {inert(error, limit=ERROR_LIMIT)}", "yellow")
        for reason in result.incomplete:
            self.line(f"incomplete: {inert(reason, limit=ERROR_LIMIT)}", "bold yellow")
        for resources in result.resources:
            if sentence := resources.sentence():
                self.line(inert(sentence), "yellow" if resources.left else "")
        summary = result.summary()
        verdict = "FAILED" if result.failed(strict=strict) else "PASSED"
        if verdict == "PASSED" and result.throttled:
            verdict = "THROTTLED"
        elif verdict == "PASSED" and result.short:
            verdict = "INCOMPLETE"
        elif verdict == "PASSED" and result.incomplete:
            verdict = "PASSED (INCOMPLETE)"
        self.line(
            f"{verdict}: {summary['failed']} failed, {summary['warning']} warnings, "
            f"{summary['passed']} passed, {summary['inconclusive']} inconclusive, "
            f"{summary['skipped']} skipped checks; "
            + (
                f"{summary['known']} known and {summary['fixed']} fixed (baseline); "
                if summary["known"] or summary["fixed"]
                else ""
            )
            + f"{summary['requests']} requests in {result.duration:.1f} s; seed {result.seed}",
            _VERDICT_STYLE.get(verdict, "bold yellow"),
        )
        if written:
            self.line("reports: " + ", ".join(str(path) for path in written.values()))
        if verdict == "FAILED":
            run_id = f" --run-id {result.resources[0].run_id}" if result.resources else ""
            self.line(f"reproduce: diglot run --seed {result.seed}{run_id} (same options)")
            serve = _serve_command(result)
            if serve:
                self.line(f"the curl lines above need the embedded server again: {serve}")


def _serve_command(result: RunResult) -> str:
    """The ``diglot serve`` command that brings back the embedded server a run talked to.

    Only for a run against the embedded reference server (its curl lines name a loopback
    port that is gone once the run ends); empty otherwise.
    """
    if result.target != "embedded reference server":
        return ""
    port = ""
    for row in result.results:
        for finding in row.findings:
            if finding.request is not None:
                from urllib.parse import urlsplit

                port = str(urlsplit(finding.request.url).port or "")
                break
        if port:
            break
    if not port:
        return ""
    words = ["diglot", "serve", "--port", port]
    for name in ("fault", "variant"):
        value = result.options.get(name)
        if isinstance(value, str) and value:
            words += [f"--{name}", value]
    return " ".join(shell_word(word) for word in words)
