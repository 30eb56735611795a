"""The loaded model: operations, matching, schemas and validation with pointers and keywords."""

from __future__ import annotations

import threading

import pytest

from diglot.errors import UnknownOperation, UsageError
from diglot.specs import load_spec
from diglot.specs._codec import NAMESPACE
from diglot.specs._model import SchemaError


@pytest.fixture(scope="module")
def spec():
    return load_spec()


def test_bundled_spec_is_loaded_once(spec):
    assert load_spec() is spec
    assert load_spec(None, None) is spec


def test_operations_in_document_order(spec):
    assert [(op.operation_id, op.method, op.success_status) for op in spec.operations] == [
        ("listGroups", "GET", 200),
        ("createGroups", "POST", 201),
        ("deleteGroups", "DELETE", 200),
        ("createUsers", "POST", 201),
        ("deleteUsers", "DELETE", 200),
        ("listSigningGroups", "GET", 200),
    ]


def test_operation_model(spec):
    op = spec.operation("listGroups")
    assert op.aliases == ("/v2/accounts/{accountId}/groups",)
    assert [p.name for p in op.query_parameters()] == [
        "count",
        "start_position",
        "search_text",
        "group_type",
        "include_usercount",
    ]
    account = next(p for p in op.parameters if p.name == "accountId")
    assert account.required
    assert account.location == "path"
    assert op.request_body is None
    assert op.responses[200].component == "groupInformation"
    assert op.responses[400].xml_root == "errorDetails"
    create = spec.operation("createGroups").request_body
    assert create is not None
    assert (create.component, create.xml_root) == ("groupsRequest", "groupInformation")
    assert create.media_types == ("application/json", "application/xml", "text/xml")
    users = spec.operation("createUsers")
    assert users.request_body is not None
    assert users.request_body.xml_root == "newUsersDefinition"
    assert users.responses[201].xml_root == "newUsersSummary"


def test_unknown_operation_suggests_close_matches(spec):
    with pytest.raises(UnknownOperation, match="'listGroups'") as info:
        spec.operation("listgroup")
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownOperation, match="Known operations: listGroups"):
        spec.operation("zzzzzz")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v2.1/accounts/123/groups", ("listGroups", "123")),
        ("get", "/v2/accounts/abc-def/groups", ("listGroups", "abc-def")),
        ("GET", "/v2.1/accounts/123/groups/?count=5", ("listGroups", "123")),
        ("POST", "/v2.1/accounts/9/groups", ("createGroups", "9")),
        ("POST", "/v2.1/accounts/9/users", ("createUsers", "9")),
        ("GET", "/v2.1/accounts/9/signing_groups", ("listSigningGroups", "9")),
        ("DELETE", "/v2.1/accounts/9/groups", ("deleteGroups", "9")),
        ("PUT", "/v2.1/accounts/9/groups", None),
        ("GET", "/v2.1/accounts/9/users", None),
        ("GET", "/v2.1/accounts/9/groups/1", None),
        ("GET", "/v2.1/accounts//groups", None),
    ],
)
def test_match(spec, method, path, expected):
    found = spec.match(method, path)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found[0].operation_id, found[1]["accountId"]) == expected


def test_response_schema_is_self_contained_with_the_overlay(spec):
    schema = spec.response_schema("listGroups", 200)
    assert "$ref" not in str(schema)
    assert schema["allOf"][1]["required"] == ["resultSetSize", "totalSetSize", "startPosition"]
    assert spec.request_schema("createUsers")["properties"]["newUsers"]["maxItems"] == 500


def test_unknown_status_or_missing_body(spec):
    with pytest.raises(UsageError, match="documents 200, 400"):
        spec.validate_json("listGroups", 201, {})
    with pytest.raises(UsageError, match="takes no request body"):
        spec.request_schema("listGroups")
    with pytest.raises(UnknownOperation):
        spec.response_schema("nope", 200)


def test_schema_properties_in_document_order(spec):
    assert spec.schema_properties("errorDetails") == ("errorCode", "message")
    assert spec.schema_properties("group")[:3] == ("groupId", "groupName", "permissionProfileId")
    assert "userName" in spec.schema_properties("userInformation")
    with pytest.raises(UsageError, match="groupInformation"):
        spec.schema_properties("groupInformaton")


PAGE = {"resultSetSize": "1", "totalSetSize": "1", "startPosition": "0", "endPosition": "0"}


def _errors(found: list[SchemaError]) -> set[tuple[str, str]]:
    return {(e.location, e.keyword) for e in found}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**PAGE, "groups": [{"groupId": "1", "groupName": "a"}]}, set()),
        ({**PAGE, "groups": []}, set()),
        (PAGE, set()),
        ({**PAGE, "nextUri": None, "previousUri": None}, set()),
        ({**PAGE, "somethingNew": 1}, set()),  # unknown properties are not schema errors
        ({**PAGE, "groups": [{"groupId": "1"}]}, {("/groups/0", "required")}),
        ({"totalSetSize": "1", "startPosition": "0"}, {("", "required")}),
        ({**PAGE, "resultSetSize": "one"}, {("/resultSetSize", "pattern")}),
        ({**PAGE, "resultSetSize": 1}, {("/resultSetSize", "type")}),
        ({**PAGE, "nextUri": 5}, {("/nextUri", "type")}),
        (
            {
                **PAGE,
                "groups": [{"groupId": "1", "groupName": "a", "users": [{"userStatus": "Gone"}]}],
            },
            {("/groups/0/users/0/userStatus", "enum")},
        ),
        ([], {("", "type")}),
    ],
)
def test_validate_json_list_groups(spec, body, expected):
    assert _errors(spec.validate_json("listGroups", 200, body)) == expected


