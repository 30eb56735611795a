from __future__ import annotations

import base64
import json

import pytest
from lxml import etree

from diglot.errors import ReportError, UsageError
from diglot.reports import FILES, ReportWriter, from_json, to_json, write_reports
from diglot.transport._redact import Redactor
from tests.reports.builders import TOKEN, leaky_run, make_run
from tests.reports.conftest import assert_valid_report_file


def test_all_four_files_are_written_and_valid(tmp_path, junit_schema):
    run = make_run()
    paths = write_reports(run, tmp_path / "out")
    assert {name: p.name for name, p in paths.items()} == FILES
    document = assert_valid_report_file(paths["json"])
    assert document == to_json(run)
    assert junit_schema.validate(etree.parse(str(paths["junit"])))
    assert paths["html"].read_text("utf-8").startswith("<!DOCTYPE html>")
    assert paths["md"].read_text("utf-8").startswith("## ❌ diglot")
    assert not list((tmp_path / "out").glob(".*"))  # no temporary files left behind


def test_some_formats_only(tmp_path):
    paths = write_reports(make_run(), tmp_path, formats=["md", "json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "summary.md"]
    assert set(paths) == {"md", "json"}


def test_unknown_format_suggests_the_close_one(tmp_path):
    with pytest.raises(UsageError, match="unknown report format 'htm'; did you mean 'html'"):
        write_reports(make_run(), tmp_path, formats=["htm"])


def test_unwritable_folder_is_a_report_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="cannot create the report folder"):
        write_reports(make_run(), blocker / "reports")


def forms_of_the_token() -> list[str]:
    return [
        TOKEN,
        "".join(f"\\u{ord(c):04x}" for c in TOKEN),
        json.dumps(TOKEN)[1:-1],
        base64.b64encode(f"Bearer {TOKEN}".encode()).decode()[4:-4],
        base64.b64encode(TOKEN.encode()).decode()[:-4],
        "".join(f"&#{ord(c)};" for c in TOKEN),
    ]


@pytest.mark.parametrize("with_redactor", [True, False])
def test_the_token_never_reaches_any_report(tmp_path, with_redactor):
    redactor = Redactor([TOKEN]) if with_redactor else None
    paths = write_reports(leaky_run(), tmp_path, redactor=redactor)
    assert_valid_report_file(paths["json"])
    for name, path in paths.items():
        text = path.read_text("utf-8").replace("\\[", "[").replace("\\]", "]")  # md escapes
        if with_redactor:
            assert "[REDACTED]" in text, name
            for form in forms_of_the_token():
                assert form not in text, (name, form)
        else:
            # Without the token only what looks like one goes: after "Bearer", and
            # credential headers whatever they hold.
            assert f"Bearer {TOKEN}" not in text, name
            assert f"session={TOKEN}" not in text, name


def test_the_json_escaped_token_is_caught_once_decoded(tmp_path):
    paths = write_reports(leaky_run(), tmp_path, redactor=Redactor([TOKEN]))
    document = json.loads(paths["json"].read_text("utf-8"))
    echo = next(r for r in document["results"] if r["check"] == "semantics.echo")
    body = json.loads(echo["findings"][0]["response"]["body"])
    assert body == {
        "echo": {
            "raw": "[REDACTED]",
            "b64": "[REDACTED]",
            "escaped": "[REDACTED]",
            "auth": "Bearer [REDACTED]",
        }
    }


def test_report_writer_collects_results_and_checkpoints(tmp_path):
    template = make_run()
    run = make_run()
    run.results = []
    run.duration = 0.0
    writer = ReportWriter(run, tmp_path, checkpoint=True)
    for result in template.results[:3]:
        writer.add(result)
        partial = from_json(tmp_path / "report.json")
        assert len(partial.results) == len(writer.run.results)
    assert not (tmp_path / "index.html").exists()
    for result in template.results[3:]:
        writer.add(result)
    paths = writer.close()
    assert set(paths) == set(FILES)
    assert run.duration > 0
    assert len(from_json(paths["json"]).results) == len(template.results)


def test_report_writer_writes_partial_results_when_interrupted(tmp_path):
    run = make_run()
    results, run.results = run.results, []

    def interrupted_run() -> None:
        with ReportWriter(run, tmp_path) as writer:
            writer.add(results[0])
            writer.add(results[1])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    partial = from_json(tmp_path / "report.json")
    assert len(partial.results) == 2
    assert partial.errors[-1].startswith("run interrupted (KeyboardInterrupt")
    assert (tmp_path / "junit.xml").exists()
