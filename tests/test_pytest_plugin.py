"""The pytest plugin, driven the way another repository uses it: pytester runs, real servers."""

from __future__ import annotations

import json
import shutil
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import diglot

EXAMPLE = Path(__file__).parents[1] / "examples" / "consumer"
FAST = ("-p", "no:cacheprovider", "--diglot-max-examples", "3", "--diglot-seed", "11")
PAIRS = [
    f"{operation}-{content_type}"
    for operation in ("listGroups", "createGroups", "createUsers", "listSigningGroups")
    for content_type in ("json", "xml")
]


def with_example_ini(pytester: pytest.Pytester) -> None:
    """The example's pyproject.toml too: its ini options (diglot_report_dir = "reports")."""
    shutil.copy(EXAMPLE / "pyproject.toml", pytester.path)


def outcomes_by_id(junit: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Test name → (outcome, properties) from pytest's JUnit XML."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for testcase in ET.parse(junit).getroot().iter("testcase"):
        outcome = "failed" if testcase.find("failure") is not None else "passed"
        if testcase.find("skipped") is not None:
            outcome = "skipped"
        properties = {p.get("name", ""): p.get("value", "") for p in testcase.iter("property")}
        found[testcase.get("name", "")] = (outcome, properties)
    return found


@pytest.mark.slow
def test_the_example_passes_against_the_clean_reference_server(consumer: pytest.Pytester) -> None:
    with_example_ini(consumer)  # the report folder comes from its ini options
    result = consumer.runpytest_subprocess(*FAST, "--junitxml=junit.xml")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["diglot: reports: *report.json*", "diglot: seed 11 *"])

    tests = outcomes_by_id(consumer.path / "junit.xml")
    assert sorted(tests) == sorted(
        [f"test_conformance[{pair}]" for pair in PAIRS] + ["test_list_groups_in_xml"]
    )
    outcome, properties = tests["test_conformance[listGroups-xml]"]
    assert outcome == "passed"
    assert properties["diglot.operation"] == "listGroups"
    assert properties["diglot.content_type"] == "xml"
    assert set(properties["diglot.families"].split(",")) >= {"protocol", "schema", "equivalence"}
    # the XML item also compared JSON with XML, though it only tested XML
    assert properties["diglot:equivalence.json_xml"] == "passed (equivalence)"
    assert properties["diglot:protocol.content_type"] == "passed (protocol)"
    assert tests["test_list_groups_in_xml"][0] == "passed"

    report = json.loads((consumer.path / "reports" / "report.json").read_text())
    assert report["target"] == "embedded reference server"
    assert report["seed"] == 11
    assert report["summary"]["failed"] == 0
    assert report["summary"]["passed"] > 0
    pairs = {f"{r['operation']}-{r['content_type']}" for r in report["results"]}
    assert pairs == set(PAIRS)
    assert report["options"]["content_types"] == ["json", "xml"]
    for name in ("junit.xml", "index.html", "summary.md"):
        assert (consumer.path / "reports" / name).stat().st_size > 0
    assert not (consumer.path / "reports" / ".parts").exists()


@pytest.mark.slow
def test_ignore_accept_fails_only_the_xml_items_naming_protocol_content_type(
    consumer: pytest.Pytester,
) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "--diglot-fault", "ignore-accept", "--junitxml=junit.xml"
    )
    result.assert_outcomes(passed=4, failed=5)
    tests = outcomes_by_id(consumer.path / "junit.xml")
    for pair in PAIRS:
        outcome, properties = tests[f"test_conformance[{pair}]"]
        assert outcome == ("failed" if pair.endswith("xml") else "passed"), pair
        if pair.endswith("xml"):
            assert properties["diglot:protocol.content_type"] == "failed (protocol)"
    # the hand-written XML request is caught by diglot_check too
    assert tests["test_list_groups_in_xml"][0] == "failed"
    result.stdout.fnmatch_lines(
        [
            "*listGroups (xml) breaks the documented contract*families protocol*",
            "*seed 11: re-run the same cases with --diglot-seed 11*",
            "*FAILED protocol.content_type (family protocol)*",
            "*protocol.content_type on listGroups (xml): asked for XML with Accept*",
            "*Expected: application/xml or text/xml*",
            "*Actual:   application/json*",
            "*Reproduce: curl * -H 'Accept: application/xml'*",
            "*Seed:     11*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_json_numbers_as_numbers_names_schema_body(consumer: pytest.Pytester) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "--diglot-fault", "json-numbers-as-numbers", "-k", "listGroups or list_groups"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_conformance?listGroups-json?*",
            "*FAILED schema.body (family schema)*",
            "*schema.body on listGroups (json)*",
            "*Path:*",
            "FAILED tests/test_conformance.py::test_conformance[[]listGroups-json[]]*",
        ]
    )