def test_validate_json_signing_groups(spec):
    ok = {"groups": [{"signingGroupId": "1", "groupName": "g", "groupType": "sharedSigningGroup"}]}
    assert spec.validate_json("listSigningGroups", 200, ok) == []
    long_name = {"groups": [{**ok["groups"][0], "users": [{"userName": "x" * 101}]}]}
    assert _errors(spec.validate_json("listSigningGroups", 200, long_name)) == {
        ("/groups/0/users/0/userName", "maxLength")
    }
    assert (
        spec.validate_json("listSigningGroups", 200, {"groups": [{"groupName": "g"}]})[0].keyword
        == "required"
    )


def test_validate_json_error_body(spec):
    assert spec.validate_json("createUsers", 400, {"errorCode": "X", "message": "m"}) == []
    found = spec.validate_json("createUsers", 400, {"errorCode": "X"})
    assert _errors(found) == {("", "required")}
    assert "message" in found[0].message


def test_validate_request_json(spec):
    user = {"userName": "a", "email": "a@example.com"}
    assert spec.validate_request_json("createUsers", {"newUsers": [user]}) == []
    # userName/email are entry requirements, not schema requirements (entry errors are legal)
    assert spec.validate_request_json("createUsers", {"newUsers": [{"userName": "a"}]}) == []
    assert _errors(spec.validate_request_json("createUsers", {"newUsers": []})) == {
        ("/newUsers", "minItems")
    }
    assert _errors(spec.validate_request_json("createUsers", {"newUsers": [user] * 501})) == {
        ("/newUsers", "maxItems")
    }
    settings = {"newUsers": [{**user, "userSettings": {"canSendEnvelope": "yes"}}]}
    assert _errors(spec.validate_request_json("createUsers", settings)) == {
        ("/newUsers/0/userSettings/canSendEnvelope", "enum")
    }
    for profile in (1597, "1597"):
        body = {"groups": [{"groupName": "n", "permissionProfileId": profile}]}
        assert spec.validate_request_json("createGroups", body) == []
    bad = {"groups": [{"groupName": "n", "permissionProfileId": 1.5}]}
    assert _errors(spec.validate_request_json("createGroups", bad)) == {
        ("/groups/0/permissionProfileId", "type")
    }


def _xml(body: str, root: str = "groupInformation") -> bytes:
    return (
        f'<{root} xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns="{NAMESPACE}">{body}</{root}>'
    ).encode()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<resultSetSize>1</resultSetSize><groups/>", set()),
        ('<nextUri i:nil="true"/><resultSetSize>1</resultSetSize>', set()),
        # out of the documented order: an order-sensitive client breaks
        (
            "<resultSetSize>1</resultSetSize><endPosition>0</endPosition>",
            {("/groupInformation/endPosition", "content")},
        ),
        ("<surprise>1</surprise>", {("/groupInformation/surprise", "content")}),
        (
            '<groups><group><groupId i:nil="true"/></group></groups>',
            {("/groupInformation/groups/group[1]/groupId", "nillable")},
        ),
        (
            "<groups><group/><group><groupId>1</groupId><groupId>2</groupId></group></groups>",
            {("/groupInformation/groups/group[2]/groupId[2]", "content")},
        ),
        ("<resultSetSize>-1</resultSetSize>", {("/groupInformation/resultSetSize", "pattern")}),
    ],
)
def test_validate_xml(spec, body, expected):
    root = spec.codec.parse(_xml(body))
    assert _errors(spec.validate_xml(root)) == expected


def test_validate_xml_root_checks(spec):
    wrong_ns = spec.codec.parse(b"<groupInformation/>")
    assert {e.keyword for e in spec.validate_xml(wrong_ns)} == {"root"}
    other_root = spec.codec.parse(_xml("", "errorDetails"))
    assert spec.validate_xml(other_root) == []
    assert _errors(spec.validate_xml(other_root, root_name="groupInformation")) == {("/", "root")}


def test_validate_xml_is_safe_from_several_threads(spec):
    good = spec.codec.parse(_xml("<resultSetSize>1</resultSetSize>"))
    bad = spec.codec.parse(_xml("<resultSetSize>x</resultSetSize>"))
    outcomes: list[tuple[int, int]] = []

    def work() -> None:
        for _ in range(200):
            outcomes.append((len(spec.validate_xml(good)), len(spec.validate_xml(bad))))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes) == {(0, 1)}
