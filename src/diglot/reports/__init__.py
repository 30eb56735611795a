"""Conformance reports: JSON, JUnit XML, HTML and Markdown.

A run leaves four files, each for a different reader::

    from diglot.reports import write_reports

    write_reports(run, Path("reports"), redactor=redactor)
    # reports/report.json  programs (versioned; JSON Schema: report.schema.json)
    # reports/junit.xml    CI test views
    # reports/index.html   people (self-contained, offline)
    # reports/summary.md   CI step summaries, merge-request comments

Everything written passes through a ``Redactor``: the bearer token in any encoding,
token-looking values and credential headers never reach a report.
"""

from __future__ import annotations

from diglot.reports._document import REPORT_VERSION, from_json, report_schema, to_json
from diglot.reports._html import render_html
from diglot.reports._junit import render_junit
from diglot.reports._markdown import render_markdown
from diglot.reports._merge import merge
from diglot.reports._writer import FILES, ReportWriter, write_reports

__all__ = [
    "FILES",
    "REPORT_VERSION",
    "ReportWriter",
    "from_json",
    "merge",
    "render_html",
    "render_junit",
    "render_markdown",
    "report_schema",
    "to_json",
    "write_reports",
]
