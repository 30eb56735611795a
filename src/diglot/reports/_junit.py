"""junit.xml: one test case per operation × content type × check, for CI test views.

The layout is the one Jenkins, GitLab and GitHub test reporters read (the Ant/Jenkins
``junit-10.xsd`` shape): ``<testsuites>`` holding one ``<testsuite>`` per operation and
content type, each check a ``<testcase classname="diglot.<operation>.<content_type>"
name="<check>">``. A failed check carries ``<failure>`` with every kept finding's text; a
warning passes and its text goes to ``<system-out>``; a skipped check carries ``<skipped>``
with the reason. An inconclusive check (exercised, but nothing to judge) is no pass either:
JUnit has no such outcome, so it is a ``<skipped type="inconclusive" message="inconclusive:
REASON">`` whose text lists every reason with its count, counted in the suite's
``skipped``. Run-level errors become one ``diglot.run`` test case with ``<error>``.

Every name, message and text is inert (``diglot._display``): a CI view shows it, a CI log
may print it, and XML could not even carry some of the characters a server sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from diglot._display import inert
from diglot.engine._results import CheckResult, RunResult, Status
from diglot.model import Severity
from diglot.reports._bodies import report_describe
from diglot.reports._document import prepare

if TYPE_CHECKING:
    from diglot.transport._redact import Redactor

MAX_FAILURE_TEXT = 64 * 1024
"""Characters of finding text per test case; CI test views truncate long ones anyway."""


MAX_MESSAGE = 500
"""Characters of the ``message`` attribute, which CI views show on one line."""


def skip_reason(result: CheckResult) -> str:
    """Why a result is skipped, never empty."""
    return result.skip_reason or "no exchange was judged by this check"


def finding_text(result: CheckResult, *, limit: int = MAX_FAILURE_TEXT) -> str:
    """Every kept finding of ``result`` described, with repeat counts and what was left out."""
    blocks = []
    for finding in result.findings:
        count = result.count_of(finding)
        text = report_describe(finding)
        if count > 1:
            head, _, rest = text.partition("\n")
            text = f"{head}\n  Seen:     {count} times" + (f"\n{rest}" if rest else "")
        blocks.append(text)
    if result.omitted:
        blocks.append(f"… {result.omitted} more distinct findings not kept (see report.json).")
    text = inert("\n\n".join(blocks), newlines=True)
    if len(text) > limit:
        text = f"{text[:limit]}\n… {len(text) - limit} more characters (see report.json)"
    return text


def inconclusive_text(result: CheckResult) -> str:
    """Every reason ``result`` had nothing to judge, with its count, one per line."""
    ranked = sorted(result.inconclusive.items(), key=lambda item: -item[1])
    return "\n".join(f"{count}× {inert(reason)}" for reason, count in ranked)


def render_junit(run: RunResult, *, redactor: Redactor | None = None) -> bytes:
    """The run as JUnit XML (UTF-8 bytes with an XML declaration).

    Args:
        run: the run to render.
        redactor: knows the bearer token; token-looking values and credential headers are
            redacted even without one.

    Example:
        >>> Path("reports/junit.xml").write_bytes(render_junit(run))  # doctest: +SKIP
    """
    clean, scrub = prepare(run, redactor)
    return scrub.redactor.text(_render(clean)).encode("utf-8")


def _render(run: RunResult) -> str:
    summary = run.summary()
    root = etree.Element("testsuites")
    root.set("name", "diglot")
    root.set("tests", str(len(run.results) + (1 if run.errors else 0)))
    root.set("failures", str(summary["failed"]))
    root.set("errors", str(1 if run.errors else 0))
    root.set("time", f"{run.duration:.3f}")

    suites: dict[str, list[CheckResult]] = {}
    for result in run.results:
        suites.setdefault(f"diglot.{result.operation}.{result.content_type}", []).append(result)
    timestamp = run.started_at.replace(microsecond=0, tzinfo=None).isoformat()
    for index, (name, results) in enumerate(suites.items()):
        counts = {status: sum(r.status is status for r in results) for status in Status}
        suite = etree.SubElement(root, "testsuite")
        suite.set("name", inert(name))
        suite.set("tests", str(len(results)))
        suite.set("failures", str(counts[Status.FAILED]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts[Status.SKIPPED] + counts[Status.INCONCLUSIVE]))
        suite.set("time", f"{sum(r.elapsed for r in results):.3f}")
        suite.set("timestamp", timestamp)
        suite.set("id", str(index))
        _properties(suite, run)
        for result in results:
            _testcase(suite, name, result)
    if run.errors:
        suite = etree.SubElement(root, "testsuite")
        suite.set("name", "diglot.run")
        suite.set("tests", "1")
        suite.set("failures", "0")
        suite.set("errors", "1")
        suite.set("skipped", "0")
        suite.set("time", f"{run.duration:.3f}")
        suite.set("timestamp", timestamp)
        suite.set("id", str(len(suites)))
        _properties(suite, run)
        case = etree.SubElement(suite, "testcase")
        case.set("classname", "diglot.run")
        case.set("name", "run errors")
        error = etree.SubElement(case, "error")
        error.set("message", inert(run.errors[0], limit=MAX_MESSAGE))
        error.set("type", "diglot.run")
        error.text = inert(
            "\n".join(inert(e) for e in run.errors), limit=MAX_FAILURE_TEXT, newlines=True
        )
    if run.incomplete:
        _incomplete(root, run, timestamp, len(suites) + (1 if run.errors else 0))
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _incomplete(root: etree._Element, run: RunResult, timestamp: str, index: int) -> None:
    """A ``diglot.run`` test case that says the run is INCOMPLETE, and why.

    Skipped, not an error: the exit code carries the verdict (``--allow-incomplete``).
    """
    suite = etree.SubElement(root, "testsuite")
    suite.set("name", "diglot.run.incomplete")
    for name, value in (("tests", "1"), ("failures", "0"), ("errors", "0"), ("skipped", "1")):
        suite.set(name, value)
    suite.set("time", "0")
    suite.set("timestamp", timestamp)
    suite.set("id", str(index))
    _properties(suite, run)
    case = etree.SubElement(suite, "testcase")
    case.set("classname", "diglot.run")
    case.set("name", "run incomplete")
    case.set("time", "0")
    skipped = etree.SubElement(case, "skipped")
    skipped.set("message", inert("INCOMPLETE: " + run.incomplete[0], limit=MAX_MESSAGE))
    skipped.text = inert(
        "\n".join(inert(r) for r in run.incomplete), limit=MAX_FAILURE_TEXT, newlines=True
    )
    root.set("tests", str(int(root.get("tests", "0")) + 1))


def _properties(suite: etree._Element, run: RunResult) -> None:
    properties = etree.SubElement(suite, "properties")
    for name, value in (
        ("target", run.target),
        ("account_id", run.account_id),
        ("seed", str(run.seed)),
        ("diglot_version", run.diglot_version),
        ("incomplete", "; ".join(run.incomplete) if run.incomplete else "no"),
    ):
        prop = etree.SubElement(properties, "property")
        prop.set("name", name)
        prop.set("value", inert(value))


def _testcase(suite: etree._Element, classname: str, result: CheckResult) -> None:
    case = etree.SubElement(suite, "testcase")
    case.set("classname", inert(classname))
    case.set("name", inert(result.check))
    case.set("time", f"{result.elapsed:.3f}")
    status = result.status
    if status is Status.SKIPPED:
        skipped = etree.SubElement(case, "skipped")
        skipped.set("message", inert(skip_reason(result), limit=MAX_MESSAGE))
    elif status is Status.INCONCLUSIVE:
        skipped = etree.SubElement(case, "skipped")
        skipped.set("type", "inconclusive")
        reason = inert(result.inconclusive_reason, limit=MAX_MESSAGE)
        skipped.set("message", f"inconclusive: {reason}")
        skipped.text = inconclusive_text(result)
    elif status is Status.FAILED:
        first = next(f for f in result.findings if f.severity is Severity.VIOLATION)
        message = inert(first.message, limit=MAX_MESSAGE)
        if result.occurrences > 1:
            # the same count as the terminal, index.html and summary.md: every occurrence
            distinct = len(result.findings) + result.omitted
            message += f" ({result.occurrences} findings, {distinct} distinct)"
        failure = etree.SubElement(case, "failure")
        failure.set("message", message)
        failure.set("type", inert(first.check))
        failure.text = finding_text(result)
    elif status is Status.WARNING:
        out = etree.SubElement(case, "system-out")
        out.text = finding_text(result)
    elif status is Status.KNOWN:  # accepted in the baseline: a pass that says what it accepts
        out = etree.SubElement(case, "system-out")
        out.text = "known (in the baseline):\n" + finding_text(result)
