from __future__ import annotations

import dataclasses
import re

from lxml import etree

from diglot.engine._results import CheckResult
from diglot.reports import render_junit
from diglot.reports._junit import finding_text
from tests.reports.builders import INCONCLUSIVE_REASON, finding, leaky_run, make_run


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def case(root: etree._Element, classname: str, name: str) -> etree._Element:
    found = root.findall(f".//testcase[@classname='{classname}'][@name='{name}']")
    assert len(found) == 1, (classname, name)
    return found[0]


def test_valid_against_the_junit_schema(junit_schema):
    for run in (make_run(), leaky_run()):
        root = parse(render_junit(run))
        assert junit_schema.validate(root), junit_schema.error_log


def test_one_testcase_per_operation_content_type_and_check():
    run = make_run()
    root = parse(render_junit(run))
    assert len(root.findall(".//testcase")) == len(run.results)
    assert root.get("tests") == str(len(run.results))
    assert root.get("failures") == "3"
    suites = [s.get("name") for s in root.findall("testsuite")]
    assert suites[:2] == ["diglot.listGroups.json", "diglot.listGroups.xml"]
    seed = root.find("testsuite/properties/property[@name='seed']")
    assert seed is not None
    assert seed.get("value") == str(run.seed)


def test_failed_checks_carry_every_finding():
    failure = case(parse(render_junit(make_run())), "diglot.listGroups.json", "schema.json").find(
        "failure"
    )
    assert failure is not None
    assert failure.get("type") == "schema.json"
    assert failure.get("message") == (
        "totalSetSize is less than resultSetSize (4 findings, 2 distinct)"
    )
    text = failure.text or ""
    assert "Expected: totalSetSize >= resultSetSize (1)" in text
    assert "Path:     /totalSetSize" in text
    assert "Seen:     3 times" in text
    assert "count=1 accepted" in text  # the warning rides along
    assert "curl -sS --globoff --path-as-is -X GET" in text


def test_warnings_pass_with_their_text_in_system_out():
    element = case(
        parse(render_junit(make_run())), "diglot.listSigningGroups.xml", "pagination.arithmetic"
    )
    assert element.find("failure") is None
    out = element.find("system-out")
    assert out is not None
    assert "resultSetSize missing" in (out.text or "")


def test_skipped_checks_say_why():
    root = parse(render_junit(make_run()))
    skipped = case(root, "diglot.createGroups.xml", "equivalence.json_xml").find("skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith("the JSON twin")
    suite = root.find("testsuite[@name='diglot.createGroups.xml']")
    assert suite is not None
    assert suite.get("skipped") == "1"


def test_a_check_without_exchanges_is_skipped_never_passed():
    run = make_run()
    run.results = [CheckResult("listGroups", "json", "protocol.status", run.results[0].family)]
    skipped = parse(render_junit(run)).find(".//testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == "no exchange was judged by this check"


def test_run_errors_become_an_error_testcase(junit_schema):
    root = parse(render_junit(leaky_run()))
    error = case(root, "diglot.run", "run errors").find("error")
    assert error is not None
    assert "listSigningGroups: 401" in (error.text or "")
    assert root.get("errors") == "1"


def test_control_characters_and_markup_in_findings_stay_well_formed(junit_schema):
    run = make_run()
    hostile = finding(
        message="bad \x00 byte \x1b[31m and ]]></failure><script>x</script>",
        actual="\x0b\x0c",
        body=b"\x00\x01<not-xml",
    )
    run.results[0].add(hostile)
    data = render_junit(run)
    root = parse(data)
    assert junit_schema.validate(root)
    failure = case(root, "diglot.listGroups.json", "protocol.status").find("failure")
    assert failure is not None
    assert "]]></failure><script>x</script>" in failure.get("message", "")
    assert "\\x00" in failure.get("message", "")


def test_huge_failure_text_is_capped():
    run = make_run()
    result = run.results[0]
    for i in range(20):
        result.add(dataclasses.replace(finding(), message=f"m{i} " + "B" * 4000))
    failure = case(parse(render_junit(run)), "diglot.listGroups.json", "protocol.status").find(
        "failure"
    )
    assert failure is not None
    text = failure.text or ""
    assert len(text) < 70_000
    assert len(re.findall(r"B… \(300[34] more characters\)", text)) == 20  # each cut, saying so
    assert len(failure.get("message", "")) < 600


def test_the_whole_failure_text_is_capped_too():
    run = make_run()
    result = run.results[0]
    for i in range(20):
        result.add(dataclasses.replace(finding(), message=f"m{i}", actual="A" * 4000))
    result.add(dataclasses.replace(finding(), message="last", actual="A" * 4000))
    text = finding_text(result, limit=5000)
    assert text.endswith("more characters (see report.json)")


def test_an_inconclusive_check_is_skipped_with_its_reasons(junit_schema):
    root = parse(render_junit(make_run()))
    assert junit_schema.validate(root)
    element = case(root, "diglot.listSigningGroups.json", "equivalence.json_xml")
    skipped = element.find("skipped")
    assert skipped is not None
    assert skipped.get("type") == "inconclusive"
    assert skipped.get("message") == (
        f"inconclusive: {INCONCLUSIVE_REASON} (2×); the XML twin was cut at the size limit (1×)"
    )
    assert (skipped.text or "").splitlines() == [
        f"2× {INCONCLUSIVE_REASON}",
        "1× the XML twin was cut at the size limit",
    ]
    assert element.find("failure") is None
    suite = root.find("testsuite[@name='diglot.listSigningGroups.json']")
    assert suite is not None
    assert suite.get("skipped") == "1"
