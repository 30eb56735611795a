from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from diglot.engine._results import Status
from diglot.errors import ReportError
from diglot.model import Request, Response
from diglot.reports import REPORT_VERSION, from_json, to_json
from diglot.transport._redact import Redactor
from tests.reports.builders import INCONCLUSIVE_REASON, TOKEN, make_run
from tests.reports.conftest import assert_valid_report


def test_document_holds_the_run_and_is_valid():
    run = make_run()
    doc: Any = to_json(run)
    assert_valid_report(doc)
    assert doc["version"] == REPORT_VERSION
    assert doc["seed"] == run.seed
    assert doc["target"] == run.target
    assert doc["summary"] == {
        "passed": 26,
        "failed": 3,
        "warning": 1,
        "known": 0,
        "inconclusive": 1,
        "skipped": 1,
        "findings": 7,
        "requests": 240,
        "fixed": 0,
    }
    results = {(r["operation"], r["content_type"], r["check"]): r for r in doc["results"]}
    assert len(results) == len(run.results) == 32
    schema = results["listGroups", "json", "schema.json"]
    assert schema["status"] == "failed"
    assert schema["occurrences"] == 4
    first = schema["findings"][0]
    assert first["count"] == 3
    assert first["location"] == "/totalSetSize"
    assert first["request"]["method"] == "GET"
    assert first["response"]["status"] == 200
    assert first["response"]["body"].startswith('{\n  "groups": [')  # pretty-printed
    assert first["curl"].startswith(
        "curl -sS --globoff --path-as-is -X GET 'http://127.0.0.1:8123/restapi/v2.1/"
    )
    assert "$DIGLOT_TOKEN" in first["curl"]
    assert first["seed"] == run.seed
    xml = results["listGroups", "xml", "schema.xml"]["findings"][0]["response"]["body"]
    assert xml.splitlines()[1:3] == [
        '<groupInformation xmlns="http://www.docusign.com/restapi">',
        "  <groups>",
    ]
    skipped = results["createGroups", "xml", "equivalence.json_xml"]
    assert skipped["status"] == "skipped"
    assert skipped["skip_reason"].startswith("the JSON twin")
    assert doc["options"]["token"] == "[REDACTED]"
    inconclusive = results["listSigningGroups", "json", "equivalence.json_xml"]
    assert inconclusive["status"] == "inconclusive"
    assert inconclusive["inconclusive"] == {
        INCONCLUSIVE_REASON: 2,
        "the XML twin was cut at the size limit": 1,
    }


def test_from_json_round_trips():
    doc = to_json(make_run(), redactor=Redactor([TOKEN]))
    again = from_json(doc)
    assert to_json(again) == doc
    finding = again.results[1].findings[0]
    assert isinstance(finding.request, Request)
    assert isinstance(finding.response, Response)
    assert finding.response.body.startswith(b'{\n  "groups"')
    assert again.results[1].count_of(finding) == 3
    assert [r.status for r in again.results] == [r.status for r in make_run().results]


def test_from_json_reads_text_and_files(tmp_path):
    doc = to_json(make_run())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc), "utf-8")
    assert to_json(from_json(path)) == doc
    assert to_json(from_json(str(path))) == doc
    assert to_json(from_json(json.dumps(doc))) == doc


def test_a_run_with_long_bodies_round_trips():
    run = make_run()
    finding = run.results[1].findings[0]
    big = json.dumps({"groups": [{"groupName": f"g{i}"} for i in range(800)]}).encode()
    long_request = Request("POST", "http://x/restapi/v2.1/accounts/1/groups", {}, big, True)
    run.results[1].findings[0] = dataclasses.replace(
        finding,
        request=long_request,
        response=Response(201, {"content-type": "application/json"}, big),
    )
    doc: Any = to_json(run)
    assert_valid_report(doc)
    assert doc["results"][1]["findings"][0]["response"]["body"].endswith("more bytes")
    assert to_json(from_json(doc)) == doc


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.pop("seed"), 'at /: "seed" is a required property'),
        (lambda d: d["results"][3].update(status="fine"), "at /results/3/status"),
        (lambda d: d["results"][1]["findings"][0].update(count=0), "/results/1/findings/0/count"),
        (lambda d: d.update(started_at="yesterday"), "started_at"),
    ],
)
def test_invalid_documents_say_where(mutate, where):
    doc = copy.deepcopy(to_json(make_run()))
    mutate(doc)
    with pytest.raises(ReportError, match=r"not a valid diglot report|ISO 8601") as info:
        from_json(doc)
    assert where in str(info.value)


