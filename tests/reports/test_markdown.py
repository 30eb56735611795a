from __future__ import annotations

import re

from diglot.engine._results import Status
from diglot.reports import render_markdown
from diglot.reports._markdown import reproduce_command
from tests.reports.builders import INCONCLUSIVE_REASON, finding, make_run


def test_summary_has_verdict_counts_table_and_reproduction():
    run = make_run()
    text = render_markdown(run)
    lines = text.splitlines()
    assert lines[0] == "## ❌ diglot: 3 of 32 checks failed"
    assert "| 26 | 3 | 1 | 1 | 1 | 7 |" in lines
    rows = [line for line in lines if line.startswith("| ❌ failed") or line.startswith("| ⚠️")]
    assert len(rows) == 4
    assert rows[0].startswith(
        "| ❌ failed | listGroups | json | `schema.json` | totalSetSize is less than resultSetSize"
    )
    assert "1 check skipped: the JSON twin of this request was refused" in text
    assert f"--seed {run.seed}" in text
    assert "```sh" in text
    assert len(text) < 4000


def test_a_clean_run_says_conformant():
    run = make_run()
    for result in run.results:
        result.findings.clear()
        result.counts.clear()
        result.occurrences = 0
        result.skip_reason = ""
        result.exchanges = 3
    assert all(r.status is Status.PASSED for r in run.results)
    text = render_markdown(run)
    assert text.splitlines()[0] == "## ✅ diglot: conformant: all 32 checks that ran passed"
    assert "| status |" not in text


def test_hostile_text_cannot_break_the_table_or_inject_html():
    run = make_run()
    run.results[0].add(
        finding(
            message="a | b <img src=x onerror=alert(1)> *bold* `tick`\nnew line",
            location="/a|b",
        )
    )
    text = render_markdown(run)
    row = next(line for line in text.splitlines() if "protocol.status" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six cells, no more
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "a \\| b" in text
    assert "`/a\\|b`" in row


def test_long_lists_are_cut():
    run = make_run()
    for result in run.results:
        result.add(finding(message=f"problem in {result.check}"))
    text = render_markdown(run)
    assert "… and 7 more failed or warning checks." in text


def test_reproduce_line_carries_the_options_that_shape_the_run():
    run = make_run()
    run.options = {
        "max_examples": 5,
        "fault": "json-renamed-field",
        "operations": ["listGroups"],
        "content_types": ["json", "xml"],
        "read_only": True,
        "stateful": False,
        "shrink": True,
        "shard": None,
        "token": "x",
    }
    assert reproduce_command(run) == (
        "diglot run --base-url http://127.0.0.1:8123/restapi --account-id "
        f"{run.account_id} --fault json-renamed-field --max-examples 5 "
        f"--operations listGroups --read-only --no-stateful --seed {run.seed}"
    )
    run.target = "embedded reference server"
    assert reproduce_command(run).startswith("diglot run --fault json-renamed-field")


def test_inconclusive_checks_are_counted_and_say_why():
    text = render_markdown(make_run())
    assert "| passed | failed | warning | inconclusive | skipped | findings |" in text
    assert "1 check was inconclusive (exercised, but nothing to judge):" in text
    assert (
        f"- `equivalence.json_xml` on listSigningGroups json: {INCONCLUSIVE_REASON} (2×); "
        "the XML twin was cut at the size limit (1×)"
    ) in text


def test_a_clean_run_with_inconclusive_checks_says_so():
    run = make_run()
    for result in run.results:
        result.findings.clear()
        result.counts.clear()
        result.occurrences = 0
        result.skip_reason = ""
        if result.status is not Status.INCONCLUSIVE:
            result.exchanges = 3
    first = render_markdown(run).splitlines()[0]
    assert first == (
        "## ✅ diglot: conformant: all 31 checks that judged something passed; 1 inconclusive"
    )
    for result in run.results:
        result.exchanges = 0
        result.no_evidence("nothing matched")
    assert render_markdown(run).splitlines()[0] == (
        "## ⏭️ diglot: nothing was judged: 32 checks inconclusive"
    )
