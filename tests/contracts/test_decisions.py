"""The documented strictness points: each open question is a warning, never a violation."""

from __future__ import annotations

import json

import pytest

from diglot import Case, Exchange, Expect, Request, Response, Severity
from diglot.contracts import Observation, run_single_checks
from diglot.contracts.equivalence import judge_pair
from diglot.specs import load_spec

SPEC = load_spec()
NS = 'xmlns="http://www.docusign.com/restapi" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'


def judge(case: Case, status: int, body: bytes, media: str) -> list[tuple[str, Severity]]:
    exchange = Exchange(
        case, Request("GET", "http://t/x"), Response(status, {"content-type": media}, body)
    )
    obs = Observation(SPEC, exchange)
    for _ in run_single_checks(obs):
        pass
    return [(f.check, f.severity) for f in obs.findings]


def page(**fields: object) -> bytes:
    data: dict[str, object] = {
        "groups": [{"groupId": "1", "groupName": "a"}],
        "resultSetSize": "1",
        "totalSetSize": "1",
        "startPosition": "0",
        "endPosition": "0",
        "nextUri": None,
        "previousUri": None,
    }
    data.update(fields)
    return json.dumps(data).encode()


ERROR = json.dumps({"errorCode": "INVALID_REQUEST_PARAMETER", "message": "no"}).encode()


def test_a_faithful_page_has_no_finding():
    assert judge(Case("listGroups", "json"), 200, page(), "application/json") == []


def test_rejecting_count_1_reads_greater_than_1_literally_a_warning():
    case = Case("listGroups", "json", query={"count": "1"}, expect=Expect.SUCCESS_PREFERRED)
    assert judge(case, 400, ERROR, "application/json") == [
        ("protocol.status_code", Severity.WARNING)
    ]
    assert judge(case, 200, page(), "application/json") == []
    # a plain valid request refused with 400 is a violation
    assert judge(Case("listGroups", "json"), 400, ERROR, "application/json") == [
        ("protocol.status_code", Severity.VIOLATION)
    ]


def test_either_answer_is_right_past_the_end():
    case = Case("listGroups", "json", query={"start_position": "99"}, expect=Expect.EITHER)
    assert judge(case, 400, ERROR, "application/json") == []
    empty = page(groups=[], resultSetSize="0", totalSetSize="14", startPosition="14")
    assert judge(case, 200, empty, "application/json") == []


def test_accepting_count_101_is_a_violation():
    case = Case("listGroups", "json", query={"count": "101"}, expect=Expect.CLIENT_ERROR)
    assert ("protocol.status_code", Severity.VIOLATION) in judge(
        case, 200, page(), "application/json"
    )


def test_another_4xx_than_400_is_a_warning():
    case = Case("listGroups", "json", query={"count": "0"}, expect=Expect.CLIENT_ERROR)
    assert judge(case, 422, ERROR, "application/json") == [
        ("protocol.status_code", Severity.WARNING)
    ]


def test_accepting_a_junk_start_position_is_a_warning():
    case = Case(
        "listGroups", "json", query={"start_position": "x"}, expect=Expect.CLIENT_ERROR_PREFERRED
    )
    assert judge(case, 200, page(), "application/json") == [
        ("protocol.status_code", Severity.WARNING)
    ]


def test_an_empty_string_next_uri_is_a_warning():
    assert judge(Case("listGroups", "json"), 200, page(nextUri=""), "application/json") == [
        ("pagination.page", Severity.WARNING)
    ]


def test_undocumented_properties_are_warnings_in_json_and_xml():
    json_findings = judge(Case("listGroups", "json"), 200, page(extra="x"), "application/json")
    assert json_findings == [("schema.unknown_property", Severity.WARNING)]
    xml = (
        f"<groupInformation {NS}><endPosition>0</endPosition><resultSetSize>1</resultSetSize>"
        "<startPosition>0</startPosition><totalSetSize>1</totalSetSize><extra>x</extra><groups><group>"
        "<groupId>1</groupId><groupName>a</groupName></group></groups></groupInformation>"
    ).encode()
    assert judge(Case("listGroups", "xml"), 200, xml, "application/xml") == [
        ("schema.unknown_property", Severity.WARNING)
    ]


def test_an_unknown_xml_element_does_not_hide_an_order_error():
    xml = (
        f"<groupInformation {NS}><extra>x</extra><resultSetSize>1</resultSetSize>"
        "<startPosition>0</startPosition><totalSetSize>1</totalSetSize><groups><group>"
        "<groupName>a</groupName><groupId>1</groupId></group></groups></groupInformation>"
    ).encode()
    found = judge(Case("listGroups", "xml"), 200, xml, "application/xml")
    assert ("schema.unknown_property", Severity.WARNING) in found
    assert ("schema.body", Severity.VIOLATION) in found


@pytest.mark.parametrize(
    ("xml_next", "severity"),
    [
        ('<nextUri i:nil="true"/>', None),
        ("", None),  # absent means null: DocuSign's JSON omits nulls, .NET's XML writes nil
        ("<nextUri>/x</nextUri>", Severity.VIOLATION),
    ],
)
def test_null_against_absent_is_the_same_and_values_must_agree(xml_next, severity):
    case = Case("listGroups", "json")
    json_obs = Observation(
        SPEC,
        Exchange(
            case,
            Request("GET", "http://t"),
            Response(200, {"content-type": "application/json"}, page()),
        ),
    )
    xml = (
        f'<groupInformation {NS}><endPosition>0</endPosition>{xml_next}<previousUri i:nil="true"/>'
        "<resultSetSize>1</resultSetSize><startPosition>0</startPosition><totalSetSize>1</totalSetSize>"
        "<groups><group><groupId>1</groupId><groupName>a</groupName></group></groups></groupInformation>"
    ).encode()
    xml_case = Case("listGroups", "xml")
    xml_obs = Observation(
        SPEC,
        Exchange(
            xml_case,
            Request("GET", "http://t"),
            Response(200, {"content-type": "application/xml"}, xml),
        ),
    )
    judge_pair(json_obs, xml_obs)
    assert [f.severity for f in xml_obs.findings] == ([severity] if severity else [])
