"""Every variant shows its difference on the wire, and says the same thing as the server's own.

Each demo gets a client of the server running the variant and one of the server's own
(faithful) answers, both fresh, over real HTTP on loopback: it asserts the difference
precisely, then that the data agree once the difference is taken out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from lxml import etree

from diglot.cli import main
from diglot.server import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_ACCOUNT_NUMBER,
    VARIANTS,
    get_variant,
    running,
)
from diglot.server._xml import ORDER
from tests.server.conftest import NS, XML, XSI, local_names, q

Demo = Callable[[httpx.Client, httpx.Client], None]

LISTS = frozenset({"groups", "users", "newUsers"})
"""The documented containers: in XML, their children are list items."""


def xml_data(element: etree._Element) -> Any:
    """An XML body as JSON-like data: containers are lists, nil is None, leaves are text."""
    name = etree.QName(element).localname
    if name in LISTS:
        return [xml_data(child) for child in element]
    if element.get(f"{{{XSI}}}nil") in ("true", "1"):  # an XML Schema boolean
        return None
    if len(element) == 0:
        return element.text or ""
    return {etree.QName(child).localname: xml_data(child) for child in element}


def xml_of(response: httpx.Response) -> etree._Element:
    assert response.status_code < 300, response.text
    return etree.fromstring(response.content)


def get_json(client: httpx.Client, path: str = "/groups", **params: str) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def get_xml(client: httpx.Client, path: str = "/groups", **params: str) -> Any:
    return xml_data(xml_of(client.get(path, params=params, headers=XML)))


def both(client: httpx.Client, path: str = "/groups", **params: str) -> list[Any]:
    """The JSON answer and the XML answer, as data."""
    return [get_json(client, path, **params), get_xml(client, path, **params)]


def without(data: Any, unwanted: Callable[[str, Any], bool]) -> Any:
    """``data`` without the properties ``unwanted(name, value)`` picks, at any depth."""
    if isinstance(data, dict):
        return {k: without(v, unwanted) for k, v in data.items() if not unwanted(k, v)}
    if isinstance(data, list):
        return [without(item, unwanted) for item in data]
    return data


def values(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield value
            yield from values(value)
    elif isinstance(data, list):
        for item in data:
            yield item
            yield from values(item)


def same_everywhere(variant: httpx.Client, faithful: httpx.Client, **params: str) -> None:
    """The plain pages (list groups, signing groups with members) agree exactly."""
    assert both(variant, **params) == both(faithful, **params)
    signing = {"include_users": "true"}
    assert both(variant, "/signing_groups", **signing) == both(
        faithful, "/signing_groups", **signing
    )


# -- XML writing ------------------------------------------------------------------------------


def xml_prefixed(variant: httpx.Client, faithful: httpx.Client) -> None:
    response = variant.get("/groups", headers=XML)
    root = xml_of(response)
    assert root.prefix == "ds"
    assert root.nsmap == {"ds": NS, "xsi": XSI}
    assert all(e.prefix == "ds" for e in root.iter())
    assert b'<ds:previousUri xsi:nil="true"/>' in response.content
    assert b"xmlns=" not in response.content
    same_everywhere(variant, faithful, count="3", start_position="2")


def xml_pretty(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups", headers=XML).content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<groupInformation ')
    assert b"\n  <endPosition>" in body
    assert b"\n    <group>\n      <groupId>" in body
    same_everywhere(variant, faithful)


def xml_no_declaration(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups", headers=XML).content
    assert body.startswith(b"<groupInformation xmlns")
    assert faithful.get("/groups", headers=XML).content.startswith(b"<?xml")
    same_everywhere(variant, faithful)


def xml_char_refs(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups", headers=XML).content
    assert body.isascii()
    assert b"<groupName>&#201;quipe Lyon</groupName>" in body
    assert b"<groupName><![CDATA[R&D <Labs>]]></groupName>" in body
    assert b"<groupName>Finance &#8211; EMEA</groupName>" in body
    assert "Équipe Lyon".encode() in faithful.get("/groups", headers=XML).content
    same_everywhere(variant, faithful)


def xml_utf16(variant: httpx.Client, faithful: httpx.Client) -> None:
    response = variant.get("/groups", headers=XML)
    assert response.headers["content-type"] == "application/xml; charset=utf-16"
    assert response.content[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = response.content.decode("utf-16")
    assert text.startswith('<?xml version="1.0" encoding="utf-16"?>\n<groupInformation ')
    assert "<groupName>Équipe Lyon</groupName>" in text
    assert variant.get("/groups").headers["content-type"] == "application/json; charset=utf-8"
    same_everywhere(variant, faithful)


def xml_nil_one(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups", params={"count": "3"}, headers=XML).content
    assert b'<previousUri i:nil="1"/>' in body
    assert b'i:nil="true"' not in body
    same_everywhere(variant, faithful, count="3")


def xml_extra_namespaces(variant: httpx.Client, faithful: httpx.Client) -> None:
    root = xml_of(variant.get("/groups", params={"count": "3"}, headers=XML))
    assert root.nsmap == {
        None: NS,
        "i": XSI,
        "xsi": XSI,
        "xsd": "http://www.w3.org/2001/XMLSchema",
    }
    same_everywhere(variant, faithful, count="3")


def xml_nils_omitted(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups", params={"count": "3"}, headers=XML).content
    assert b"nil" not in body
    root = etree.fromstring(body)
    assert root.find(q("previousUri")) is None
    assert root.find(q("nextUri")) is not None
    page = {"count": "3"}
    assert get_xml(variant, **page) == without(get_xml(faithful, **page), lambda k, v: v is None)
    assert get_json(variant, **page) == get_json(faithful, **page)  # JSON keeps its null


# -- JSON writing -----------------------------------------------------------------------------


def json_nulls_omitted(variant: httpx.Client, faithful: httpx.Client) -> None:
    for params in ({}, {"count": "3"}, {"count": "3", "start_position": "12"}):
        data = get_json(variant, **params)
        assert None not in values(data)
        assert data == without(get_json(faithful, **params), lambda k, v: v is None)
        assert get_xml(variant, **params) == get_xml(faithful, **params)  # XML keeps its nil
    first = get_json(variant, count="3")
    assert "previousUri" not in first
    assert first["nextUri"]


def _pairs(text: bytes) -> list[list[str]]:
    orders: list[list[str]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        orders.append([key for key, _ in pairs])
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return orders


def json_keys_sorted(variant: httpx.Client, faithful: httpx.Client) -> None:
    orders = _pairs(variant.get("/groups").content)
    assert all(keys == sorted(keys) for keys in orders)
    assert any(keys != sorted(keys) for keys in _pairs(faithful.get("/groups").content))
    same_everywhere(variant, faithful)


def json_pretty(variant: httpx.Client, faithful: httpx.Client) -> None:
    text = variant.get("/groups").text
    assert text.startswith('{\n  "groups": [\n    {\n      "groupId"')
    assert text.endswith("}\n")
    same_everywhere(variant, faithful)


def json_escaped(variant: httpx.Client, faithful: httpx.Client) -> None:
    body = variant.get("/groups").content
    assert body.isascii()
    assert b'"groupName":"\\u00c9quipe Lyon"' in body
    assert b'"groupName":"R\\u0026D \\u003cLabs\\u003e"' in body
    assert b'"uri":"\\/users\\/' in body
    assert b"&" not in body
    same_everywhere(variant, faithful)


# -- what the bodies hold ---------------------------------------------------------------------

GROUP_EXTRAS = {
    "usersCount",
    "dsGroupId",
    "accessType",
    "isManagedByScim",
    "lastModifiedOn",
    "userGroupType",
}
USER_EXTRAS = {"accountId", "accountName", "ipAddress", "membershipId"}
NEW_USER_EXTRAS = {"membershipId", "licenseStatus", "licenseType"}


def published_extras(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    for group in data["groups"]:
        assert set(group) >= GROUP_EXTRAS
        assert group["usersCount"] == str(len(group.get("users", [])))
        assert group["isManagedByScim"] is False
        for user in group.get("users", []):
            assert set(user) >= USER_EXTRAS
            assert user["accountId"] == DEFAULT_ACCOUNT_ID
    assert {g["isManagedByScim"] for g in xml["groups"]} == {"false"}
    # XML: the extras among the documented children, alphabetically (ordinal)
    root = xml_of(variant.get("/groups", headers=XML))
    for element in root.iter(q("group"), q("userInfo")):
        names = local_names(element)
        assert names == sorted(names)
    first = root.find(f"{q('groups')}/{q('group')}")
    assert first is not None
    assert local_names(first) == [
        "accessType",
        "dsGroupId",
        "groupId",
        "groupName",
        "groupType",
        "isManagedByScim",
        "lastModifiedOn",
        "permissionProfileId",
        "userGroupType",
        "users",
        "usersCount",
    ]
    extras = GROUP_EXTRAS | USER_EXTRAS
    assert without(data, lambda k, v: k in extras) == get_json(faithful)
    assert without(xml, lambda k, v: k in extras) == get_xml(faithful)
    users = {"newUsers": [{"userName": "Extra Person", "email": "extra@example.com"}]}
    created = variant.post("/users", json=users).json()["newUsers"][0]
    assert set(created) >= NEW_USER_EXTRAS
    root = xml_of(variant.post("/users", json=users, headers=XML))
    entry = root.find(f"{q('newUsers')}/{q('newUser')}")
    assert entry is not None
    assert local_names(entry) == sorted(local_names(entry))
    assert "errorDetails" in local_names(entry)  # the second time: a duplicate


def empty_lists_omitted(variant: httpx.Client, faithful: httpx.Client) -> None:
    past = {"start_position": "99"}
    data, xml = both(variant, **past)
    assert "groups" not in data
    assert "groups" not in xml
    assert get_json(faithful, **past)["groups"] == []
    signing = get_json(variant, "/signing_groups", include_users="true")["groups"]
    board = next(g for g in signing if g["groupName"] == "Board")
    assert "users" not in board
    root = xml_of(variant.get("/signing_groups", params={"include_users": "true"}, headers=XML))
    assert not [e for e in root.iter(q("users")) if len(e) == 0]
    faithful_signing = get_json(faithful, "/signing_groups", include_users="true")
    assert next(g for g in faithful_signing["groups"] if g["groupName"] == "Board")["users"] == []
    assert both(variant, count="5") == both(faithful, count="5")


def empty_members_listed(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant, search_text="Human")
    assert data["groups"][0]["users"] == []
    assert xml["groups"][0]["users"] == []
    assert (
        b"<users/>" in variant.get("/groups", params={"search_text": "Human"}, headers=XML).content
    )
    assert "users" not in get_json(faithful, search_text="Human")["groups"][0]
    empty = lambda k, v: k == "users" and v == []  # noqa: E731
    assert without(both(variant), empty) == both(faithful)


def members_not_listed(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    assert all("users" not in g for g in data["groups"] + xml["groups"])
    assert any("users" in g for g in get_json(faithful)["groups"])
    assert [data, xml] == without(both(faithful), lambda k, v: k == "users")
    signing = {"include_users": "true"}
    assert both(variant, "/signing_groups", **signing) == both(
        faithful, "/signing_groups", **signing
    )


SUCCESS = {"errorCode": "SUCCESS", "message": ""}


def entry_success(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    assert all(g["errorDetails"] == SUCCESS for g in data["groups"] + xml["groups"])
    assert without([data, xml], lambda k, v: v == SUCCESS) == both(faithful)
    root = xml_of(variant.get("/groups", headers=XML))
    first = root.find(f"{q('groups')}/{q('group')}")
    assert first is not None
    assert local_names(first)[0] == "errorDetails"
    signing = get_json(variant, "/signing_groups")["groups"]
    assert all(g["errorDetails"] == SUCCESS for g in signing)
    created = variant.post("/groups", json={"groups": [{"groupName": "ok"}, {}]}).json()["groups"]
    assert created[0]["errorDetails"] == SUCCESS
    assert created[1]["errorDetails"]["errorCode"] == "INVALID_GROUP_NAME"


def names_nfd(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    names = [g["groupName"] for g in data["groups"]]
    assert "E\u0301quipe Lyon" in names
    assert "Équipe Lyon" not in names
    assert [g["groupName"] for g in xml["groups"]] == names
    users = [u["userName"] for g in data["groups"] for u in g.get("users", [])]
    assert "Zoe\u0308 Lefe\u0300vre" in users
    nfc = json.loads(unicodedata.normalize("NFC", json.dumps([data, xml], ensure_ascii=False)))
    assert nfc == both(faithful)
    created = variant.post("/groups", json={"groups": [{"groupName": "Café"}]}).json()
    assert created["groups"][0]["groupName"] == "Cafe\u0301"


def new_users_active(variant: httpx.Client, faithful: httpx.Client) -> None:
    users = {"newUsers": [{"userName": "Active One", "email": "active@example.com"}]}
    created = variant.post("/users", json=users).json()["newUsers"][0]
    assert created["userStatus"] == "Active"
    expected = faithful.post("/users", json=users).json()["newUsers"][0]
    assert expected["userStatus"] == "ActivationSent"
    again = variant.post("/users", json=users).json()["newUsers"][0]
    assert again["errorDetails"]["errorCode"] == "USER_ALREADY_EXISTS_IN_ACCOUNT"
    same_everywhere(variant, faithful)


def upper_case_guids(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    users = [u for g in data["groups"] for u in g.get("users", [])]
    assert users
    for user in users:
        assert user["userId"] == user["userId"].upper()
        assert user["uri"] == f"/users/{user['userId']}"
    signing = get_json(variant, "/signing_groups")["groups"]
    assert all(g["signingGroupId"] == g["signingGroupId"].upper() for g in signing)
    lower = json.loads(json.dumps([data, xml]).lower())
    assert lower == json.loads(json.dumps(list(both(faithful))).lower())


def rfc3339_timestamps(variant: httpx.Client, faithful: httpx.Client) -> None:
    signing = get_json(variant, "/signing_groups")["groups"]
    assert {(g["created"], g["modified"]) for g in signing} == {
        ("2024-03-01T09:30:00.000+00:00", "2024-03-01T09:30:00.000+00:00")
    }
    assert get_xml(variant, "/signing_groups")["groups"][0]["created"] == (
        "2024-03-01T09:30:00.000+00:00"
    )
    users = {"newUsers": [{"userName": "Claire Horace", "email": "claire@example.com"}]}
    duplicate = variant.post("/users", json=users).json()["newUsers"][0]
    assert duplicate["createdDateTime"] == "0001-01-01T08:00:00.000+00:00"
    assert faithful.post("/users", json=users).json()["newUsers"][0]["createdDateTime"] == (
        "0001-01-01T08:00:00.0000000Z"
    )
    same = lambda k, v: k in ("created", "modified")  # noqa: E731
    assert without(both(variant, "/signing_groups"), same) == without(
        both(faithful, "/signing_groups"), same
    )


# -- links ------------------------------------------------------------------------------------

MIDDLE = {"count": "3", "start_position": "3", "search_text": "e"}


def _follow(client: httpx.Client, page_url: str, link: str) -> Any:
    """Follow a link resolved against the page's own URL (RFC 3986), as a browser would."""
    response = client.get(urljoin(page_url, link))
    assert response.status_code == 200, (link, response.text)
    return response.json()


