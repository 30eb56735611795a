"""A real run against the faulty reference server writes all four reports, each valid."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from diglot.cli import ExitCode, main
from tests.reports.conftest import assert_valid_report_file
from tests.reports.test_html import outline

TOKEN = "e2e-Secret-token_8c1f0a9b"


@pytest.mark.slow
def test_run_against_a_faulty_server_writes_every_report(
    tmp_path, monkeypatch, junit_schema, capsys
):
    monkeypatch.setenv("DIGLOT_TOKEN", TOKEN)
    out = tmp_path / "reports"
    argv = ["run", "--fault", "json-numbers-as-numbers", "--max-examples", "5", "--seed", "7"]
    assert main([*argv, "--report-dir", str(out)]) == ExitCode.VIOLATIONS
    capsys.readouterr()

    document = assert_valid_report_file(out / "report.json")
    failed = [r for r in document["results"] if r["status"] == "failed"]
    assert failed
    assert all(r["findings"] and r["findings"][0]["curl"] for r in failed)
    assert document["seed"] == 7

    junit = etree.parse(str(out / "junit.xml"))
    assert junit_schema.validate(junit), junit_schema.error_log
    assert len(junit.findall(".//testcase/failure")) == len(failed)

    page = (out / "index.html").read_text("utf-8")
    assert outline(page).count("script") == 1
    assert '<table class="matrix">' in page

    summary = (out / "summary.md").read_text("utf-8")
    assert summary.startswith(f"## ❌ diglot: {len(failed)} of ")
    assert "--fault json-numbers-as-numbers --max-examples 5 --seed 7" in summary

    for path in out.iterdir():
        assert TOKEN not in path.read_text("utf-8"), path.name

    # and the report re-renders to the same document
    assert main(["report", str(out / "report.json"), "--format", "json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out) == document
