"""index.html: one self-contained page a person can read offline.

No network, no CDN: CSS and JS are inline, and a Content-Security-Policy allows exactly
those two blocks (by hash) and nothing else, so even text that escaped escaping could
neither run nor fetch anything. Every piece of run data is escaped; the page's script
reads nothing but the DOM it filters.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import TYPE_CHECKING

from diglot._display import inert
from diglot.engine._results import CheckResult, RunResult, Status
from diglot.model import Family, Finding, Severity
from diglot.reports._bodies import report_line
from diglot.reports._document import prepare
from diglot.reports._junit import skip_reason
from diglot.reports._markdown import reproduce_command, verdict
from diglot.reports._promises import promises_html
from diglot.reports._scrub import pretty_print

if TYPE_CHECKING:
    from diglot.transport._redact import Redactor

MAX_FINDINGS_PER_RESULT = 10
"""Findings shown in full per check; the rest are counted (report.json has them all)."""
EXCERPT_BUDGET = 1_500_000
"""Characters of request/response excerpts on one page; past it, findings show no bodies."""

_STATUS_ORDER = (
    Status.FAILED,
    Status.WARNING,
    Status.INCONCLUSIVE,
    Status.KNOWN,
    Status.PASSED,
    Status.SKIPPED,
)
"""Worst first: a cell shows its worst status; inconclusive (no evidence) ranks above passed,
known (accepted in the baseline) between them."""
_OPEN = " open"
"""The attribute that shows a failed check's first finding expanded."""
_MARK = {
    Status.FAILED: "✗",
    Status.WARNING: "!",
    Status.KNOWN: "≈",
    Status.INCONCLUSIVE: "?",
    Status.PASSED: "✓",
    Status.SKIPPED: "○",  # not "–": "–2" reads as minus two
}

_CSS = """
:root{--fail:#b3261e;--fail-bg:#fde7e5;--warn:#8a5a00;--warn-bg:#fff2cc;--pass:#1e6b34;
--pass-bg:#e3f4e7;--skip:#555;--skip-bg:#eceff1;--inc:#5b3a8c;--inc-bg:#efe7fb;--line:#d5d8dc}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1400px;padding:16px 24px;color:#1b1f23;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}
h3{font-size:15px;margin:0}h4{font-size:13px;margin:8px 0 4px;color:#444}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:8px;margin:0;
white-space:pre-wrap;word-break:break-all;max-height:420px;overflow:auto}
.verdict{font-size:17px;font-weight:600;padding:8px 12px;border-radius:4px;margin:8px 0}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}
.meta dt{color:#555}.meta dd{margin:0;word-break:break-all}
.counts{display:flex;gap:8px;list-style:none;padding:0;margin:8px 0;flex-wrap:wrap}
.counts li{padding:4px 10px;border-radius:12px;font-weight:600}
table{border-collapse:collapse}
.matrix th,.matrix td{border:1px solid var(--line);padding:4px 8px;text-align:center}
.matrix thead th{background:#f6f8fa}.matrix tbody th{text-align:left;font-weight:600}
.matrix td a{display:block;color:inherit;text-decoration:none;font-weight:600}
.matrix td.none{background:#fafafa;color:#aaa}
.s-failed{background:var(--fail-bg);color:var(--fail)}
.s-warning{background:var(--warn-bg);color:var(--warn)}
.s-passed{background:var(--pass-bg);color:var(--pass)}
.s-skipped{background:var(--skip-bg);color:var(--skip)}
.s-inconclusive{background:var(--inc-bg);color:var(--inc)}
.s-known{background:#e1effa;color:#0b4f7c}.result.s-known{border-left-color:#0b4f7c}
.legend{color:#555;font-size:12px}
#filters{display:flex;gap:16px;align-items:center;margin:8px 0;flex-wrap:wrap}
.result{border:1px solid var(--line);border-left-width:6px;border-radius:4px;padding:8px 12px;
margin:8px 0;background:#fff;color:#1b1f23}
.result.s-failed{border-left-color:var(--fail)}.result.s-warning{border-left-color:var(--warn)}
.result.s-passed{border-left-color:var(--pass)}.result.s-skipped{border-left-color:var(--skip)}
.result.s-inconclusive{border-left-color:var(--inc)}
.reasons{margin:4px 0;padding-left:20px;color:#444}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:10px;
padding:0 8px;margin-right:6px;font-size:12px}
.desc,.stats,.more{margin:4px 0;color:#444}
details.finding{border-top:1px solid var(--line);padding:6px 0}
details.finding summary{cursor:pointer}
details.finding[open] summary{font-weight:600}
.kv th{text-align:left;vertical-align:top;padding:2px 12px 2px 0;color:#555;white-space:nowrap}
.kv td{padding:2px 0;width:100%}
.exchange{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media (max-width:900px){.exchange{grid-template-columns:1fr}}
footer{margin:24px 0 8px;color:#777;font-size:12px}
"""

