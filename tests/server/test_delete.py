"""The reference server's deletes (DocuSign's Groups_DeleteGroups and Users_DeleteUsers), in
JSON and XML, as diglot's cleanup sends them."""

from __future__ import annotations

import httpx

from tests.server.conftest import NS, XML, local_names, parse_xml, q

XML_BODY = {"content-type": "application/xml", **XML}


def create_groups(client: httpx.Client, *names: str) -> list[str]:
    response = client.post("/groups", json={"groups": [{"groupName": n} for n in names]})
    assert response.status_code == 201
    return [group["groupId"] for group in response.json()["groups"]]


def create_user(client: httpx.Client, name: str) -> str:
    body = {"newUsers": [{"userName": name, "email": f"{name}@example.com"}]}
    response = client.post("/users", json=body)
    assert response.status_code == 201
    user_id: str = response.json()["newUsers"][0]["userId"]
    return user_id


def listed_ids(client: httpx.Client) -> set[str]:
    return {group["groupId"] for group in client.get("/groups").json()["groups"]}


def test_delete_groups_json_answers_each_and_deletes_only_those(client: httpx.Client) -> None:
    ids = create_groups(client, "del-a", "del-b", "del-c")
    body = {"groups": [{"groupId": ids[0]}, {"groupId": ids[1]}, {"groupId": "99999999"}]}
    response = client.request("DELETE", "/groups", json=body)
    assert response.status_code == 200
    groups = response.json()["groups"]
    assert [g["groupId"] for g in groups] == [ids[0], ids[1], "99999999"]
    assert [g.get("groupName") for g in groups[:2]] == ["del-a", "del-b"]
    assert "errorDetails" not in groups[0]
    assert groups[2]["errorDetails"]["errorCode"] == "INVALID_GROUP_ID"
    listed = listed_ids(client)
    assert ids[0] not in listed
    assert ids[1] not in listed
    assert ids[2] in listed
    again = client.request("DELETE", "/groups", json={"groups": [{"groupId": ids[0]}]})
    assert again.json()["groups"][0]["errorDetails"]["errorCode"] == "INVALID_GROUP_ID"


def test_delete_groups_xml(client: httpx.Client) -> None:
    (group_id,) = create_groups(client, "del-xml")
    body = (
        f'<groupInformation xmlns="{NS}"><groups><group><groupId>{group_id}</groupId>'
        "</group></groups></groupInformation>"
    ).encode()
    response = client.request("DELETE", "/groups", content=body, headers=XML_BODY)
    assert response.status_code == 200
    root = parse_xml(response)
    assert root.tag == q("groupInformation")
    listed = root.find(q("groups"))
    assert listed is not None
    (group,) = listed
    assert local_names(group) == ["groupId", "groupName", "groupType"]
    assert group.findtext(q("groupId")) == group_id
    assert group_id not in listed_ids(client)


def test_the_account_keeps_its_administrators_and_everyone_groups(client: httpx.Client) -> None:
    seeded = client.get("/groups").json()["groups"][:2]
    body = {"groups": [{"groupId": g["groupId"]} for g in seeded]}
    response = client.request("DELETE", "/groups", json=body)
    assert response.status_code == 200
    assert all("errorDetails" in g for g in response.json()["groups"])
    assert {g["groupId"] for g in seeded} <= listed_ids(client)


def test_delete_users_closes_them_json_and_xml(client: httpx.Client) -> None:
    first, second = create_user(client, "close-json"), create_user(client, "close-xml")
    response = client.request(
        "DELETE", "/users", json={"users": [{"userId": first}, {"userId": "nobody"}]}
    )
    assert response.status_code == 200
    closed, unknown = response.json()["users"]
    assert closed["userId"] == first
    assert closed["userStatus"] == "Closed"
    assert unknown["errorDetails"]["errorCode"] == "INVALID_USERID"
    body = (
        f'<userInfoList xmlns="{NS}"><users><userInfo><userId>{second}</userId></userInfo>'
        "</users></userInfoList>"
    ).encode()
    response = client.request("DELETE", "/users", content=body, headers=XML_BODY)
    assert response.status_code == 200
    root = parse_xml(response)
    assert root.tag == q("usersResponse")
    users = root.find(q("users"))
    assert users is not None
    (user,) = users
    assert user.findtext(q("userStatus")) == "Closed"
    assert user.findtext(q("userId")) == second
    # closed once: a second close names no open user
    again = client.request("DELETE", "/users", json={"users": [{"userId": first}]})
    assert again.json()["users"][0]["errorDetails"]["errorCode"] == "INVALID_USERID"
    # a closed user's name and e-mail may be taken again
    assert create_user(client, "close-json") != first


def test_a_delete_without_its_list_is_a_400(client: httpx.Client) -> None:
    for path, body in (("/groups", {"groups": []}), ("/users", {"users": "x"})):
        response = client.request("DELETE", path, json=body)
        assert response.status_code == 400
        assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"
    response = client.request("DELETE", "/users", content=b"<groupInformation/>", headers=XML_BODY)
    assert response.status_code == 400
