from __future__ import annotations

import re

import httpx
import pytest
from lxml import etree

from tests.server.conftest import NS, XML, XSI, local_names, parse_xml, q

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z")


def names_listed(client: httpx.Client) -> list[str]:
    return [group["groupName"] for group in client.get("/groups").json()["groups"]]


# -- create groups -----------------------------------------------------------------------------


def test_create_groups_seed_example(client: httpx.Client) -> None:
    body = {
        "groups": [
            {"groupName": "montagues"},
            {"groupName": "capulets"},
            {"groupName": "nobles", "permissionProfileId": 1597},
        ]
    }
    response = client.post("/groups", json=body)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    groups = response.json()["groups"]
    assert [group["groupName"] for group in groups] == ["montagues", "capulets", "nobles"]
    assert all(group["groupType"] == "CustomGroup" for group in groups)
    assert groups[2]["permissionProfileId"] == "1597"
    assert "permissionProfileId" not in groups[0]
    ids = [group["groupId"] for group in groups]
    assert len(set(ids)) == 3
    listed = {g["groupId"]: g for g in client.get("/groups").json()["groups"]}
    assert all(group_id in listed for group_id in ids)
    assert listed[ids[2]]["permissionProfileId"] == "1597"


def test_profile_id_as_string(client: httpx.Client) -> None:
    response = client.post(
        "/groups", json={"groups": [{"groupName": "strings", "permissionProfileId": "1601"}]}
    )
    assert response.status_code == 201
    assert response.json()["groups"][0]["permissionProfileId"] == "1601"


def test_ignored_properties_do_not_leak(client: httpx.Client) -> None:
    entry = {
        "groupName": "leaky",
        "groupId": "42",
        "groupType": "AdminGroup",
        "users": [{"userName": "x", "email": "x@example.com"}],
        "color": "red",
    }
    group = client.post("/groups", json={"groups": [entry]}).json()["groups"][0]
    assert group["groupId"] != "42"
    assert group["groupType"] == "CustomGroup"
    assert set(group) == {"groupId", "groupName", "groupType"}
    listed = [g for g in client.get("/groups").json()["groups"] if g["groupId"] == group["groupId"]]
    assert listed == [group]


def test_unknown_profile_is_an_entry_error_and_not_stored(client: httpx.Client) -> None:
    body = {
        "groups": [
            {"groupName": "ghost-profile", "permissionProfileId": 999999},
            {"groupName": "fine-neighbour"},
            {"permissionProfileId": "1597"},
        ]
    }
    response = client.post("/groups", json=body)
    assert response.status_code == 201
    ghost, fine, nameless = response.json()["groups"]
    assert ghost["errorDetails"]["errorCode"] == "INVALID_PERMISSION_PROFILE_ID"
    assert "groupId" not in ghost
    assert nameless["errorDetails"]["errorCode"] == "INVALID_GROUP_NAME"
    assert "groupId" in fine
    assert "errorDetails" not in fine
    names = names_listed(client)
    assert "fine-neighbour" in names
    assert "ghost-profile" not in names


