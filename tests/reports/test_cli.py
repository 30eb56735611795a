from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from diglot.cli import ExitCode, main
from diglot.reports import to_json
from tests.reports.builders import TOKEN, leaky_run, make_run
from tests.reports.conftest import assert_valid_report_file


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(to_json(make_run())), "utf-8")
    return path


@pytest.mark.parametrize(
    ("fmt", "start"),
    [
        ("md", "## ❌ diglot: 3 of 32 checks failed"),
        ("html", "<!DOCTYPE html>"),
        ("junit", '<?xml version="1.0" encoding="UTF-8"?>'),
        ("json", "{"),
    ],
)
def test_rerender_to_stdout(report, capsys, fmt, start):
    assert main(["report", str(report), "--format", fmt]) == ExitCode.OK
    assert capsys.readouterr().out.startswith(start)


def test_rerendered_json_is_the_same_report(report, capsys):
    assert main(["report", str(report), "--format", "json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out) == json.loads(report.read_text("utf-8"))


def test_default_format_is_markdown_or_the_output_suffix(report, tmp_path, capsys, junit_schema):
    assert main(["report", str(report)]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("## ")
    out = tmp_path / "cases.xml"
    assert main(["report", str(report), "--output", str(out)]) == ExitCode.OK
    assert junit_schema.validate(etree.parse(str(out)))
    assert f"wrote {out}" in capsys.readouterr().err


def test_merge_writes_all_four_files(tmp_path, capsys, junit_schema):
    paths = []
    for n in range(3):
        run = make_run(started=datetime(2025, 3, 1, 12, n, 0, tzinfo=UTC), seed=n)
        path = tmp_path / f"shard{n}" / "report.json"
        path.parent.mkdir()
        path.write_text(json.dumps(to_json(run)), "utf-8")
        paths.append(str(path))
    out = tmp_path / "merged"
    assert main(["report", "merge", *paths, "--output-dir", str(out)]) == ExitCode.OK
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "junit.xml",
        "report.json",
        "summary.md",
    ]
    document: Any = assert_valid_report_file(out / "report.json")
    assert document["requests"] == 720
    assert [shard["seed"] for shard in document["options"]["merged"]] == [0, 1, 2]
    assert junit_schema.validate(etree.parse(str(out / "junit.xml")))
    assert "merged 3 reports" in capsys.readouterr().err


def test_token_from_the_environment_is_scrubbed_again(tmp_path, monkeypatch, capsys):
    # A report written without the token (only token-looking values redacted) still
    # holds the raw token in a message; re-rendering with DIGLOT_TOKEN set removes it.
    path = tmp_path / "report.json"
    path.write_text(json.dumps(to_json(leaky_run())), "utf-8")
    monkeypatch.setenv("DIGLOT_TOKEN", TOKEN)
    assert main(["report", str(path), "--format", "html"]) == ExitCode.OK
    assert TOKEN not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.json"], "missing.json: no such file"),
        (["merge"], "needs the report.json files to merge"),
        (["a.json", "b.json"], "use `diglot report merge a.json b.json`"),
    ],
)
def test_usage_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("diglot: error: ")
    assert message in err
    assert "Traceback" not in err


def test_invalid_report_names_file_and_place(tmp_path, capsys):
    path = tmp_path / "broken.json"
    document: Any = to_json(make_run())
    document["results"][0]["family"] = "Vibes!"  # a family is a lower-case name
    path.write_text(json.dumps(document), "utf-8")
    assert main(["report", str(path)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "broken.json is not a valid diglot report: at /results/0/family" in err


def test_merge_of_an_invalid_shard_names_it(tmp_path, report, capsys):
    bad = tmp_path / "shard-b.json"
    bad.write_text("{", "utf-8")
    assert main(["report", "merge", str(report), str(bad)]) == ExitCode.USAGE
    assert "shard-b.json is not JSON" in capsys.readouterr().err


def test_merge_refuses_format_options(report, capsys):
    assert main(["report", "merge", str(report), "--format", "md"]) == ExitCode.USAGE
    assert "--output-dir" in capsys.readouterr().err


HOSTILE = "\x1b]52;c;dG91Y2g=\x07\n::add-mask::x\u202e\x00"


def test_control_characters_in_names_of_an_edited_report_render_everywhere(
    tmp_path, capsys, junit_schema
):
    # control characters in a check or an operation name used to crash --format junit (exit 4)
    document: Any = to_json(make_run())
    document["results"][0]["check"] = f"schema.body{HOSTILE}"
    document["results"][0]["operation"] = f"listGroups{HOSTILE}"
    document["target"] = f"http://127.0.0.1:8123/restapi/{HOSTILE}"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), "utf-8")
    for fmt in ("junit", "html", "md", "json"):
        assert main(["report", str(path), "--format", fmt]) == ExitCode.OK, fmt
        out = capsys.readouterr().out
        for raw in ("\x1b", "\x00", "\u202e"):
            assert raw not in out, (fmt, raw)
        assert not [line for line in out.splitlines() if line.lstrip().startswith("::")], fmt
        if fmt == "junit":
            assert junit_schema.validate(etree.fromstring(out.encode()))
            assert "schema.body\\x1b]52;c;dG91Y2g=\\x07\\n::add-mask::x\\u202e\\x00" in out


def test_an_edited_report_with_a_crafted_method_is_a_clear_usage_error(tmp_path, capsys):
    document: Any = to_json(make_run())
    document["results"][1]["findings"][0]["request"]["method"] = "GET;touch /tmp/pwned\n::x"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(document), "utf-8")
    assert main(["report", str(path), "--format", "md"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert (
        "edited.json is not a valid diglot report: at /results/1/findings/0/request/method" in err
    )
    assert "\n::x" not in err  # the file's text is quoted inert
    assert "Traceback" not in err