_JS = """
(function () {
  "use strict";
  var status = document.getElementById("f-status");
  var family = document.getElementById("f-family");
  var shown = document.getElementById("f-count");
  var results = document.querySelectorAll(".result");
  function apply() {
    var n = 0;
    results.forEach(function (el) {
      var ok = (!status.value || el.dataset.status === status.value) &&
               (!family.value || el.dataset.family === family.value);
      el.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + results.length + " checks shown";
  }
  status.addEventListener("change", apply);
  family.addEventListener("change", apply);
  var expand = false;
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    if (kv[0] === "status") { status.value = decodeURIComponent(kv[1] || ""); }
    if (kv[0] === "family") { family.value = decodeURIComponent(kv[1] || ""); }
    if (kv[0] === "expand-first") { expand = true; }
  });
  apply();
  if (expand) {
    var first = document.querySelector(".result[data-status=failed] details.finding");
    if (first) { first.open = true; }
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


_CSP = (
    f"default-src 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _e(text: object) -> str:
    # inert first (control, bidi and invisible characters as visible escapes: U+202E must
    # not turn "exe.txt" into "txt.exe" on the page), then HTML-escaped
    return html.escape(inert(str(text), newlines=True), quote=True)


def render_html(run: RunResult, *, redactor: Redactor | None = None) -> str:
    """The run as one self-contained HTML page.

    The operation × content type × check-family matrix comes first, JSON and XML side by
    side; every failure and warning expands (``<details>``) to expected / actual, the
    request, the response excerpt, the curl line and the seed. A status and family filter
    needs a few lines of inline script; without script everything shows. Opening the page
    with ``#expand-first`` opens the first failure; ``#status=failed&family=schema`` presets
    the filter.

    Args:
        run: the run to render.
        redactor: knows the bearer token; token-looking values and credential headers are
            redacted even without one.

    Example:
        >>> Path("reports/index.html").write_text(render_html(run), "utf-8")  # doctest: +SKIP
    """
    clean, scrub = prepare(run, redactor)
    return scrub.redactor.text(_Page(clean).render())


class _Page:
    def __init__(self, run: RunResult) -> None:
        self.run = run
        self.budget = EXCERPT_BUDGET
        self.ids = {id(result): f"r{index}" for index, result in enumerate(run.results)}

    def render(self) -> str:
        run = self.run
        _, line = verdict(run)
        worst = next(
            (s for s in _STATUS_ORDER if any(r.status is s for r in run.results)), Status.SKIPPED
        )
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>diglot: {_e(line)}</title>",
            f"<style>{_CSS}</style></head><body>",
            "<header><h1>diglot conformance report</h1>",
            f'<p class="verdict s-{worst.value if run.results else "skipped"}">'
            f"{_MARK[worst] if run.results else _MARK[Status.SKIPPED]} {_e(line)}</p>",
            self._meta(),
            self._counts(),
            "</header>",
            self._errors(),
            self._matrix(),
            promises_html(run, _e),
            self._results(),
            f"<footer>diglot {_e(run.diglot_version)} · report written from the run's "
            "report.json data · self-contained: this page loads nothing from the network."
            "</footer>",
            f"<script>{_JS}</script>",
            "</body></html>",
        ]
        return "\n".join(part for part in parts if part) + "\n"

    def _meta(self) -> str:
        run = self.run
        rows = [
            ("target", run.target),
            ("account", run.account_id),
            ("seed", str(run.seed)),
            ("started", run.started_at.isoformat(timespec="seconds")),
            ("duration", f"{run.duration:.1f} s"),
            ("requests", str(run.requests)),
            ("reproduce", reproduce_command(run)),
        ]
        merged = run.options.get("merged")
        if isinstance(merged, list):
            rows.append(("merged from", f"{len(merged)} shards"))
        body = "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" for k, v in rows)
        return f'<dl class="meta">{body}</dl>'

    def _counts(self) -> str:
        summary = self.run.summary()
        items = "".join(
            f'<li class="s-{s.value}">{summary[s.value]} {s.value}</li>' for s in _STATUS_ORDER
        )
        return (
            f'<ul class="counts">{items}<li>{summary["findings"]} findings</li>'
            f"<li>{summary['requests']} requests</li>{self._fixed()}</ul>"
        )

    def _fixed(self) -> str:
        """The baseline entries that no longer occur, as one count with them in its title."""
        fixed = self.run.fixed
        if not fixed:
            return ""
        title = "; ".join(
            f"{e.get('check')} on {e.get('operation')} ({e.get('content_type')}) "
            f"{e.get('location')}: {e.get('kind')}"
            for e in fixed[:50]
        )
        return f'<li class="s-passed" title="{_e(title)}">{len(fixed)} fixed (baseline)</li>'

    def _errors(self) -> str:
        out = ""
        if self.run.incomplete:
            items = "".join(f"<li>{_e(reason)}</li>" for reason in self.run.incomplete)
            out += (
                '<section id="incomplete"><h2>INCOMPLETE: the run checked less than asked</h2>'
                f'<ul class="s-warning">{items}</ul></section>'
            )
        if not self.run.errors:
            return out
        items = "".join(f"<li>{_e(error)}</li>" for error in self.run.errors)
        return out + (
            f'<section id="errors"><h2>Run errors</h2><ul class="s-failed">{items}</ul></section>'
        )

    def _matrix(self) -> str:
        run = self.run
        operations = list(dict.fromkeys(r.operation for r in run.results))
        present = list(dict.fromkeys(r.content_type for r in run.results))
        types = [t for t in ("json", "xml") if t in present] + [
            t for t in present if t not in ("json", "xml")
        ]
        present_families = {str(r.family) for r in run.results}
        # the built-in families in their order, then a user's, by name
        families = [str(f) for f in Family if f in present_families] + sorted(
            present_families - {str(f) for f in Family}
        )
        cells: dict[tuple[str, str, str], list[CheckResult]] = {}
        for result in run.results:
            cells.setdefault((result.operation, result.content_type, result.family), []).append(
                result
            )
        head1 = "".join(f'<th colspan="{len(types)}">{_e(f)}</th>' for f in families)
        head2 = "".join(f"<th>{_e(t.upper())}</th>" for _ in families for t in types)
        rows = []
        for operation in operations:
            tds = []
            for family in families:
                for content_type in types:
                    tds.append(self._cell(cells.get((operation, content_type, family), [])))
            rows.append(f"<tr><th>{_e(operation)}</th>{''.join(tds)}</tr>")
        if not rows:
            return '<section id="matrix"><h2>Matrix</h2><p>No checks ran.</p></section>'
        return (
            '<section id="matrix"><h2>Matrix</h2><table class="matrix">'
            f'<thead><tr><th rowspan="2">operation</th>{head1}</tr><tr>{head2}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            '<p class="legend">Each cell: the checks of one family for one operation in one '
            "content type, coloured by the worst status; ✗ failed, ! warning, ? inconclusive "
            "(exercised, nothing to judge), ≈ known (accepted in the baseline), ✓ passed, "
            "○ skipped. Click a cell to jump to its "
            "checks.</p></section>"
        )

    def _cell(self, results: list[CheckResult]) -> str:
        if not results:
            return '<td class="none">·</td>'
        statuses = [r.status for r in results]
        worst = next(s for s in _STATUS_ORDER if s in statuses)
        text = " ".join(
            f"{_MARK[s]} {statuses.count(s)}" for s in _STATUS_ORDER if statuses.count(s)
        )
        title = ", ".join(f"{r.check}: {r.status.value}" for r in results)
        first = next(r for r in results if r.status is worst)
        return (
            f'<td class="s-{worst.value}" title="{_e(title)}">'
            f'<a href="#{self.ids[id(first)]}">{_e(text)}</a></td>'
        )

    def _results(self) -> str:
        status_options = "".join(
            f'<option value="{s.value}">{s.value}</option>' for s in _STATUS_ORDER
        )
        family_options = "".join(f'<option value="{f.value}">{f.value}</option>' for f in Family)
        parts = [
            '<section id="results"><h2>Checks</h2><form id="filters">',
            f'<label>Status <select id="f-status"><option value="">all</option>{status_options}'
            "</select></label>",
            f'<label>Family <select id="f-family"><option value="">all</option>{family_options}'
            '</select></label><span id="f-count"></span></form>',
        ]
        # failures first, then warnings, inconclusive, passes, skips: what needs a person on top
        ranked = sorted(self.run.results, key=lambda r: _STATUS_ORDER.index(r.status))
        parts += [self._result(result) for result in ranked]
        parts.append("</section>")
        return "\n".join(parts)

    def _result(self, result: CheckResult) -> str:
        status = result.status
        stats = f"{result.exchanges} exchanges judged"
        if result.occurrences:
            noun = "finding" if result.occurrences == 1 else "findings"
            stats += f" · {result.occurrences} {noun}, {len(result.findings)} distinct kept"
        if result.omitted:
            stats += f" · {result.omitted} more distinct findings not kept"
        parts = [
            f'<div class="result s-{status.value}" id="{self.ids[id(result)]}" '
            f'data-status="{status.value}" data-family="{_e(result.family)}">',
            f'<h3><span class="badge s-{status.value}">{status.value}</span>'
            f"{_e(result.operation)} · {_e(result.content_type)} · <code>{_e(result.check)}</code>"
            f" <small>({_e(result.family)})</small></h3>",
        ]
        if result.description:
            parts.append(f'<p class="desc">{_e(result.description)}</p>')
        parts.append(f'<p class="stats">{_e(stats)}</p>')
        if status is Status.SKIPPED:
            parts.append(f'<p class="desc">Skipped: {_e(skip_reason(result))}</p>')
        if result.inconclusive:
            ranked = sorted(result.inconclusive.items(), key=lambda item: -item[1])
            items = "".join(f"<li>{_e(reason)} ({count}×)</li>" for reason, count in ranked)
            head = (
                "Inconclusive: exercised, but nothing to judge"
                if status is Status.INCONCLUSIVE
                else "Also inconclusive in some exchanges"
            )
            parts.append(f'<p class="desc">{head}:</p><ul class="reasons">{items}</ul>')
        ordered = sorted(result.findings, key=lambda f: f.severity is not Severity.VIOLATION)
        for index, finding in enumerate(ordered[:MAX_FINDINGS_PER_RESULT]):
            # a failed check opens on its first violation: the evidence is on the page
            expanded = index == 0 and status is Status.FAILED
            parts.append(self._finding(finding, result.count_of(finding), expanded=expanded))
        hidden = len(ordered) - MAX_FINDINGS_PER_RESULT
        if hidden > 0:
            parts.append(
                f'<p class="more">{hidden} more distinct findings not shown here; '
                "report.json has them all.</p>"
            )
        parts.append("</div>")
        return "\n".join(parts)

    def _finding(self, finding: Finding, count: int, *, expanded: bool = False) -> str:
        times = f" <small>(seen {count}×)</small>" if count > 1 else ""
        rows = [("Path", f"<code>{_e(finding.location)}</code>" if finding.location else "")]
        rows += [
            ("Expected", f"<pre>{_e(finding.expected)}</pre>" if finding.expected else ""),
            ("Actual", f"<pre>{_e(finding.actual)}</pre>" if finding.actual else ""),
            ("Check", f"<code>{_e(finding.check)}</code> ({_e(finding.family)})"),
            ("Seed", f"<code>{_e(finding.seed)}</code>" if finding.seed is not None else ""),
        ]
        table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v)
        parts = [
            f'<details class="finding f-{finding.severity.value}"{_OPEN if expanded else ""}>',
            f"<summary>[{_e(finding.severity.value)}] {_e(finding.message)}{times}</summary>",
            f'<table class="kv">{table}</table>',
        ]
        exchange = self._exchange(finding)
        if exchange:
            parts.append(exchange)
        if finding.request is not None:
            parts.append(
                f'<h4>Reproduce</h4><pre class="curl">{_e(report_line(finding.request))}</pre>'
            )
        parts.append("</details>")
        return "\n".join(parts)

    def _exchange(self, finding: Finding) -> str:
        blocks = []
        if finding.request is not None:
            req = finding.request
            media = req.headers.get("Content-Type", req.headers.get("content-type", ""))
            head = [f"{req.method} {req.url}"] + [f"{k}: {v}" for k, v in req.headers.items()]
            if req.authenticated:
                head.append("Authorization: Bearer [REDACTED]")
            body = self._body(pretty_print(req.body.decode("utf-8", "replace"), media))
            blocks.append(("Request", "\n".join(head), body))
        if finding.response is not None:
            res = finding.response
            head = [f"HTTP {res.status}"] + [f"{k}: {v}" for k, v in res.headers.items()]
            body = self._body(res.body.decode("utf-8", "replace"))
            if res.truncated:
                body += "\n(body cut by the transport at its size limit)"
            blocks.append(("Response", "\n".join(head), body))
        if not blocks:
            return ""
        cells = "".join(
            f"<div><h4>{title}</h4><pre>{_e(head)}\n\n{_e(body)}</pre></div>"
            for title, head, body in blocks
        )
        return f'<div class="exchange">{cells}</div>'

    def _body(self, text: str) -> str:
        if not text:
            return "(no body)"
        if len(text) > self.budget:
            return f"({len(text.encode())} bytes left out to keep this page small; see report.json)"
        self.budget -= len(text)
        return text