def test_an_xml_only_item_still_judges_json_xml_equivalence(consumer: pytest.Pytester) -> None:
    result = consumer.runpytest_subprocess(
        *FAST, "--diglot-fault", "xml-json-disagree", "-k", "test_conformance and listGroups"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*equivalence.json_xml (family equivalence)*",
            "FAILED tests/test_conformance.py::test_conformance[[]listGroups-xml[]]*",
        ]
    )


@pytest.mark.slow
def test_under_xdist_each_worker_reports_and_the_controller_merges(
    consumer: pytest.Pytester,
) -> None:
    result = consumer.runpytest_subprocess(
        *FAST,
        "-n",
        "2",
        "--diglot-fault",
        "ignore-accept",
        "--diglot-report-dir",
        "reports",
        "--junitxml=junit.xml",
    )
    result.assert_outcomes(passed=4, failed=5)
    result.stdout.fnmatch_lines(["diglot: reports: *report.json*"])
    report = json.loads((consumer.path / "reports" / "report.json").read_text())
    # two workers' parts, merged: every operation × content type, one seed for all
    seen = {f"{r['operation']}-{r['content_type']}" for r in report["results"]}
    assert set(PAIRS) <= seen
    # besides: the deletes each item's cleanup sent at its end, judged like any answer
    assert {pair.split("-")[0] for pair in seen - set(PAIRS)} <= {"deleteGroups", "deleteUsers"}
    assert len(report["options"]["merged"]) >= 2
    assert {shard["seed"] for shard in report["options"]["merged"]} == {11}
    failed = {
        (r["operation"], r["content_type"], r["check"])
        for r in report["results"]
        if r["status"] == "failed"
    }
    assert {check for _, _, check in failed} == {"protocol.content_type"}
    assert {content_type for _, content_type, _ in failed} == {"xml"}
    assert report["target"] == "embedded reference server"
    assert not (consumer.path / "reports" / ".parts").exists()
    junit = ET.parse(consumer.path / "reports" / "junit.xml").getroot()
    assert (
        int(junit.get("failures") or 0)
        + sum(int(suite.get("failures") or 0) for suite in junit.iter("testsuite"))
        > 0
    )