def test_a_status_that_contradicts_the_findings_is_refused():
    doc: Any = to_json(make_run())
    doc["results"][1]["status"] = "passed"
    with pytest.raises(ReportError, match=r"/results/1: status 'passed' contradicts"):
        from_json(doc)


def test_another_major_version_is_refused():
    doc = to_json(make_run())
    doc["version"] = "2.0"
    with pytest.raises(ReportError, match=r"version 2\.0 cannot be read"):
        from_json(doc)


def test_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(ReportError, match=r"missing\.json: no such file"):
        from_json(tmp_path / "missing.json")
    with pytest.raises(ReportError, match="is a directory"):
        from_json(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(ReportError, match=r"bad\.json is not JSON: line 1 column 2"):
        from_json(bad)
    array = tmp_path / "array.json"
    array.write_text("[]", "utf-8")
    with pytest.raises(ReportError, match=r"array\.json holds a JSON list"):
        from_json(array)


def test_statuses_survive_the_round_trip():
    run = from_json(to_json(make_run()))
    # known needs a baseline: tests/engine/test_baseline.py reads one back
    assert {r.status for r in run.results} == set(Status) - {Status.KNOWN}


def test_schema_file_ships_in_the_package():
    import diglot.reports

    path = Path(diglot.reports.__file__).with_name("report.schema.json")
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _as_version_1_0(doc: Any) -> Any:
    """The document as diglot 1.0 wrote it: no inconclusive members, no such status."""
    old = copy.deepcopy(doc)
    old["version"] = "1.0"
    old["summary"].pop("inconclusive")
    old["results"] = [r for r in old["results"] if r["status"] != "inconclusive"]
    for result in old["results"]:
        result.pop("inconclusive")
    old["summary"]["passed"] = sum(r["status"] == "passed" for r in old["results"])
    return old


def test_a_version_1_0_report_is_still_read():
    old = _as_version_1_0(to_json(make_run()))
    run = from_json(old)
    assert all(not r.inconclusive for r in run.results)
    again: Any = to_json(run)
    assert again["version"] == REPORT_VERSION == "1.3"
    assert again["summary"]["inconclusive"] == 0


def test_the_inconclusive_reasons_survive_the_round_trip():
    run = from_json(to_json(make_run()))
    result = next(r for r in run.results if r.status is Status.INCONCLUSIVE)
    assert result.inconclusive == {
        INCONCLUSIVE_REASON: 2,
        "the XML twin was cut at the size limit": 1,
    }


def test_a_newer_minor_version_that_uses_something_new_says_to_upgrade():
    doc: Any = to_json(make_run())
    doc["version"] = "1.7"
    doc["results"][0]["status"] = "flaky"
    with pytest.raises(
        ReportError, match=r"version 1\.7 is newer than this diglot reads .*upgrade"
    ):
        from_json(doc)
    doc["results"][0]["status"] = "passed"
    assert from_json(doc).results[0].status is Status.PASSED  # nothing new used: read


def test_reasons_beyond_the_cap_are_counted_under_one():
    run = make_run()
    result = run.results[0]
    result.exchanges = 0
    for i in range(60):
        for _ in range(i + 1):
            result.no_evidence(f"reason {i}")
    doc: Any = to_json(run)
    kept = doc["results"][0]["inconclusive"]
    assert len(kept) == 51
    assert kept["(other reasons)"] == sum(range(1, 11))
    assert "reason 59" in kept
    assert to_json(from_json(doc)) == doc


def test_huge_server_text_is_capped_in_the_report_saying_what_was_cut():
    run = make_run()
    result = run.results[0]
    huge = "k" * 400_000
    url = "http://127.0.0.1:8123/restapi/v2.1/accounts/1/groups?x=" + "u" * 20_000
    result.add(
        dataclasses.replace(
            result.findings[0] if result.findings else make_run().results[1].findings[0],
            message=f"undocumented properties: {huge}",
            location="/" + huge,
            request=Request("GET", url, {"X-Long": huge}),
        )
    )
    doc: Any = to_json(run)
    assert_valid_report(doc)
    finding = doc["results"][0]["findings"][-1]
    assert len(json.dumps(doc)) < 100_000
    assert finding["message"].endswith(f"({400_025 - 4096} more characters)")
    assert finding["location"].endswith("more characters)")
    assert finding["request"]["headers"]["X-Long"].endswith("more characters)")
    assert finding["curl"] == "# no curl line: the URL is longer than 8192 characters"
    assert to_json(from_json(doc)) == doc


def test_a_crafted_method_is_refused_on_load():
    doc: Any = to_json(make_run())
    doc["results"][1]["findings"][0]["request"]["method"] = "GET $(touch /tmp/pwned)"
    with pytest.raises(ReportError, match=r"/results/1/findings/0/request/method"):
        from_json(doc)