@pytest.mark.parametrize(
    "body",
    [{"groups": []}, {}, {"groups": "montagues"}, {"groups": ["montagues"]}, [1, 2]],
    ids=["empty", "missing", "string", "string-items", "array"],
)
def test_create_groups_whole_request_errors(client: httpx.Client, body: object) -> None:
    response = client.post("/groups", json=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"


def test_create_groups_in_xml(client: httpx.Client) -> None:
    body = (
        f'<groupInformation xmlns="{NS}"><groups>'
        "<group><groupName>Xml &amp; Friends</groupName>"
        "<permissionProfileId>1597</permissionProfileId></group>"
        "</groups></groupInformation>"
    ).encode()
    response = client.post(
        "/groups", content=body, headers={"content-type": "application/xml", **XML}
    )
    assert response.status_code == 201
    root = parse_xml(response)
    assert root.tag == q("groupInformation")
    group = root.find(f"{q('groups')}/{q('group')}")
    assert group is not None
    assert local_names(group) == ["groupId", "groupName", "groupType", "permissionProfileId"]
    assert group.findtext(q("groupName")) == "Xml & Friends"
    assert "Xml & Friends" in names_listed(client)


def test_xml_body_in_text_xml_without_namespace(client: httpx.Client) -> None:
    body = b"<groupInformation><groups><group><groupName>plain</groupName></group></groups></groupInformation>"
    response = client.post("/groups", content=body, headers={"content-type": "text/xml"})
    assert response.status_code == 201
    assert response.json()["groups"][0]["groupName"] == "plain"


# -- create users ------------------------------------------------------------------------------


def test_create_users_seed_example(client: httpx.Client) -> None:
    body = {
        "newUsers": [
            {"userName": "Claire Horace", "email": "claire@example.com"},
            {
                "userName": "Tal Mason 2",
                "email": "talmason2@example.com",
                "company": "TeleSel",
                "userSettings": {"locale": "fr", "canSendEnvelope": True},
            },
        ]
    }
    response = client.post("/users", json=body)
    assert response.status_code == 201
    existing, created = response.json()["newUsers"]
    assert list(existing) == [
        "userId",
        "uri",
        "email",
        "userName",
        "createdDateTime",
        "errorDetails",
    ]
    assert existing["errorDetails"] == {
        "errorCode": "USER_ALREADY_EXISTS_IN_ACCOUNT",
        "message": "Username and email combination already exists for this account.",
    }
    assert existing["createdDateTime"] == "0001-01-01T08:00:00.0000000Z"
    assert existing["uri"] == f"/users/{existing['userId']}"
    admins = client.get("/groups", params={"group_type": "AdminGroup"}).json()["groups"][0]
    claire = next(u for u in admins["users"] if u["userName"] == "Claire Horace")
    assert existing["userId"] == claire["userId"]
    assert list(created) == ["userId", "uri", "email", "userName", "userStatus", "createdDateTime"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", created["userId"]
    )
    assert created["userStatus"] == "ActivationSent"
    assert TIMESTAMP.fullmatch(created["createdDateTime"])


def test_creating_the_same_user_twice_gives_the_duplicate_error(client: httpx.Client) -> None:
    entry = {
        "userName": "Twice",
        "email": "twice@example.com",
        "userSettings": {"canSendEnvelope": "false"},
    }
    first = client.post("/users", json={"newUsers": [entry]}).json()["newUsers"][0]
    again = client.post("/users", json={"newUsers": [entry, entry]}).json()["newUsers"]
    assert "errorDetails" not in first
    for answer in again:
        assert answer["errorDetails"]["errorCode"] == "USER_ALREADY_EXISTS_IN_ACCOUNT"
        assert answer["userId"] == first["userId"]


def test_per_entry_errors_do_not_stop_the_others(client: httpx.Client) -> None:
    body = {
        "newUsers": [
            {"userName": "No Mail"},
            {"email": "noname@example.com"},
            {"userName": "Bad Mail", "email": "not-an-address"},
            {"userName": "Good One", "email": "good.one@example.com"},
        ]
    }
    response = client.post("/users", json=body)
    assert response.status_code == 201
    no_mail, no_name, bad_mail, good = response.json()["newUsers"]
    assert no_mail["errorDetails"]["errorCode"] == "INVALID_EMAIL_ADDRESS_FOR_USER"
    assert no_name["errorDetails"]["errorCode"] == "INVALID_USER_NAME"
    assert bad_mail["errorDetails"]["errorCode"] == "INVALID_EMAIL_ADDRESS_FOR_USER"
    assert all("userId" not in entry for entry in (no_mail, no_name, bad_mail))
    assert "errorDetails" not in good
    assert "userId" in good
    again = client.post(
        "/users", json={"newUsers": [{"userName": "No Mail", "email": "nomail@example.com"}]}
    )
    assert "errorDetails" not in again.json()["newUsers"][0]


def test_500_users_are_accepted_and_501_are_refused(client: httpx.Client) -> None:
    def users(count: int, prefix: str) -> dict[str, object]:
        return {
            "newUsers": [
                {"userName": f"{prefix} {i}", "email": f"{prefix}{i}@example.com"}
                for i in range(count)
            ]
        }

    refused = client.post("/users", json=users(501, "over"))
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "TOO_MANY_USERS_IN_REQUEST"
    accepted = client.post("/users", json=users(500, "bulk"))
    assert accepted.status_code == 201
    answers = accepted.json()["newUsers"]
    assert len(answers) == 500
    assert all("errorDetails" not in a for a in answers)
    # nothing of the refused request was created
    retry = client.post("/users", json=users(1, "over")).json()["newUsers"][0]
    assert "errorDetails" not in retry


def test_create_users_in_xml(client: httpx.Client) -> None:
    body = (
        f'<newUsersDefinition xmlns="{NS}" xmlns:i="{XSI}"><newUsers>'
        "<userInformation><userName>Xavier Ml</userName><email>xml.user@example.com</email>"
        "<userSettings><locale>fr</locale><canSendEnvelope>true</canSendEnvelope></userSettings>"
        "</userInformation>"
        "<userInformation><userName>Claire Horace</userName><email>claire@example.com</email>"
        "</userInformation></newUsers></newUsersDefinition>"
    ).encode()
    response = client.post(
        "/users", content=body, headers={"content-type": "application/xml", **XML}
    )
    assert response.status_code == 201
    root = parse_xml(response)
    assert root.tag == q("newUsersSummary")
    users = root.find(q("newUsers"))
    assert users is not None
    assert local_names(users) == ["newUser", "newUser"]
    assert local_names(users[0]) == [
        "createdDateTime",
        "email",
        "uri",
        "userId",
        "userName",
        "userStatus",
    ]
    assert local_names(users[1]) == [
        "createdDateTime",
        "email",
        "errorDetails",
        "uri",
        "userId",
        "userName",
    ]
    assert (
        users[1].findtext(f"{q('errorDetails')}/{q('errorCode')}")
        == "USER_ALREADY_EXISTS_IN_ACCOUNT"
    )


def test_xml_wrong_root_or_item_is_400(client: httpx.Client) -> None:
    headers = {"content-type": "application/xml"}
    wrong_root = b"<groups><group><groupName>a</groupName></group></groups>"
    wrong_item = (
        b"<groupInformation><groups><grp><groupName>a</groupName></grp></groups></groupInformation>"
    )
    for body in (wrong_root, wrong_item):
        response = client.post("/groups", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"


def test_xml_error_details_in_xml(client: httpx.Client) -> None:
    response = client.post(
        "/users",
        content=b"<newUsersDefinition>",
        headers={"content-type": "application/xml", **XML},
    )
    assert response.status_code == 400
    root = parse_xml(response)
    assert root.tag == q("errorDetails")
    assert root.findtext(q("errorCode")) == "INVALID_REQUEST_BODY"
    assert etree.QName(root).namespace == NS