def _links_lead_to_the_adjacent_pages(
    variant: httpx.Client, faithful: httpx.Client, resolve: Callable[[str, str], str]
) -> tuple[str, str]:
    page_url = str(variant.build_request("GET", "/groups", params=MIDDLE).url)
    faithful_url = str(faithful.build_request("GET", "/groups", params=MIDDLE).url)
    data = get_json(variant, **MIDDLE)
    expected = get_json(faithful, **MIDDLE)
    assert (data["nextUri"], data["previousUri"]) != (expected["nextUri"], expected["previousUri"])
    for key in ("nextUri", "previousUri"):
        reached = variant.get(resolve(page_url, data[key]))
        assert reached.status_code == 200, (data[key], reached.text)
        assert reached.json()["groups"] == _follow(faithful, faithful_url, expected[key])["groups"]
    xml = get_xml(variant, **MIDDLE)
    assert (xml["nextUri"], xml["previousUri"]) == (data["nextUri"], data["previousUri"])
    links = lambda k, v: k in ("nextUri", "previousUri")  # noqa: E731
    assert without(data, links) == without(expected, links)
    return data["nextUri"], data["previousUri"]


def absolute_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    port = variant.base_url.port
    next_uri, _ = _links_lead_to_the_adjacent_pages(variant, faithful, lambda page, link: link)
    assert next_uri.startswith(f"HTTP://127.0.0.1:{port}/restapi/v2.1/accounts/")
    assert get_json(variant, count="3")["previousUri"] is None