def test_an_unreachable_target_fails_the_items_with_the_reason(
    consumer: pytest.Pytester,
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = consumer.runpytest_subprocess(
        *FAST,
        "--diglot-base-url",
        f"http://127.0.0.1:{port}/restapi",
        "--diglot-account-id",
        "acct",
        "-k",
        "test_conformance and listGroups",
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([f"diglot: the connection to 127.0.0.1:{port} was refused*"])
    text = result.stdout.str()
    assert "Traceback" not in text
    assert "During handling" not in text


def test_the_plugin_is_inert_when_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys
        import threading

        def test_plain():
            assert "diglot.server" not in sys.modules
            assert "diglot.engine._run" not in sys.modules
            assert not [t for t in threading.enumerate() if t.name.startswith("diglot")]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--diglot-report-dir", "r")
    result.assert_outcomes(passed=1)
    assert "diglot:" not in result.stdout.str()
    assert not (pytester.path / "r").exists()


def test_parametrize_narrows_and_names_items(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import diglot

        @diglot.parametrize(operations=["listGroups", "createUsers"], content_types="xml")
        def test_some(case):
            case.call_and_validate()

        @diglot.parametrize(operations="listSigningGroups")
        def test_other(case):
            assert case.operation == "listSigningGroups"
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--collect-only", "-q", "--diglot-content-types", "json"
    )
    # the decorator asked for XML, the command line for JSON: nothing is left of test_some,
    # which pytest keeps as one skipped item (an empty parameter set)
    result.stdout.fnmatch_lines(
        ["*::test_some[[]NOTSET[]]", "*::test_other[[]listSigningGroups-json[]]"]
    )
    assert "test_some[listGroups" not in result.stdout.str()


def test_an_unknown_operation_is_a_clear_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import diglot

        @diglot.parametrize(operations=["listGroup"])
        def test_some(case):
            case.call_and_validate()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest stops on collection errors
    result.stdout.fnmatch_lines(["*names listGroup, which the API does not document*"])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize(
    ("options", "ini", "message"),
    [
        (
            ["--diglot-content-types", "yaml"],
            "",
            "*--diglot-content-types*'yaml'*not a content type*json,xml*",
        ),
        (["--diglot-max-examples", "many"], "", "*--diglot-max-examples*'many'*whole number*"),
        ([], "diglot_max_examples = 0", "*--diglot-max-examples*at least 1*'0'*"),
        (["--diglot-seed", "x"], "", "*--diglot-seed*whole number*"),
        (["--diglot-base-url", "example.com"], "", "*is not an http(s) URL*"),
        (["--diglot-base-url", "http://h/restapi"], "", "*--diglot-account-id is required*"),
        (["--diglot-fault", "nope"], "", "*unknown fault 'nope'*--list-faults*"),
    ],
)
def test_wrong_options_are_usage_errors_without_a_traceback(
    pytester: pytest.Pytester, options: list[str], ini: str, message: str
) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: diglot: " + message])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_diglot_check_fixture_fails_with_every_finding(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def test_groups(diglot_base_url, diglot_account_id, diglot_check, record_property):
            url = f"{diglot_base_url}/v2.1/accounts/{diglot_account_id}/groups"
            diglot_check(httpx.get(url, headers={"Accept": "application/xml"}))

        def test_findings_are_returned(diglot_base_url, diglot_account_id, diglot_check):
            url = f"{diglot_base_url}/v2.1/accounts/{diglot_account_id}/groups"
            response = httpx.get(url, headers={"Accept": "application/json"})
            assert diglot_check(response) == []
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--diglot-fault", "xml-wrong-namespace", "--junitxml=j.xml"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*[[]violation[]] schema.* on listGroups (xml)*", "*Expected:*"])
    tests = outcomes_by_id(pytester.path / "j.xml")
    assert any(value == "violation" for value in tests["test_groups"][1].values())


def test_parametrize_is_exported_lazily() -> None:
    assert "parametrize" in diglot.__all__
    assert diglot.parametrize is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = diglot.nothing


def test_failure_message_lists_each_check_with_its_family_and_evidence() -> None:
    from datetime import UTC, datetime

    from diglot.engine._results import CheckResult, RunResult
    from diglot.plugin._api import _properties, failure_message

    def finding(check: str, family: diglot.Family, severity: diglot.Severity) -> diglot.Finding:
        request = diglot.Request("GET", "http://h/restapi/v2.1/accounts/a/groups", {}, b"")
        return diglot.Finding(
            check,
            family,
            severity,
            "it is off",
            "listGroups",
            "xml",
            "/groups/0",
            "1",
            "2",
            request=request,
            seed=5,
        )

    run = RunResult("t", "a", "0", 5, {}, datetime.now(UTC))
    warned = CheckResult("listGroups", "xml", "pagination.count", diglot.Family.PAGINATION)
    warned.add(finding("pagination.count", diglot.Family.PAGINATION, diglot.Severity.WARNING))
    passed = CheckResult("listGroups", "xml", "schema.body", diglot.Family.SCHEMA, exchanges=3)
    run.results = [warned, passed]
    assert not run.failed()
    assert run.failed(strict=True)

    text = failure_message(run, strict=True)
    assert "1 check(s) failed in the families pagination" in text
    assert "WARNING pagination.count (family pagination)" in text
    assert "Expected: 1" in text
    assert "Actual:   2" in text
    assert "Path:     /groups/0" in text
    assert "Reproduce: curl" in text
    assert "--diglot-seed 5" in text
    assert "schema.body" not in text
    assert dict(_properties(run)) == {
        "diglot.seed": 5,
        "diglot.families": "pagination,schema",
        "diglot:pagination.count": "warning (pagination)",
        "diglot:schema.body": "passed (schema)",
    }


