from __future__ import annotations

import dataclasses
import html.parser
import re

from diglot.engine._results import CheckResult
from diglot.model import Family, Severity
from diglot.reports import render_html
from tests.reports.builders import INCONCLUSIVE_REASON, finding, make_run

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


class Outline(html.parser.HTMLParser):
    """Counts tags and collects attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    return parser


def test_page_is_self_contained():
    page = render_html(make_run())
    tags = outline(page)
    assert tags.count("script") == 1
    assert tags.count("style") == 1
    assert tags.count("link") == 0
    for _, attrs in tags.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), value
    csp = next(a for t, a in tags.tags if t == "meta" and a.get("http-equiv"))
    assert (csp["content"] or "").startswith("default-src 'none'; style-src 'sha256-")


def test_matrix_has_operations_by_family_and_content_type_side_by_side():
    page = render_html(make_run())
    matrix = page[page.index('<table class="matrix">') : page.index("</table>")]
    body = matrix[matrix.index("<tbody>") :]
    assert body.count("<tr><th>") == 4  # one row per operation
    assert '<th colspan="2">schema</th>' in matrix
    assert matrix.count("<th>JSON</th><th>XML</th>") == 4  # per family present
    row = re.search(r"<tr><th>listGroups</th>(.*?)</tr>", matrix)
    assert row is not None
    cells = re.findall(r'<td class="([^"]+)"', row.group(1))
    # protocol json/xml, schema json/xml, equivalence json/xml, pagination json/xml
    assert cells[2:4] == ["s-failed", "s-failed"]
    assert cells[0] == "s-passed"
    skipped_row = re.search(r"<tr><th>createGroups</th>(.*?)</tr>", matrix)
    assert skipped_row is not None
    assert re.findall(r'<td class="([^"]+)"', skipped_row.group(1))[5] == "s-skipped"


def test_failures_expand_to_the_evidence():
    run = make_run()
    page = render_html(run)
    tags = outline(page)
    assert tags.count("details") == 5  # every distinct finding kept
    block = page[page.index('<details class="finding f-violation"') :]
    block = block[: block.index("</details>")]
    assert "<th>Expected</th><td><pre>totalSetSize &gt;= resultSetSize (1)</pre>" in block
    assert "<th>Path</th><td><code>/totalSetSize</code>" in block
    assert f"<th>Seed</th><td><code>{run.seed}</code>" in block
    assert "(seen 3×)" in block
    assert "GET http://127.0.0.1:8123/restapi/v2.1/accounts/" in block
    assert (
        "HTTP 200\ncontent-type: application/json; charset=utf-8\n\n{\n  &quot;groups&quot;"
        in block
    )
    assert '<pre class="curl">curl -sS --globoff --path-as-is -X GET' in block
    results = [a for t, a in tags.tags if t == "div" and "result" in (a.get("class") or "")]
    assert {a["data-status"] for a in results} == {
        "passed",
        "failed",
        "warning",
        "inconclusive",
        "skipped",
    }
    assert "Skipped: the JSON twin of this request was refused" in page


def test_inconclusive_checks_have_their_own_label_and_show_why():
    page = render_html(make_run())
    block = page[page.index('data-status="inconclusive"') :]
    block = block[: block.index("</div>")]
    assert '<span class="badge s-inconclusive">inconclusive</span>' in block
    assert "Inconclusive: exercised, but nothing to judge" in block
    assert f"<li>{INCONCLUSIVE_REASON} (2×)</li>" in block
    assert ".s-inconclusive{" in page  # its own colour
    assert '<li class="s-inconclusive">1 inconclusive</li>' in page
    matrix = page[page.index('<table class="matrix">') : page.index("</table>")]
    row = re.search(r"<tr><th>listSigningGroups</th>(.*?)</tr>", matrix)
    assert row is not None
    assert 's-inconclusive" title="equivalence.json_xml: inconclusive"' in row.group(1)


def test_hostile_response_text_is_inert():
    run = make_run()
    run.results[0].add(
        finding(
            message=HOSTILE,
            expected='"><script>alert(1)</script>',
            location="/x'onmouseover='alert(1)",
            body=HOSTILE.encode(),
        )
    )
    run.results[0].description = "</style><script>alert(2)</script>"
    page = render_html(run)
    tags = outline(page)
    assert tags.count("script") == 1
    assert tags.count("img") == 0
    assert "pwned" in page  # shown as text
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert not any("onerror" in attrs or "onmouseover" in attrs for _, attrs in tags.tags)


def test_many_findings_keep_the_page_small():
    run = make_run()
    body = ('{"groups": [' + ",".join(['{"groupName": "g"}'] * 400) + "]}").encode()
    results = []
    for n in range(50):
        result = CheckResult("listGroups", "json", f"schema.rule{n}", Family.SCHEMA, exchanges=100)
        for i in range(100):
            result.add(
                dataclasses.replace(
                    finding(body=body),
                    message=f"rule {n} broken at item {i}",
                    location=f"/groups/{i}",
                    severity=Severity.VIOLATION if i % 2 else Severity.WARNING,
                )
            )
        results.append(result)
    # and one result whose list of findings was filled past the cap by hand
    flood = CheckResult("listGroups", "xml", "schema.flood", Family.SCHEMA, exchanges=1)
    flood.findings = [
        dataclasses.replace(finding(body=body), message=f"flood {i}") for i in range(0, 20)
    ]
    flood.occurrences = 20
    results.append(flood)
    run.results += results
    total = sum(r.occurrences for r in run.results)
    assert total >= 5000
    page = render_html(run)
    assert len(page.encode()) < 3_000_000
    assert "more distinct findings not kept" in page
    assert "10 more distinct findings not shown here" in page
    assert "bytes left out to keep this page small" in page
