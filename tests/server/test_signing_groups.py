from __future__ import annotations

import httpx
import pytest

from tests.server.conftest import XML, local_names, parse_xml, q

FIELDS = [
    "signingGroupId",
    "groupName",
    "groupType",
    "groupEmail",
    "created",
    "createdBy",
    "modified",
    "modifiedBy",
]


@pytest.mark.parametrize("include", [None, "false", "FALSE"])
def test_without_members(client: httpx.Client, include: str | None) -> None:
    params = {} if include is None else {"include_users": include}
    response = client.get("/signing_groups", params=params)
    assert response.status_code == 200
    groups = response.json()["groups"]
    assert len(groups) == 5
    assert all(list(group) == FIELDS for group in groups)
    assert {group["groupType"] for group in groups} == {"adminstrators", "everyone", "customGroup"}


def test_with_members(client: httpx.Client) -> None:
    groups = client.get("/signing_groups", params={"include_users": "true"}).json()["groups"]
    assert all(list(group) == [*FIELDS, "users"] for group in groups)
    contracts = next(g for g in groups if g["groupName"] == "Contracts & Approvals")
    assert len(contracts["users"]) == 3
    for user in contracts["users"]:
        assert list(user) == ["userName", "email"]
        assert len(user["userName"]) <= 100
    board = next(g for g in groups if g["groupName"] == "Board")
    assert board["users"] == []


def test_xml_matches_the_seed_example_structure(client: httpx.Client) -> None:
    response = client.get("/signing_groups", params={"include_users": "true"}, headers=XML)
    root = parse_xml(response)
    assert root.tag == q("signingGroupInformation")
    assert local_names(root) == ["groups"]
    groups = root.find(q("groups"))
    assert groups is not None
    assert set(local_names(groups)) == {"signingGroup"}
    first = groups[0]
    assert local_names(first) == [
        "created",
        "createdBy",
        "groupEmail",
        "groupName",
        "groupType",
        "modified",
        "modifiedBy",
        "signingGroupId",
        "users",
    ]
    member = first.find(f"{q('users')}/{q('signingGroupUser')}")
    assert member is not None
    assert local_names(member) == ["email", "userName"]


@pytest.mark.parametrize(("group_type", "count"), [("customGroup", 3), ("EVERYONE", 1), ("x", 0)])
def test_group_type_filter(client: httpx.Client, group_type: str, count: int) -> None:
    groups = client.get("/signing_groups", params={"group_type": group_type}).json()["groups"]
    assert len(groups) == count
    assert all(g["groupType"].casefold() == group_type.casefold() for g in groups)


@pytest.mark.parametrize("value", ["yes", "1", ""])
def test_bad_include_users_is_400(client: httpx.Client, value: str) -> None:
    response = client.get("/signing_groups", params={"include_users": value})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
