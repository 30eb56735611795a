from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from diglot.engine._results import MAX_EXAMPLES_PER_RESULT, CheckResult, RunResult, Status
from diglot.errors import ReportError
from diglot.model import Severity
from diglot.reports import from_json, merge, to_json
from tests.reports.builders import INCONCLUSIVE_REASON, finding, make_run
from tests.reports.conftest import assert_valid_report


def shards() -> tuple[RunResult, RunResult]:
    a = make_run(started=datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC), seed=1)
    b = make_run(started=datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC), seed=2)
    return a, b


def key(result: CheckResult) -> tuple[str, str, str]:
    return (result.operation, result.content_type, result.check)


def test_same_results_are_combined():
    a, b = shards()
    merged = merge([a, b])
    assert len(merged.results) == len(a.results)
    schema = next(r for r in merged.results if key(r) == ("listGroups", "json", "schema.json"))
    assert schema.exchanges == 30
    assert schema.occurrences == 8
    assert len(schema.findings) == 2  # regrouped, not duplicated
    assert schema.count_of(schema.findings[0]) == 6
    assert merged.requests == 480
    assert merged.started_at == a.started_at
    assert merged.duration == pytest.approx(17.5)  # 12:00:00 .. 12:00:17.5
    assert merged.options["merged"] == [
        {"seed": 1, "started_at": "2025-03-01T12:00:00+00:00", "duration": 12.5, "requests": 240},
        {"seed": 2, "started_at": "2025-03-01T12:00:05+00:00", "duration": 12.5, "requests": 240},
    ]
    assert merged.summary()["findings"] == 2 * a.summary()["findings"]
    assert_valid_report(to_json(merged))


def test_a_check_skipped_in_one_shard_but_run_in_another_counts_as_run():
    a, b = shards()
    for result in b.results:
        if key(result) == ("createGroups", "xml", "equivalence.json_xml"):
            result.exchanges = 4
            result.skip_reason = ""
    merged = merge([a, b])
    result = next(
        r for r in merged.results if key(r) == ("createGroups", "xml", "equivalence.json_xml")
    )
    assert result.status is Status.PASSED
    merged = merge(shards())
    result = next(
        r for r in merged.results if key(r) == ("createGroups", "xml", "equivalence.json_xml")
    )
    assert result.status is Status.SKIPPED
    assert result.skip_reason.startswith("the JSON twin")


def test_disjoint_shards_are_concatenated():
    a, b = shards()
    a.results = [r for r in a.results if r.content_type == "json"]
    b.results = [r for r in b.results if r.content_type == "xml"]
    merged = merge([a, b])
    assert [key(r) for r in merged.results] == [key(r) for r in a.results + b.results]


def test_the_cap_on_distinct_findings_applies_after_merging():
    a, b = shards()
    for shard, offset in ((a, 0), (b, 100)):
        result = shard.results[0]
        for i in range(MAX_EXAMPLES_PER_RESULT):
            result.add(dataclasses.replace(finding(), message=f"distinct {offset + i}"))
    merged = merge([a, b]).results[0]
    assert len(merged.findings) == MAX_EXAMPLES_PER_RESULT
    assert merged.omitted == MAX_EXAMPLES_PER_RESULT
    assert merged.occurrences == 2 * MAX_EXAMPLES_PER_RESULT


def test_violations_win_over_warnings_when_the_cap_is_reached():
    a, b = shards()
    for i in range(MAX_EXAMPLES_PER_RESULT):
        a.results[0].add(dataclasses.replace(finding(), message=f"w{i}", severity=Severity.WARNING))
    b.results[0].add(dataclasses.replace(finding(), message="the violation"))
    merged = merge([a, b]).results[0]
    assert merged.status is Status.FAILED
    assert "the violation" in [f.message for f in merged.findings]


def test_merging_round_tripped_reports_equals_merging_runs():
    a, b = shards()
    direct = to_json(merge([a, b]))
    via_json = to_json(merge([from_json(to_json(a)), from_json(to_json(b))]))
    assert via_json == direct


def test_run_errors_are_kept_once():
    a, b = shards()
    a.errors = ["listSigningGroups: 404"]
    b.errors = ["listSigningGroups: 404", "createUsers: timeout"]
    assert merge([a, b]).errors == ["listSigningGroups: 404", "createUsers: timeout"]


def test_nothing_or_different_targets_is_refused():
    with pytest.raises(ReportError, match="nothing to merge"):
        merge([])
    a, b = shards()
    b.target = "https://staging.example/restapi"
    with pytest.raises(ReportError, match="different targets"):
        merge([a, b])


def _inconclusive_key() -> tuple[str, str, str]:
    return ("listSigningGroups", "json", "equivalence.json_xml")


def test_inconclusive_reasons_are_summed_across_shards():
    merged = merge(shards())
    result = next(r for r in merged.results if key(r) == _inconclusive_key())
    assert result.status is Status.INCONCLUSIVE
    assert result.inconclusive == {
        INCONCLUSIVE_REASON: 4,
        "the XML twin was cut at the size limit": 2,
    }
    assert merged.summary()["inconclusive"] == 1
    assert_valid_report(to_json(merged))


def test_a_check_inconclusive_in_one_shard_and_passed_in_another_is_passed():
    a, b = shards()
    judged = next(r for r in b.results if key(r) == _inconclusive_key())
    judged.inconclusive.clear()
    judged.exchanges = 5
    merged = merge([a, b])
    result = next(r for r in merged.results if key(r) == _inconclusive_key())
    assert result.status is Status.PASSED
    assert result.exchanges == 5
    assert result.inconclusive[INCONCLUSIVE_REASON] == 2  # kept, for the record
    via_json = merge([from_json(to_json(a)), from_json(to_json(b))])
    assert to_json(via_json) == to_json(merged)


@pytest.mark.slow
def test_report_merge_refuses_a_missing_or_repeated_shard(tmp_path, capsys):
    from diglot.cli import main

    for index in (0, 1):
        args = ["run", "--max-examples", "2", "--seed", "4", "--no-stateful"]
        args += ["--operations", "listGroups", "--shard", f"{index}/2"]
        assert main([*args, "--report-dir", str(tmp_path / f"s{index}")]) == 0
    first, second = (str(tmp_path / f"s{i}" / "report.json") for i in (0, 1))
    out = str(tmp_path / "merged")
    assert main(["report", "merge", first, "--output-dir", out]) == 2
    assert "shard 1/2 of 2 is missing" in capsys.readouterr().err
    assert main(["report", "merge", first, first, second, "--output-dir", out]) == 2
    assert "shard 0/2 is there 2 times" in capsys.readouterr().err
    assert main(["report", "merge", first, second, "--output-dir", out]) == 0
    merged = json.loads((tmp_path / "merged" / "report.json").read_text())
    assert merged["options"]["shard"] is None  # the whole run, not a shard of it
    assert {r["content_type"] for r in merged["results"]} == {"json", "xml"}
