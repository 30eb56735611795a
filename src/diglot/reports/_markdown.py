"""summary.md: a short summary for a CI step summary or a merge-request comment.

Finding text is hostile input, and summary.md is read three ways: rendered by GitHub or
GitLab, pasted from, and printed (``diglot report`` writes it to stdout, into CI logs). So
every piece of run data is first made inert (``diglot._display``: control and bidi
characters as visible escapes, workflow commands neutralised), then escaped for the place
it goes: table cells get HTML and Markdown escapes, with ``://`` and ``www.`` escaped so
that no server URL becomes a link; code spans are fenced longer than any backtick run in them;
the reproduce block is fenced longer than any backtick run in it and every line in it is
one shell line whose words are quoted (``shell_word``).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from diglot._display import inert, shell_word
from diglot.engine._results import CheckResult, RunResult, Status
from diglot.model import Severity
from diglot.reports._bodies import report_line
from diglot.reports._document import prepare
from diglot.reports._promises import promises_markdown

if TYPE_CHECKING:
    from diglot.transport._redact import Redactor

MAX_ROWS = 25
"""Rows of the failed / warning table; the rest are counted."""
CELL_LIMIT = 160
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_AUTOLINK = re.compile(r":(?=//)|(?<=www)\.", re.IGNORECASE)
"""Where GitHub's Markdown starts an autolink ("scheme://", "www."): escaped there."""
MAX_INCONCLUSIVE = 10
"""Inconclusive checks listed by name; the rest are counted."""


def verdict(run: RunResult) -> tuple[str, str]:
    """An icon and a one-line verdict for the run."""
    summary = run.summary()
    if summary["failed"]:
        more = "; INCOMPLETE: the run stopped early" if run.incomplete else ""
        return "❌", f"{summary['failed']} of {len(run.results)} checks failed{more}"
    if run.incomplete:
        return "⏸️", (
            f"INCOMPLETE: the run checked less than asked ({len(run.incomplete)} reason(s) "
            "below); what it checked found no violation"
        )
    if run.errors:
        return "⛔", f"the run could not complete: {len(run.errors)} error(s)"
    if summary["warning"]:
        return "⚠️", f"conformant, with warnings on {summary['warning']} checks"
    inconclusive = summary["inconclusive"]
    if not run.results or summary["skipped"] == len(run.results):
        return "⏭️", "nothing was checked"
    if not summary["passed"]:
        return "⏭️", f"nothing was judged: {inconclusive} checks inconclusive"
    if inconclusive:
        return "✅", (
            f"conformant: all {summary['passed']} checks that judged something passed; "
            f"{inconclusive} inconclusive"
        )
    return "✅", f"conformant: all {summary['passed']} checks that ran passed"


def reproduce_command(run: RunResult) -> str:
    """The ``diglot run`` line that repeats the run: its seed and the options that shape it.

    Options are read from ``run.options`` by the names ``diglot run`` records; unknown
    ones are left out. One line, every value quoted (``shell_word``): a report.json is
    anyone's to edit.
    """
    options = run.options
    parts = ["diglot", "run"]
    if run.target.startswith(("http://", "https://")):
        parts += ["--base-url", shell_word(run.target)]
        if run.account_id:
            parts += ["--account-id", shell_word(run.account_id)]
    for key, flag in (
        ("fault", "--fault"),
        ("shard", "--shard"),
        ("max_examples", "--max-examples"),
    ):
        value = options.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            parts += [flag, shell_word(str(value))]
    for key, flag in (("operations", "--operations"), ("content_types", "--content-types")):
        value = options.get(key)
        if isinstance(value, list) and value and value != ["json", "xml"]:
            parts += [flag, shell_word(",".join(str(item) for item in value))]
    for key, flag, when in (
        ("read_only", "--read-only", True),
        ("strict", "--strict", True),
        ("stateful", "--no-stateful", False),
        ("shrink", "--no-shrink", False),
    ):
        if options.get(key) is when:
            parts.append(flag)
    parts += ["--seed", str(run.seed)]
    return " ".join(parts)


def render_markdown(run: RunResult, *, redactor: Redactor | None = None) -> str:
    """The run as a short Markdown summary (GitHub / GitLab flavoured).

    Finding text is hostile input: it is escaped for Markdown table cells and for the HTML
    that GitHub and GitLab render inside Markdown.

    Args:
        run: the run to render.
        redactor: knows the bearer token; token-looking values and credential headers are
            redacted even without one.

    Example:
        >>> Path(os.environ["GITHUB_STEP_SUMMARY"]).write_text(render_markdown(run))  # doctest: +SKIP
    """
    clean, scrub = prepare(run, redactor)
    return scrub.redactor.text(_render(clean))


def _cell(text: str) -> str:
    text = " ".join(inert(text, limit=4 * CELL_LIMIT).split())
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return _AUTOLINK.sub(lambda m: "\\" + m.group(), text)  # no server URL becomes a link


