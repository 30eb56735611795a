"""Hand-built runs with realistic findings: real requests, JSON and XML bodies."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from diglot.engine._results import CheckResult, RunResult
from diglot.model import Family, Finding, Request, Response, Severity

TOKEN = "s3cr3t-Token_4f9a2b7c1d"
BASE = "http://127.0.0.1:8123/restapi"
ACCOUNT = "18b3c4f0-0c2e-4b39-8a3e-2f6a1b0e9d11"
SEED = 271828

XML_GROUPS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<groupInformation xmlns="http://www.docusign.com/restapi">'
    "<groups><group><groupId>6411</groupId><groupName>montagues</groupName>"
    "<groupType>customGroup</groupType></group></groups>"
    "<resultSetSize>1</resultSetSize><totalSetSize>0</totalSetSize>"
    "</groupInformation>"
)
JSON_GROUPS = {
    "groups": [{"groupId": "6411", "groupName": "montagues", "groupType": "customGroup"}],
    "resultSetSize": "1",
    "totalSetSize": "0",
    "startPosition": "0",
    "endPosition": "0",
}


def request(
    operation: str = "listGroups", content_type: str = "json", body: bytes = b""
) -> Request:
    method, path = {
        "listGroups": ("GET", "groups?count=5&start_position=0"),
        "createGroups": ("POST", "groups"),
        "createUsers": ("POST", "users"),
        "listSigningGroups": ("GET", "signing_groups?include_users=true"),
    }[operation]
    mime = f"application/{content_type}"
    headers = {"Accept": mime}
    if body:
        headers["Content-Type"] = mime
    return Request(
        method=method,
        url=f"{BASE}/v2.1/accounts/{ACCOUNT}/{path}",
        headers=headers,
        body=body,
        authenticated=True,
    )


def response(status: int, content_type: str, body: bytes, **headers: str) -> Response:
    return Response(
        status=status,
        headers={"content-type": f"application/{content_type}; charset=utf-8", **headers},
        body=body,
        elapsed=0.012,
    )


def finding(
    check: str = "schema.json",
    family: Family = Family.SCHEMA,
    severity: Severity = Severity.VIOLATION,
    *,
    operation: str = "listGroups",
    content_type: str = "json",
    message: str = "totalSetSize is less than resultSetSize",
    location: str = "/totalSetSize",
    expected: str = "totalSetSize >= resultSetSize (1)",
    actual: str = '"0"',
    body: bytes | None = None,
    status: int = 200,
) -> Finding:
    if body is None:
        body = json.dumps(JSON_GROUPS).encode() if content_type == "json" else XML_GROUPS.encode()
    return Finding(
        check=check,
        family=family,
        severity=severity,
        message=message,
        operation=operation,
        content_type=content_type,
        location=location,
        expected=expected,
        actual=actual,
        request=request(operation, content_type),
        response=response(status, content_type, body),
        seed=SEED,
    )


def make_run(*, started: datetime | None = None, seed: int = SEED) -> RunResult:
    """Four operations × two content types, every status, findings in JSON and XML."""
    run = RunResult(
        target=BASE,
        account_id=ACCOUNT,
        diglot_version="0.1.0",
        seed=seed,
        options={"max_examples": 25, "strict": False, "rate_limit": 10.0, "token": TOKEN},
        started_at=started or datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
        duration=12.5,
        requests=240,
    )
    for operation in ("listGroups", "createGroups", "createUsers", "listSigningGroups"):
        for content_type in ("json", "xml"):
            for check, family in (
                ("protocol.status", Family.PROTOCOL),
                ("schema." + content_type, Family.SCHEMA),
                ("pagination.arithmetic", Family.PAGINATION),
                ("equivalence.json_xml", Family.EQUIVALENCE),
            ):
                run.results.append(
                    CheckResult(
                        operation=operation,
                        content_type=content_type,
                        check=check,
                        family=family,
                        description=f"{check} holds for every response",
                        exchanges=15,
                    )
                )
    by_key = {(r.operation, r.content_type, r.check): r for r in run.results}
    # listGroups/json: a schema violation seen 3 times plus a warning.
    schema_json = by_key["listGroups", "json", "schema.json"]
    for _ in range(3):
        schema_json.add(finding())
    schema_json.add(
        finding(
            severity=Severity.WARNING,
            message="count=1 accepted though the doc says greater than 1",
            location="",
            expected="400 errorDetails",
            actual="200",
        )
    )
    # listGroups/xml: wrong child order in XML.
    by_key["listGroups", "xml", "schema.xml"].add(
        finding(
            "schema.xml",
            content_type="xml",
            message="element groupType out of the documented order",
            location="/ds:groupInformation/ds:groups/ds:group[1]/ds:groupType",
            expected="groupId, groupName, groupType",
            actual="groupType, groupId, groupName",
        )
    )
    # createUsers/json: a request body, and a 400 errorDetails body.
    error = {"errorCode": "INVALID_REQUEST_BODY", "message": "The request body is missing."}
    create = by_key["createUsers", "json", "protocol.status"]
    create.add(
        Finding(
            check="protocol.status",
            family=Family.PROTOCOL,
            severity=Severity.VIOLATION,
            message="a valid newUsersDefinition was refused",
            operation="createUsers",
            content_type="json",
            expected="201 newUsersSummary",
            actual="400 errorDetails",
            request=request(
                "createUsers",
                "json",
                json.dumps(
                    {"newUsers": [{"userName": "Romeo M", "email": "romeo@example.com"}]}
                ).encode(),
            ),
            response=response(400, "json", json.dumps(error).encode()),
            seed=SEED,
        )
    )
    # listSigningGroups/xml: warning only.
    by_key["listSigningGroups", "xml", "pagination.arithmetic"].add(
        finding(
            "pagination.arithmetic",
            Family.PAGINATION,
            Severity.WARNING,
            operation="listSigningGroups",
            content_type="xml",
            message="resultSetSize missing on an unpaged list",
            location="/ds:signingGroupInformation",
            expected="resultSetSize present",
            actual="absent",
        )
    )
    # A check that could not run.
    eq = by_key["createGroups", "xml", "equivalence.json_xml"]
    eq.exchanges = 0
    eq.skip_reason = "the JSON twin of this request was refused, nothing to compare"
    # A check that was exercised but had nothing to judge.
    walked = by_key["listSigningGroups", "json", "equivalence.json_xml"]
    walked.exchanges = 0
    for _ in range(2):
        walked.no_evidence(INCONCLUSIVE_REASON)
    walked.no_evidence("the XML twin was cut at the size limit")
    return run


INCONCLUSIVE_REASON = "the list changed between the JSON and the XML fetch"


def leaky_run() -> RunResult:
    """A run whose server echoes the token raw, base64-encoded and JSON-escaped."""
    run = make_run()
    escaped = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    b64 = base64.b64encode(f"Bearer {TOKEN}".encode()).decode()
    echoed = (
        json.dumps(
            {"echo": {"raw": TOKEN, "b64": b64, "escaped": "ESCAPED", "auth": f"Bearer {TOKEN}"}}
        )
        .replace("ESCAPED", escaped)
        .encode()
    )
    leak = Finding(
        check="semantics.echo",
        family=Family.SEMANTICS,
        severity=Severity.VIOLATION,
        message=f"the server echoed the credential {TOKEN}",
        operation="listGroups",
        content_type="json",
        location="/echo",
        expected="no echo",
        actual=f"Bearer {TOKEN}",
        request=Request(
            method="GET",
            url=f"{BASE}/v2.1/accounts/{ACCOUNT}/groups?search_text={TOKEN}",
            headers={"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"},
            authenticated=True,
        ),
        response=response(
            200,
            "json",
            echoed,
            **{"x-echo-auth": f"Bearer {TOKEN}", "set-cookie": f"session={TOKEN}"},
        ),
        seed=SEED,
    )
    xml_leak = Finding(
        check="semantics.echo",
        family=Family.SEMANTICS,
        severity=Severity.VIOLATION,
        message="the server echoed the credential in XML",
        operation="listGroups",
        content_type="xml",
        request=request("listGroups", "xml"),
        response=response(
            200,
            "xml",
            (
                f'<echo xmlns="http://www.docusign.com/restapi"><raw>{TOKEN}</raw>'
                f"<ref>{''.join(f'&#{ord(c)};' for c in TOKEN)}</ref></echo>"
            ).encode(),
        ),
        seed=SEED,
    )
    result = CheckResult(
        operation="listGroups",
        content_type="json",
        check="semantics.echo",
        family=Family.SEMANTICS,
        exchanges=3,
    )
    result.add(leak)
    run.results.append(result)
    xml_result = CheckResult(
        operation="listGroups",
        content_type="xml",
        check="semantics.echo",
        family=Family.SEMANTICS,
        exchanges=3,
    )
    xml_result.add(xml_leak)
    run.results.append(xml_result)
    run.errors.append(f"listSigningGroups: 401 for token {TOKEN}")
    return run
