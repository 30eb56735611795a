from __future__ import annotations

import httpx
import pytest
from lxml import etree

from diglot.server import DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER
from tests.server.conftest import NS, XML, XSI, local_names, parse_xml, q

SEEDED = 14  # Administrators, Everyone and twelve custom groups (see diglot.server._seed)
PAGE_FIELDS = ["resultSetSize", "totalSetSize", "startPosition", "endPosition"]


def test_json_first_page(client: httpx.Client) -> None:
    response = client.get("/groups", params={"count": "5"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert [body[name] for name in PAGE_FIELDS] == ["5", str(SEEDED), "0", "4"]
    assert body["previousUri"] is None
    assert body["nextUri"] == (
        f"/restapi/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?start_position=5&count=5"
    )
    first = body["groups"][0]
    assert list(first) == ["groupId", "groupName", "permissionProfileId", "groupType", "users"]
    assert (first["groupName"], first["groupType"]) == ("Administrators", "AdminGroup")
    assert body["groups"][1]["groupType"] == "EveryoneGroup"
    assert "errorDetails" not in first
    user = first["users"][0]
    assert list(user) == ["userName", "userId", "email", "userType", "userStatus", "uri"]
    assert user["uri"] == f"/users/{user['userId']}"
    assert user["userStatus"] in {
        "ActivationRequired",
        "ActivationSent",
        "Active",
        "Closed",
        "Disabled",
    }


def test_default_count_is_100_and_last_page_has_null_next(client: httpx.Client) -> None:
    body = client.get("/groups").json()
    assert body["resultSetSize"] == body["totalSetSize"] == str(len(body["groups"]))
    assert body["nextUri"] is None
    assert body["previousUri"] is None
    names = [group["groupName"] for group in body["groups"]]
    assert {"Sales & Marketing", "Équipe Lyon", "R&D <Labs>"} <= set(names)
    assert len({group["groupId"] for group in body["groups"]}) == SEEDED


def test_xml_matches_the_seed_example_structure(client: httpx.Client) -> None:
    root = parse_xml(client.get("/groups", params={"count": "2"}, headers=XML))
    assert root.tag == q("groupInformation")
    assert root.nsmap == {None: NS, "i": XSI}
    assert local_names(root) == [
        "endPosition",
        "nextUri",
        "previousUri",
        "resultSetSize",
        "startPosition",
        "totalSetSize",
        "groups",
    ]
    assert all(etree_ns(child) == NS for child in root.iter())
    previous = root.find(q("previousUri"))
    assert previous is not None
    assert previous.get(f"{{{XSI}}}nil") == "true"
    assert previous.text is None
    groups = root.find(q("groups"))
    assert groups is not None
    assert local_names(groups) == ["group", "group"]
    admin = groups[0]
    assert local_names(admin) == [
        "groupId",
        "groupName",
        "groupType",
        "permissionProfileId",
        "users",
    ]
    users = admin.find(q("users"))
    assert users is not None
    assert set(local_names(users)) == {"userInfo"}
    assert local_names(users[0]) == ["email", "uri", "userId", "userName", "userStatus", "userType"]
    assert str(root.findtext(q("nextUri"))).endswith("groups?start_position=2&count=2")


def etree_ns(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def test_xml_and_json_say_the_same(client: httpx.Client) -> None:
    as_json = client.get("/groups", params={"count": "100"}).json()
    root = parse_xml(client.get("/groups", params={"count": "100"}, headers=XML))
    xml_names = [group.findtext(q("groupName")) for group in root.iter(q("group"))]
    assert xml_names == [group["groupName"] for group in as_json["groups"]]
    assert root.findtext(q("totalSetSize")) == as_json["totalSetSize"]


def test_xml_escapes_special_characters(client: httpx.Client) -> None:
    response = client.get("/groups", params={"search_text": "&"}, headers=XML)
    assert b"Sales &amp; Marketing" in response.content
    assert b"R&amp;D &lt;Labs&gt;" in response.content
    names = [group.findtext(q("groupName")) for group in parse_xml(response).iter(q("group"))]
    assert names == ["Sales & Marketing", "R&D <Labs>"]


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("application/json", "json"),
        ("application/json, application/xml;q=0.5", "json"),
        ("application/json;q=0.4, application/xml", "xml"),
        ("text/html", "json"),
        ("*/*", "json"),
    ],
)
def test_content_negotiation(client: httpx.Client, accept: str, kind: str) -> None:
    response = client.get("/groups", params={"count": "1"}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"application/{kind}; charset=utf-8"


def test_walking_next_uri_visits_every_group_once(client: httpx.Client, base_url: str) -> None:
    everything = [group["groupId"] for group in client.get("/groups").json()["groups"]]
    seen: list[str] = []
    url: str | None = f"/restapi/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?count=3"
    origin = base_url.removesuffix("/restapi")
    pages = 0
    while url is not None:
        body = httpx.get(origin + url).json()
        start, size = int(body["startPosition"]), int(body["resultSetSize"])
        assert start == len(seen)
        assert size == len(body["groups"])
        assert size <= 3
        assert int(body["endPosition"]) == start + size - 1
        assert int(body["totalSetSize"]) >= size
        assert (body["previousUri"] is None) == (start == 0)
        seen += [group["groupId"] for group in body["groups"]]
        url = body["nextUri"]
        pages += 1
    assert seen == everything
    assert pages == 5


def test_previous_uri_points_back_one_page(client: httpx.Client) -> None:
    body = client.get("/groups", params={"start_position": "7", "count": "5"}).json()
    assert body["previousUri"].endswith("groups?start_position=2&count=5")
    assert body["nextUri"].endswith("groups?start_position=12&count=5")
    assert [body["startPosition"], body["endPosition"]] == ["7", "11"]


def test_past_the_end_is_an_empty_page(client: httpx.Client) -> None:
    body = client.get("/groups", params={"start_position": "500"}).json()
    assert body["groups"] == []
    assert (body["resultSetSize"], body["startPosition"]) == ("0", "500")
    assert "endPosition" not in body
    assert body["nextUri"] is None
    root = parse_xml(client.get("/groups", params={"start_position": "500"}, headers=XML))
    groups = root.find(q("groups"))
    assert groups is not None
    assert len(groups) == 0
    assert root.find(q("endPosition")) is None


def test_search_text_is_case_insensitive_and_kept_in_next_uri(client: httpx.Client) -> None:
    body = client.get("/groups", params={"search_text": "ÉQUIPE"}).json()
    assert [group["groupName"] for group in body["groups"]] == ["Équipe Lyon"]
    body = client.get("/groups", params={"search_text": "e", "count": "2"}).json()
    assert all("e" in group["groupName"].casefold() for group in body["groups"])
    assert "search_text=e" in body["nextUri"]
    assert int(body["totalSetSize"]) < SEEDED


@pytest.mark.parametrize(
    ("group_type", "expected"),
    [("AdminGroup", 1), ("everyonegroup", 1), ("CUSTOMGROUP", 12), ("NoSuchType", 0)],
)
def test_group_type_filter(client: httpx.Client, group_type: str, expected: int) -> None:
    body = client.get("/groups", params={"group_type": group_type}).json()
    assert body["totalSetSize"] == str(expected)
    assert all(g["groupType"].casefold() == group_type.casefold() for g in body["groups"])


def test_a_huge_start_position_is_past_the_end(client: httpx.Client) -> None:
    body = client.get("/groups", params={"start_position": "9" * 40}).json()
    assert body["startPosition"] == "9" * 40
    assert body["groups"] == []
    assert body["previousUri"].endswith(f"start_position={'9' * 37}899&count=100")


def test_count_one_is_accepted(client: httpx.Client) -> None:
    body = client.get("/groups", params={"count": "1"}).json()
    assert body["resultSetSize"] == "1"
    assert len(body["groups"]) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("count", "0"),
        ("count", "101"),
        ("count", "-1"),
        ("count", "ten"),
        ("count", ""),
        ("count", "9" * 5000),
        ("start_position", "-1"),
        ("start_position", "x"),
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_bad_parameters_are_400_error_details(
    client: httpx.Client, name: str, value: str, accept: str
) -> None:
    response = client.get("/groups", params={name: value}, headers={"accept": accept})
    assert response.status_code == 400
    if accept == "application/json":
        body = response.json()
        assert body["errorCode"] == "INVALID_REQUEST_PARAMETER"
        assert name in body["message"]
    else:
        root = parse_xml(response)
        assert root.tag == q("errorDetails")
        assert local_names(root) == ["errorCode", "message"]


def test_v2_path_lists_groups_too(client: httpx.Client, base_url: str) -> None:
    response = httpx.get(f"{base_url}/v2/accounts/{DEFAULT_ACCOUNT_ID}/groups?count=2")
    body = response.json()
    assert response.status_code == 200
    assert len(body["groups"]) == 2
    assert body["nextUri"].startswith(f"/restapi/v2/accounts/{DEFAULT_ACCOUNT_ID}/groups?")


def test_external_account_number_is_the_same_account(client: httpx.Client, base_url: str) -> None:
    by_number = httpx.get(f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_NUMBER}/groups").json()
    by_guid = client.get("/groups").json()
    assert by_number["groups"] == by_guid["groups"]
    upper = httpx.get(f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID.upper()}/groups")
    assert upper.status_code == 200


@pytest.mark.parametrize("path", ["groups", "signing_groups"])
def test_unknown_account_is_400(base_url: str, path: str) -> None:
    response = httpx.get(f"{base_url}/v2.1/accounts/00000000-0000-0000-0000-000000000000/{path}")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_ACCOUNT_ID"
