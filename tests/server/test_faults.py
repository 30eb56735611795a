"""Every fault shows its deviation on the wire, and only there (a precise assertion each)."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from lxml import etree

from diglot import Family
from diglot.server import DEFAULT_ACCOUNT_ID, FAULTS, _app, _http, _store, _xml, running
from diglot.server._faults import NO_FAULT, FaultHooks
from tests.server.conftest import NS, XML, XSI, local_names, q

Demo = Callable[[httpx.Client], None]
GROUPS = {"groups": [{"groupName": "fault probe", "permissionProfileId": 1597}]}


def xml_of(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def first_page(client: httpx.Client, **params: str) -> Any:
    response = client.get("/groups", params=params)
    assert response.status_code == 200
    return response.json()


# -- schema ----------------------------------------------------------------------------------


def json_numbers_as_numbers(client: httpx.Client) -> None:
    body = first_page(client, count="3")
    assert [body[k] for k in ("resultSetSize", "totalSetSize", "startPosition", "endPosition")] == [
        3,
        14,
        0,
        2,
    ]
    assert (
        xml_of(client.get("/groups", params={"count": "3"}, headers=XML)).findtext(
            q("resultSetSize")
        )
        == "3"
    )


def json_renamed_field(client: httpx.Client) -> None:
    groups = first_page(client)["groups"]
    assert isinstance(groups, list)
    assert all("groupName" not in g and "name" in g for g in groups)
    assert groups[0]["name"] == "Administrators"


def json_groups_not_array(client: httpx.Client) -> None:
    groups = first_page(client)["groups"]
    assert isinstance(groups, dict)
    assert groups["10000001"]["groupName"] == "Administrators"


def user_status_unknown(client: httpx.Client) -> None:
    users = first_page(client, count="1")["groups"][0]["users"]
    assert {u["userStatus"] for u in users} == {"active"}
    root = xml_of(client.get("/groups", params={"count": "1"}, headers=XML))
    assert {e.text for e in root.iter(q("userStatus"))} == {"active"}


def signing_user_name_too_long(client: httpx.Client) -> None:
    groups = client.get("/signing_groups", params={"include_users": "true"}).json()["groups"]
    names = [u["userName"] for g in groups for u in g["users"]]
    assert names
    assert all(len(name) > 100 for name in names)
    root = xml_of(client.get("/signing_groups", params={"include_users": "true"}, headers=XML))
    assert all(len(e.text or "") > 100 for e in root.iter(q("userName")))


def xml_wrong_namespace(client: httpx.Client) -> None:
    root = xml_of(client.get("/groups", headers=XML))
    assert root.tag == "groupInformation"
    assert all(etree.QName(e).namespace is None for e in root.iter())
    assert "groupName" in client.get("/groups").json()["groups"][0]


def xml_wrong_root(client: httpx.Client) -> None:
    assert xml_of(client.get("/groups", headers=XML)).tag == q("groupsInformation")
    assert xml_of(client.get("/signing_groups", headers=XML)).tag == q("signingGroupInformation")


def xml_wrong_item_name(client: httpx.Client) -> None:
    groups = xml_of(client.get("/groups", headers=XML)).find(q("groups"))
    assert groups is not None
    assert set(local_names(groups)) == {"groupInfo"}


def xml_child_order(client: httpx.Client) -> None:
    group = xml_of(client.get("/groups", headers=XML)).find(f"{q('groups')}/{q('group')}")
    assert group is not None
    assert local_names(group) == [
        "users",
        "permissionProfileId",
        "groupType",
        "groupName",
        "groupId",
    ]


def xml_nil_without_namespace(client: httpx.Client) -> None:
    previous = xml_of(client.get("/groups", headers=XML)).find(q("previousUri"))
    assert previous is not None
    assert previous.get("nil") == "true"
    assert previous.get(f"{{{XSI}}}nil") is None


def xml_unescaped(client: httpx.Client) -> None:
    response = client.get("/groups", params={"search_text": "Sales"}, headers=XML)
    assert b"<groupName>Sales & Marketing</groupName>" in response.content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)
    assert (
        client.get("/groups", params={"search_text": "Sales"}).json()["groups"][0]["groupName"]
        == "Sales & Marketing"
    )


# -- protocol --------------------------------------------------------------------------------


def ignore_accept(client: httpx.Client) -> None:
    response = client.get("/groups", headers=XML)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json()["groups"]


def wrong_content_type(client: httpx.Client) -> None:
    response = client.get("/groups", headers=XML)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert xml_of(response).tag == q("groupInformation")


def missing_content_type(client: httpx.Client) -> None:
    for response in (
        client.get("/groups"),
        client.get("/groups", headers=XML),
        client.get("/groups?count=0"),
    ):
        assert "content-type" not in response.headers
        assert response.content


def error_envelope(client: httpx.Client) -> None:
    response = client.get("/groups", params={"count": "0"})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"success", "error"}
    assert body["success"] is False
    assert body["error"]["code"] == "INVALID_REQUEST_PARAMETER"
    assert body["error"]["message"]
    root = xml_of(client.get("/groups", params={"count": "0"}, headers=XML))
    assert local_names(root) == ["success", "error"]


def error_missing_message(client: httpx.Client) -> None:
    response = client.get("/groups", params={"count": "0"})
    assert response.status_code == 400
    assert response.json() == {"errorCode": "INVALID_REQUEST_PARAMETER"}


def server_error_on_bad_input(client: httpx.Client) -> None:
    assert client.get("/groups", params={"count": "ten"}).status_code == 500
    assert (
        client.post(
            "/groups", content=b"{", headers={"content-type": "application/json"}
        ).status_code
        == 500
    )
    assert (
        client.post(
            "/users", content=b"<a", headers={"content-type": "application/xml"}
        ).status_code
        == 500
    )
    assert client.get("/groups", params={"count": "0"}).status_code == 400


def create_returns_200(client: httpx.Client) -> None:
    assert client.post("/groups", json=GROUPS).status_code == 200
    users = {"newUsers": [{"userName": "Two Hundred", "email": "two@example.com"}]}
    assert client.post("/users", json=users).status_code == 200


def count_out_of_range_accepted(client: httpx.Client) -> None:
    assert first_page(client, count="0")["resultSetSize"] == "1"
    assert first_page(client, count="101")["resultSetSize"] == "14"
    assert client.get("/groups", params={"count": "x"}).status_code == 400


def unknown_account_accepted(client: httpx.Client) -> None:
    url = str(client.base_url).rstrip("/").replace(DEFAULT_ACCOUNT_ID, "no-such-account")
    response = client.get(f"{url}/groups")
    assert response.status_code == 200
    assert response.json()["totalSetSize"] == "14"


# -- pagination ------------------------------------------------------------------------------


def result_set_size_wrong(client: httpx.Client) -> None:
    body = first_page(client, count="5")
    assert (body["resultSetSize"], len(body["groups"])) == ("6", 5)


def total_less_than_result(client: httpx.Client) -> None:
    body = first_page(client, count="5")
    assert int(body["totalSetSize"]) < int(body["resultSetSize"])


def next_uri_on_last_page(client: httpx.Client) -> None:
    body = first_page(client)
    assert body["resultSetSize"] == body["totalSetSize"] == "14"
    assert isinstance(body["nextUri"], str)
    assert "start_position=100" in body["nextUri"]


def previous_uri_on_first_page(client: httpx.Client) -> None:
    body = first_page(client, count="5")
    assert isinstance(body["previousUri"], str)
    assert "start_position=0" in body["previousUri"]


def next_uri_skips(client: httpx.Client) -> None:
    assert str(first_page(client, count="5")["nextUri"]).endswith("start_position=6&count=5")


def count_ignored(client: httpx.Client) -> None:
    body = first_page(client, count="5")
    assert body["resultSetSize"] == "14"
    assert len(body["groups"]) == 14
    assert body["nextUri"] is None


def start_position_one_based(client: httpx.Client) -> None:
    body = first_page(client, start_position="3", count="2")
    assert body["startPosition"] == "3"
    # seeded groupIds are 10000001 upwards: positions 3 and 4 are 10000004 and 10000005
    assert [g["groupId"] for g in body["groups"]] == ["10000005", "10000006"]


def start_position_ignored(client: httpx.Client) -> None:
    body = first_page(client, start_position="5", count="2")
    assert body["startPosition"] == "5"
    assert [g["groupName"] for g in body["groups"]] == ["Administrators", "Everyone"]


# -- semantics -------------------------------------------------------------------------------


def search_text_ignored(client: httpx.Client) -> None:
    assert first_page(client, search_text="Lyon")["totalSetSize"] == "14"


def group_type_ignored(client: httpx.Client) -> None:
    assert first_page(client, group_type="AdminGroup")["totalSetSize"] == "14"


def ignored_properties_used(client: httpx.Client) -> None:
    body = {"groups": [{"groupName": "copycat", "groupId": "42", "groupType": "AdminGroup"}]}
    group = client.post("/groups", json=body).json()["groups"][0]
    assert (group["groupId"], group["groupType"]) == ("42", "AdminGroup")


def unknown_profile_accepted(client: httpx.Client) -> None:
    body = {"groups": [{"groupName": "ghost", "permissionProfileId": 999999}]}
    group = client.post("/groups", json=body).json()["groups"][0]
    assert "errorDetails" not in group
    assert group["permissionProfileId"] == "999999"


def users_limit_ignored(client: httpx.Client) -> None:
    users = [{"userName": f"Many {i}", "email": f"many{i}@example.com"} for i in range(501)]
    response = client.post("/users", json={"newUsers": users})
    assert response.status_code == 201
    assert len(response.json()["newUsers"]) == 501


def duplicate_user_accepted(client: httpx.Client) -> None:
    users = {"newUsers": [{"userName": "Claire Horace", "email": "claire@example.com"}]}
    entry = client.post("/users", json=users).json()["newUsers"][0]
    assert "errorDetails" not in entry
    assert entry["userStatus"] == "ActivationSent"


def missing_email_accepted(client: httpx.Client) -> None:
    entry = client.post("/users", json={"newUsers": [{"userName": "No Mail"}]}).json()["newUsers"][
        0
    ]
    assert "userId" in entry
    assert "errorDetails" not in entry
    assert "email" not in entry
    bad = client.post("/users", json={"newUsers": [{"userName": "Bad", "email": "nope"}]})
    assert "errorDetails" in bad.json()["newUsers"][0]


def created_not_listed(client: httpx.Client) -> None:
    response = client.post("/groups", json=GROUPS)
    assert response.status_code == 201
    group_id = response.json()["groups"][0]["groupId"]
    assert group_id not in {g["groupId"] for g in first_page(client)["groups"]}


def duplicate_group_ids(client: httpx.Client) -> None:
    body = {"groups": [{"groupName": "twin a"}, {"groupName": "twin b"}]}
    first = client.post("/groups", json=body).json()["groups"]
    second = client.post("/groups", json=GROUPS).json()["groups"]
    assert len({g["groupId"] for g in first + second}) == 1


def include_users_ignored(client: httpx.Client) -> None:
    for params in ({}, {"include_users": "false"}):
        groups = client.get("/signing_groups", params=params).json()["groups"]
        assert all("users" in g for g in groups)
        assert sum(len(g["users"]) for g in groups) > 0


# -- equivalence -----------------------------------------------------------------------------


def xml_json_disagree(client: httpx.Client) -> None:
    root = xml_of(client.get("/groups", params={"count": "3"}, headers=XML))
    assert [e.text for e in root.iter(q("groupName"))] == [
        "ADMINISTRATORS",
        "EVERYONE",
        "SALES & MARKETING",
    ]
    assert first_page(client, count="1")["groups"][0]["groupName"] == "Administrators"


def xml_drops_users(client: httpx.Client) -> None:
    root = xml_of(client.get("/groups", headers=XML))
    assert root.find(f".//{q('users')}") is None
    assert first_page(client, count="1")["groups"][0]["users"]


# -- issue 13: deeper oracles ------------------------------------------------------------------


def search_text_suffix_only(client: httpx.Client) -> None:
    assert first_page(client, search_text="ources")["totalSetSize"] == "1"  # Human Resources
    assert first_page(client, search_text="Resour")["totalSetSize"] == "0"


def links_drop_search(client: httpx.Client) -> None:
    link = first_page(client, search_text="e", count="1")["nextUri"]
    assert link is not None
    assert "search_text" not in link


def past_end_total_zero(client: httpx.Client) -> None:
    assert int(first_page(client, count="2")["totalSetSize"]) >= 14
    assert first_page(client, start_position="5000", count="2")["totalSetSize"] == "0"


def numeric_profile_rejected(client: httpx.Client) -> None:
    as_number = client.post("/groups", json=GROUPS).json()["groups"][0]
    assert as_number.get("errorDetails", {}).get("errorCode") == "INVALID_PERMISSION_PROFILE_ID"
    as_text = {"groups": [{"groupName": "text probe", "permissionProfileId": "1597"}]}
    assert "errorDetails" not in client.post("/groups", json=as_text).json()["groups"][0]


def profile_not_stored(client: httpx.Client) -> None:
    body = {"groups": [{"groupName": "profile probe", "permissionProfileId": "1597"}]}
    group = client.post("/groups", json=body).json()["groups"][0]
    assert "errorDetails" not in group
    assert "permissionProfileId" not in group


def batch_reported_failed(client: httpx.Client) -> None:
    batch = [
        {"groupName": "batch probe a"},
        {"groupName": "batch probe b", "permissionProfileId": "999999"},
    ]
    answered = client.post("/groups", json={"groups": batch}).json()["groups"]
    assert answered[0].get("errorDetails", {}).get("errorCode") == "BATCH_FAILED"
    listed = first_page(client, search_text="batch probe a")["groups"]
    assert [g["groupName"] for g in listed][:1] == ["batch probe a"]


def user_name_from_email(client: httpx.Client) -> None:
    users = {"newUsers": [{"userName": "Mail Name", "email": "mail.name@example.com"}]}
    entry = client.post("/users", json=users).json()["newUsers"][0]
    assert entry["userName"] == "mail.name@example.com"


def end_position_past_last(client: httpx.Client) -> None:
    assert first_page(client, count="3")["endPosition"] == "3"


def profile_required(client: httpx.Client) -> None:
    entry = client.post("/groups", json={"groups": [{"groupName": "no profile"}]}).json()
    assert entry["groups"][0].get("errorDetails", {}).get("errorCode") == (
        "INVALID_PERMISSION_PROFILE_ID"
    )
    assert "errorDetails" not in client.post("/groups", json=GROUPS).json()["groups"][0]


def past_end_last_page(client: httpx.Client) -> None:
    body = first_page(client, start_position="5000", count="2")
    assert body["startPosition"] == "5000"
    assert len(body["groups"]) == 2


def group_name_truncated(client: httpx.Client) -> None:
    body = {"groups": [{"groupName": "a rather long group name, over twenty"}]}
    assert client.post("/groups", json=body).json()["groups"][0]["groupName"] == (
        "a rather long group "
    )


def xml_charset_mislabelled(client: httpx.Client) -> None:
    response = client.get("/groups", headers=XML)
    assert response.headers["content-type"] == "application/xml; charset=iso-8859-1"
    assert "Équipe Lyon".encode() in response.content
    assert client.get("/groups").headers["content-type"].startswith("application/json")


def json_member_email_dropped(client: httpx.Client) -> None:
    members = [u for g in first_page(client)["groups"] for u in g.get("users", [])]
    assert members
    assert all("email" not in u for u in members)
    root = xml_of(client.get("/groups", headers=XML))
    assert root.find(f".//{q('email')}") is not None


def links_page_aligned(client: httpx.Client) -> None:
    body = first_page(client, start_position="3", count="2")
    assert "start_position=4&" in body["nextUri"]
    assert "start_position=0&" in body["previousUri"]


def v2_path_not_served(client: httpx.Client) -> None:
    v2 = str(client.base_url).rstrip("/").replace("/v2.1/", "/v2/")
    assert client.get(f"{v2}/groups").status_code == 404
    assert client.get("/groups").status_code == 200


DEMOS: dict[str, Demo] = {name: globals()[name.replace("-", "_")] for name in FAULTS}


@pytest.fixture(scope="module")
def clean() -> Iterator[httpx.Client]:
    with (
        running() as url,
        httpx.Client(base_url=f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}") as session,
    ):
        yield session


def test_faults_cover_every_family() -> None:
    assert len(FAULTS) >= 25
    assert {fault.family for fault in FAULTS.values()} == set(Family)
    for name, fault in FAULTS.items():
        assert fault.name == name
        assert fault.description
    assert [f.name for f in FAULTS.values() if f.warning_only] == [
        "include-users-ignored",
        "v2-path-not-served",
    ]


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_shows_on_the_wire(name: str) -> None:
    with (
        running(fault=name) as url,
        httpx.Client(base_url=f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}", timeout=10) as client,
    ):
        DEMOS[name](client)


@pytest.mark.parametrize("name", list(FAULTS))
def test_clean_server_does_not_show_the_fault(name: str, clean: httpx.Client) -> None:
    with pytest.raises(AssertionError):
        DEMOS[name](clean)


def test_xml_namespace_is_right_when_clean(clean: httpx.Client) -> None:
    root = xml_of(clean.get("/groups", headers=XML))
    assert etree.QName(root).namespace == NS


# -- faults are transformers of the faithful server -------------------------------------------


def test_the_faithful_logic_names_no_fault() -> None:
    # every fault lives in its own hooks; the logic reads as the documentation
    sources = {
        "_Api": inspect.getsource(_app._Api),
        "_xml": inspect.getsource(_xml),
        "_http": inspect.getsource(_http),
        "_store": inspect.getsource(_store),
    }
    for where, source in sources.items():
        assert [name for name in FAULTS if name in source] == [], where
        assert re.search(r"fault\s*[!=]=", source) is None, where


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_fault_is_made_of_hooks(name: str) -> None:
    fault = FAULTS[name]
    hooks = [
        field.name
        for field in dataclasses.fields(FaultHooks)
        if getattr(fault, field.name) is not getattr(NO_FAULT, field.name)
    ]
    assert hooks, f"{name} changes none of the faithful server's hooks"


def _get(fault: str, variant: str, path: str, **kwargs: Any) -> httpx.Response:
    with (
        running(fault=fault, variant=variant) as url,
        httpx.Client(base_url=f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}", timeout=10) as client,
    ):
        return client.get(path, **kwargs)


def test_a_variant_rewrites_headers_after_the_fault() -> None:
    response = _get("wrong-content-type", "charset-upper", "/groups", headers=XML)
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert xml_of(response).tag == q("groupInformation")


def test_a_variant_rewrites_the_faults_answer() -> None:
    body = _get("next-uri-skips", "query-only-links", "/groups", params={"count": "5"}).json()
    assert body["nextUri"] == "?start_position=6&count=5"
    root = xml_of(_get("error-envelope", "xml-prefixed", "/groups?count=0", headers=XML))
    assert (root.prefix, local_names(root)) == ("ds", ["success", "error"])


def test_a_variants_request_default_reaches_the_faults_rewrite() -> None:
    # small-default-count adds count=10 outside; count-out-of-range-accepted clamps inside
    body = _get("count-out-of-range-accepted", "small-default-count", "/groups").json()
    assert body["resultSetSize"] == "10"
    assert (
        _get("count-out-of-range-accepted", "small-default-count", "/groups?count=0").json()[
            "resultSetSize"
        ]
        == "1"
    )