FAKE_RUN = """
import diglot.engine._run
from datetime import UTC, datetime
from diglot.model import Request
from diglot.model import Family, Finding, Severity
from diglot.engine._results import CheckResult, RunResult

PAYLOAD = "\\x1b]52;c;dG91Y2g=\\x07\\n::add-mask::x\\n##[error]y \\u202e"


def fake_run(config):
    run = RunResult("t", "a", "0", 5, {}, datetime.now(UTC))
    (operation,) = config.operations
    content_type = config.content_types[config.shard[0]] if config.shard else "json"
    for check in ("semantics.filters", "pagination.walk"):
        row = CheckResult(operation, content_type, check, Family.SEMANTICS)
        row.no_evidence("the filter matched no group")
        run.results.append(row)
    if MODE == "hostile":
        row = CheckResult(operation, content_type, "schema.body", Family.SCHEMA, exchanges=1)
        url = "http://127.0.0.1:9/restapi/v2.1/accounts/a/groups?p=[1-100000]&q={a,b} ##[x]"
        row.add(Finding("schema.body", Family.SCHEMA, Severity.VIOLATION, PAYLOAD, operation,
                        content_type, PAYLOAD, PAYLOAD, PAYLOAD, Request("GET", url), seed=5))
        run.results.append(row)
    return run


diglot.engine._run.run = fake_run
"""

TARGET = ("--diglot-base-url", "http://127.0.0.1:9/restapi", "--diglot-account-id", "a")


def test_an_item_whose_checks_were_all_inconclusive_is_skipped_with_the_reason(
    consumer: pytest.Pytester,
) -> None:
    consumer.makeconftest("MODE = 'inconclusive'\n" + FAKE_RUN)
    result = consumer.runpytest_subprocess(
        *FAST, *TARGET, "-rs", "-k", "test_conformance and listGroups"
    )
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "diglot: 4 check(s) inconclusive: they had nothing to judge*",
            "SKIPPED *diglot: listGroups (json) was inconclusive: every check had nothing to "
            "judge (semantics.filters: the filter matched no group (1×); pagination.walk: *",
        ]
    )


def test_failure_messages_hold_server_text_inert(consumer: pytest.Pytester) -> None:
    consumer.makeconftest("MODE = 'hostile'\n" + FAKE_RUN)
    result = consumer.runpytest_subprocess(*FAST, *TARGET, "-k", "test_conformance and listGroups")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "Actual:   \\x1b]52;c;dG91Y2g=\\x07\\n::add-mask::x\\n\\x23#[error]y \\u202e" in out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert "##[" not in out
    assert "Reproduce: curl -sS --globoff --path-as-is -X GET 'http://127.0.0.1:9/restapi/" in out
    assert "?p=[1-100000]&q={a,b}%20'" in out  # the fragment is never sent


def test_inconclusive_reason_stays_until_every_check_judged() -> None:
    from datetime import UTC, datetime

    from diglot.engine._results import CheckResult, RunResult
    from diglot.plugin._api import inconclusive_reason

    run = RunResult("t", "a", "0", 5, {}, datetime.now(UTC))
    quiet = CheckResult("listGroups", "json", "semantics.filters", diglot.Family.SEMANTICS)
    quiet.no_evidence("no group matched \x1b[2J")
    run.results = [quiet]
    reason = inconclusive_reason(run)
    assert reason.startswith("diglot: listGroups (json) was inconclusive")
    assert "no group matched \\x1b[2J (1×)" in reason
    judged = CheckResult("listGroups", "json", "schema.body", diglot.Family.SCHEMA, exchanges=2)
    run.results.append(judged)
    # one check without evidence is no silent pass, however many others judged
    assert inconclusive_reason(run).startswith("diglot: listGroups (json) was inconclusive: 1 of 2")
    run.results = [judged]
    assert inconclusive_reason(run) == ""