def _code(text: str, *, in_table: bool = False) -> str:
    # A code span cannot hold a backtick run longer than its fence: fence with one more.
    text = " ".join(inert(text, limit=4 * CELL_LIMIT).split())
    if "<" in text or ">" in text:
        # markup is inert in a code span, but no renderer should have to be trusted with
        # it, and entities cannot be escaped there: such text goes as escaped plain text
        return _cell(text)
    if in_table:  # GFM splits cells at "|" even inside code spans
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _first(result: CheckResult) -> str:
    if not result.findings:
        return ""
    finding = next(
        (f for f in result.findings if f.severity is Severity.VIOLATION), result.findings[0]
    )
    text = _cell(finding.message)
    if finding.location:
        text += f" at {_code(finding.location, in_table=True)}"
    return text


def _render(run: RunResult) -> str:
    summary = run.summary()
    icon, line = verdict(run)
    out = [
        f"## {icon} diglot: {_cell(line)}",
        "",
        f"Target {_code(run.target)} · seed `{run.seed}` · {summary['requests']} requests · "
        f"{run.duration:.1f} s · diglot {_cell(run.diglot_version)}",
        "",
        "| passed | failed | warning | inconclusive | skipped | findings |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {summary['passed']} | {summary['failed']} | {summary['warning']} | "
        f"{summary['inconclusive']} | {summary['skipped']} | {summary['findings']} |",
        "",
        *(
            [
                f"Baseline: {summary['known']} known (accepted, fail nothing) · "
                f"{summary['fixed']} fixed (in the baseline, no longer found)",
                "",
            ]
            if summary["known"] or summary["fixed"]
            else []
        ),
    ]
    if run.incomplete:
        out += ["**Incomplete**", ""]
        out += [f"- {_cell(reason)}" for reason in run.incomplete[:10]]
        out.append("")
    cleanup = [r.sentence() for r in run.resources if r.sentence()]
    if cleanup:
        out += [f"- {_cell(sentence)}" for sentence in cleanup] + [""]
    if run.errors:
        out += ["**Run errors**", ""]
        out += [f"- {_cell(error)}" for error in run.errors[:10]]
        if len(run.errors) > 10:
            out.append(f"- … {len(run.errors) - 10} more (see report.json)")
        out.append("")
    bad = [r for r in run.results if r.status is Status.FAILED]
    bad += [r for r in run.results if r.status is Status.WARNING]
    if bad:
        out += [
            "| status | operation | type | check | first finding | seen |",
            "| --- | --- | --- | --- | --- | ---: |",
        ]
        for result in bad[:MAX_ROWS]:
            mark = "❌ failed" if result.status is Status.FAILED else "⚠️ warning"
            out.append(
                f"| {mark} | {_cell(result.operation)} | {_cell(result.content_type)} | "
                f"{_code(result.check, in_table=True)} | {_first(result)} | {result.occurrences} |"
            )
        if len(bad) > MAX_ROWS:
            out.append(f"\n… and {len(bad) - MAX_ROWS} more failed or warning checks.")
        out.append("")
    inconclusive = [r for r in run.results if r.status is Status.INCONCLUSIVE]
    if inconclusive:
        noun = "check was" if len(inconclusive) == 1 else "checks were"
        out += [f"{len(inconclusive)} {noun} inconclusive (exercised, but nothing to judge):", ""]
        for result in inconclusive[:MAX_INCONCLUSIVE]:
            out.append(
                f"- {_code(result.check)} on {_cell(result.operation)} "
                f"{_cell(result.content_type)}: {_cell(result.inconclusive_reason)}"
            )
        if len(inconclusive) > MAX_INCONCLUSIVE:
            out.append(f"- … {len(inconclusive) - MAX_INCONCLUSIVE} more (see report.json)")
        out.append("")
    skipped = [r for r in run.results if r.status is Status.SKIPPED]
    if skipped:
        reasons = dict.fromkeys(r.skip_reason or "no exchange judged" for r in skipped)
        shown = "; ".join(_cell(reason) for reason in list(reasons)[:3])
        noun = "check" if len(skipped) == 1 else "checks"
        out += [f"{len(skipped)} {noun} skipped: {shown}.", ""]
    out += promises_markdown(run, _cell)
    block = [reproduce_command(run)]
    first = next((f for r in bad for f in r.findings if f.request is not None), None)
    if first is not None and first.request is not None:
        block += ["# the first failing request alone:", report_line(first.request)]
    # Each line is one shell line; a fence longer than any backtick run cannot be closed.
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", "\n".join(block))), default=0) + 1)
    out += [
        "**Reproduce** (the seed repeats the generated requests; the token comes from "
        "`$DIGLOT_TOKEN`):",
        "",
        f"{fence}sh",
        *block,
        fence,
        "",
        "Full details: `index.html` and `report.json` in the run's artifacts.",
        "",
    ]
    return inert("\n".join(out), newlines=True)