def version_relative_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    base = str(variant.base_url).split("/v2.1/")[0]  # …/restapi
    next_uri, _ = _links_lead_to_the_adjacent_pages(
        variant, faithful, lambda page, link: base + link
    )
    assert next_uri.startswith(f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?")


def account_path_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    base = str(variant.base_url).split("/accounts/")[0]  # …/restapi/v2.1
    next_uri, _ = _links_lead_to_the_adjacent_pages(
        variant, faithful, lambda page, link: base + link
    )
    assert next_uri.startswith(f"/accounts/{DEFAULT_ACCOUNT_ID}/groups?")


def account_relative_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    next_uri, _ = _links_lead_to_the_adjacent_pages(variant, faithful, urljoin)
    assert next_uri.startswith("groups?start_position=6&")


def canonical_account_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    by_number = {"count": "3", "start_position": "3"}
    url = str(variant.base_url).rstrip("/").replace(DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER)
    data = variant.get(f"{url}/groups", params=by_number).json()
    assert f"/accounts/{DEFAULT_ACCOUNT_ID}/groups?" in data["nextUri"]
    faithful_url = (
        str(faithful.base_url).rstrip("/").replace(DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER)
    )
    expected = faithful.get(f"{faithful_url}/groups", params=by_number).json()
    assert f"/accounts/{DEFAULT_ACCOUNT_NUMBER}/groups?" in expected["nextUri"]
    reached = _follow(variant, url, data["nextUri"])
    assert reached["groups"] == _follow(faithful, faithful_url, expected["nextUri"])["groups"]
    assert both(variant, **MIDDLE) == both(faithful, **MIDDLE)  # by GUID: the same links


def query_only_links(variant: httpx.Client, faithful: httpx.Client) -> None:
    next_uri, _ = _links_lead_to_the_adjacent_pages(variant, faithful, urljoin)
    assert next_uri.startswith("?start_position=6&")


def link_query_style(variant: httpx.Client, faithful: httpx.Client) -> None:
    spaced = {"count": "2", "start_position": "2", "search_text": " "}
    assert get_json(variant, **spaced)["nextUri"].endswith(
        "/groups?count=2&search_text=+&start_position=4"
    )
    accented = {"count": "1", "start_position": "1", "search_text": "é"}
    assert get_json(variant, **accented)["previousUri"].endswith(
        "/groups?count=1&search_text=%c3%a9&start_position=0"
    )
    assert get_json(faithful, **spaced)["nextUri"].endswith(
        "/groups?start_position=4&count=2&search_text=%20"
    )
    # no count asked: the link carries none (the default count is the same on the next page)
    previous = get_json(variant, start_position="2")["previousUri"]
    assert previous == f"/restapi/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?start_position=0"
    _links_lead_to_the_adjacent_pages(variant, faithful, urljoin)


def previous_exact(variant: httpx.Client, faithful: httpx.Client) -> None:
    near = {"count": "5", "start_position": "2"}
    previous = get_json(variant, **near)["previousUri"]
    assert previous.endswith("/groups?start_position=0&count=2")
    assert get_json(faithful, **near)["previousUri"].endswith("/groups?start_position=0&count=5")
    page_url = str(variant.build_request("GET", "/groups", params=near).url)
    before = _follow(variant, page_url, previous)
    assert before["startPosition"] == "0"
    assert before["endPosition"] == "1"  # right before 2
    far = {"count": "3", "start_position": "6"}
    assert both(variant, **far) == both(faithful, **far)


# -- which data answers -----------------------------------------------------------------------


def small_default_count(variant: httpx.Client, faithful: httpx.Client) -> None:
    data = get_json(variant)
    assert data["resultSetSize"] == "10"
    assert data["totalSetSize"] == "14"
    assert data["nextUri"].endswith("start_position=10&count=10")
    assert get_json(faithful)["resultSetSize"] == "14"
    assert both(variant, count="100") == both(faithful, count="100")
    assert both(variant, count="3") == both(faithful, count="3")


def _folded(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


def groups_by_name(variant: httpx.Client, faithful: httpx.Client) -> None:
    data, xml = both(variant)
    names = [g["groupName"] for g in data["groups"]]
    assert names == sorted(names, key=_folded)
    assert names[:3] == ["Administrators", "capulets", "Customer Success"]
    expected = get_json(faithful)["groups"]
    assert sorted(data["groups"], key=lambda g: g["groupId"]) == expected
    assert [g["groupName"] for g in xml["groups"]] == names
    signing = [g["groupName"] for g in get_json(variant, "/signing_groups")["groups"]]
    assert signing == sorted(signing, key=_folded)


def accent_insensitive_search(variant: httpx.Client, faithful: httpx.Client) -> None:
    found = get_json(variant, search_text="equipe")["groups"]
    assert [g["groupName"] for g in found] == ["Équipe Lyon"]
    assert get_json(faithful, search_text="equipe")["groups"] == []
    assert [g["groupName"] for g in get_xml(variant, search_text="EQUIPE")["groups"]] == [
        "Équipe Lyon"
    ]
    assert both(variant, search_text="Sales") == both(faithful, search_text="Sales")


def case_sensitive_group_type(variant: httpx.Client, faithful: httpx.Client) -> None:
    assert get_json(variant, group_type="customgroup")["groups"] == []
    assert len(get_json(faithful, group_type="customgroup")["groups"]) == 12
    assert both(variant, group_type="CustomGroup") == both(faithful, group_type="CustomGroup")
    signing = "/signing_groups"
    assert get_json(variant, signing, group_type="CustomGroup")["groups"] == []
    assert len(get_json(faithful, signing, group_type="CustomGroup")["groups"]) == 3
    assert both(variant, signing, group_type="customGroup") == both(
        faithful, signing, group_type="customGroup"
    )


def atomic_batches(variant: httpx.Client, faithful: httpx.Client) -> None:
    batch = {"groups": [{"groupName": "atomic ok"}, {"groupName": "bad", "permissionProfileId": 9}]}
    refused = variant.post("/groups", json=batch)
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "INVALID_PERMISSION_PROFILE_ID"
    assert get_json(variant, search_text="atomic ok")["groups"] == []
    assert faithful.post("/groups", json=batch).status_code == 201
    users = {"newUsers": [{"userName": "Atomic", "email": "atomic@example.com"}, {"userName": "x"}]}
    root = xml_of_error(variant.post("/users", json=users, headers=XML))
    assert root.findtext(q("errorCode")) == "INVALID_EMAIL_ADDRESS_FOR_USER"
    ok = {"newUsers": [{"userName": "Atomic", "email": "atomic@example.com"}]}
    assert variant.post("/users", json=ok).json()["newUsers"][0]["userStatus"] == "ActivationSent"
    assert variant.post("/groups", json={"groups": [{"groupName": "atomic ok"}]}).status_code == 201


def xml_of_error(response: httpx.Response) -> etree._Element:
    assert response.status_code == 400, response.text
    root = etree.fromstring(response.content)
    assert root.tag == q("errorDetails")
    return root


# -- HTTP -------------------------------------------------------------------------------------


def _content_types(client: httpx.Client) -> tuple[str, str, str]:
    return (
        client.get("/groups").headers["content-type"],
        client.get("/groups", headers=XML).headers["content-type"],
        client.get("/groups", params={"count": "0"}, headers=XML).headers["content-type"],
    )


def charset_upper(variant: httpx.Client, faithful: httpx.Client) -> None:
    assert _content_types(variant) == (
        "application/json;charset=UTF-8",
        "application/xml;charset=UTF-8",
        "application/xml;charset=UTF-8",
    )
    same_everywhere(variant, faithful)


def charset_quoted(variant: httpx.Client, faithful: httpx.Client) -> None:
    assert _content_types(variant) == (
        'application/json; charset="utf-8"',
        'application/xml; charset="utf-8"',
        'application/xml; charset="utf-8"',
    )
    same_everywhere(variant, faithful)


def no_charset(variant: httpx.Client, faithful: httpx.Client) -> None:
    assert _content_types(variant) == ("application/json", "application/xml", "application/xml")
    same_everywhere(variant, faithful)


def text_xml(variant: httpx.Client, faithful: httpx.Client) -> None:
    assert _content_types(variant) == (
        "application/json; charset=utf-8",
        "text/xml; charset=utf-8",
        "text/xml; charset=utf-8",
    )
    same_everywhere(variant, faithful)


def gzip(variant: httpx.Client, faithful: httpx.Client) -> None:
    for headers in ({"accept-encoding": "gzip"}, {"accept-encoding": "gzip", **XML}):
        response = variant.get("/groups", headers=headers)
        assert response.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in faithful.get("/groups", headers=headers).headers
    plain = variant.get("/groups", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    same_everywhere(variant, faithful)  # httpx asks for gzip and decodes it


def deflate(variant: httpx.Client, faithful: httpx.Client) -> None:
    for headers in ({"accept-encoding": "deflate"}, {"accept-encoding": "gzip, deflate", **XML}):
        response = variant.get("/groups", headers=headers)
        assert response.headers["content-encoding"] == "deflate"
        assert int(response.headers["content-length"]) < len(response.content)
        assert "content-encoding" not in faithful.get("/groups", headers=headers).headers
    for plain in ("identity", "gzip", "deflate;q=0, br", "x-deflate"):
        response = variant.get("/groups", headers={"accept-encoding": plain})
        assert "content-encoding" not in response.headers, plain
    same_everywhere(variant, faithful)  # httpx asks for deflate and decodes it


def connection_close(variant: httpx.Client, faithful: httpx.Client) -> None:
    for _ in range(3):
        response = variant.get("/groups")
        assert response.headers["connection"] == "close"
    assert "connection" not in faithful.get("/groups").headers
    same_everywhere(variant, faithful)


def chunked(variant: httpx.Client, faithful: httpx.Client) -> None:
    for headers in ({}, XML):
        response = variant.get("/groups", headers=headers)
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        assert "content-length" in faithful.get("/groups", headers=headers).headers
    same_everywhere(variant, faithful)
    assert (
        variant.get("/groups", params={"count": "0"}).json()
        == faithful.get("/groups", params={"count": "0"}).json()
    )


def extra_headers(variant: httpx.Client, faithful: httpx.Client) -> None:
    response = variant.get("/groups")
    for name in ("x-docusign-tracetoken", "x-ratelimit-remaining", "x-burstlimit-remaining"):
        assert name in response.headers
        assert name not in faithful.get("/groups").headers
    assert response.headers["x-ratelimit-remaining"] != "0"
    assert "diglot-routing" in response.headers["set-cookie"]
    same_everywhere(variant, faithful)


DEMOS: dict[str, Demo] = {name: globals()[name.replace("-", "_")] for name in VARIANTS}


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    name = request.param
    with running(variant=name) as variant_url, running() as faithful_url:
        path = f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}"
        with (
            httpx.Client(base_url=variant_url + path, timeout=10) as variant,
            httpx.Client(base_url=faithful_url + path, timeout=10) as faithful,
        ):
            yield variant, faithful


@pytest.mark.parametrize("pair", sorted(VARIANTS), indirect=True)
def test_variant_shows_its_difference_and_the_same_data(
    pair: tuple[httpx.Client, httpx.Client], request: pytest.FixtureRequest
) -> None:
    name = request.node.callspec.params["pair"]
    DEMOS[name](*pair)


def test_every_variant_is_described() -> None:
    assert len(VARIANTS) >= 12
    for variant in VARIANTS.values():
        assert variant.name
        assert variant.description
        assert variant.reading


def test_a_fault_and_a_variant_combine() -> None:
    path = f"/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    with running(fault="xml-child-order", variant="xml-prefixed") as base_url:
        root = etree.fromstring(httpx.get(base_url + path, headers=XML).content)
    assert root.prefix == "ds"
    group = root.find(f"{q('groups')}/{q('group')}")
    assert group is not None
    assert local_names(group) == [
        "users",
        "permissionProfileId",
        "groupType",
        "groupName",
        "groupId",
    ]
    with running(fault="json-numbers-as-numbers", variant="json-nulls-omitted") as base_url:
        data = httpx.get(base_url + path, params={"count": "3"}).json()
    assert data["resultSetSize"] == 3
    assert "previousUri" not in data


def test_documented_child_order_is_kept_with_extras() -> None:
    # the variants never reorder documented children: the merge keeps ORDER's sequence
    from diglot.server._xml import child_order

    for shape, order in ORDER.items():
        body = dict.fromkeys(reversed(order), "x") | {"zzz": "x", "aaa": "x"}
        merged = child_order(shape, body)
        assert [name for name in merged if name in order] == list(order)


def test_list_variants(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--list-variants"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(VARIANTS)
    for index, variant in enumerate(VARIANTS.values()):
        line, point = lines[2 * index], lines[2 * index + 1]
        assert line.split()[0] == variant.name
        assert variant.description in line
        assert point.strip() == f"open point: {variant.reading}"


def test_unknown_variant_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--variant", "xml-prefix"]) == 2
    err = capsys.readouterr().err
    assert "unknown variant 'xml-prefix'" in err
    assert "xml-prefixed" in err
    assert "--list-variants" in err
    with pytest.raises(ValueError, match="Did you mean gzip"):
        get_variant("gzipp")
    with pytest.raises(ValueError, match="unknown variant"), running(variant="no-such-variant"):
        pass


def test_serve_names_the_variant() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "diglot", "serve", "--port", "0", "--variant", "gzip"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert "with variant gzip at http://127.0.0.1:" in first
            base_url = first.rsplit(" ", 1)[-1].strip()
            response = httpx.get(f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups")
            assert response.headers["content-encoding"] == "gzip"
        finally:
            process.kill()
            process.communicate()


def test_the_server_imports_no_checks_specs_or_strategies() -> None:
    code = (
        "import sys, diglot.server, diglot.cli.serve; "
        "from diglot.server import create_app, VARIANTS; "
        "[create_app(variant=name) for name in VARIANTS]; "
        "print(sorted(m for m in sys.modules if m.startswith(('diglot.specs', "
        "'diglot.contracts', 'diglot.strategies'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
