from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diglot.errors import UsageError
from diglot.server import DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER, MAX_BODY_BYTES, running
from tests.server.conftest import XML, parse_xml, q


@pytest.mark.parametrize(
    "path",
    ["/restapi/v2.1/accounts/x/envelopes", "/nothing", "/restapi/v2.1/accounts/x/groups/"],
)
def test_unknown_path_is_404_error_details(base_url: str, path: str) -> None:
    response = httpx.get(base_url.removesuffix("/restapi") + path)
    assert response.status_code == 404
    assert response.json()["errorCode"] == "RESOURCE_NOT_FOUND"


def test_wrong_method_is_405_error_details(client: httpx.Client) -> None:
    response = client.put("/groups", headers=XML)
    assert response.status_code == 405
    assert parse_xml(response).findtext(q("errorCode")) == "METHOD_NOT_ALLOWED"
    assert "POST" in response.headers["allow"]
    assert client.get("/users").status_code == 405


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"groups": [', "application/json"),
        (b"<groupInformation><groups>", "application/xml"),
        (b"", "application/json"),
        (b'{"groups": [{"groupName": NaN}]}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"[" * 100_000, "application/json"),
    ],
    ids=["json", "xml", "empty", "nan", "bytes", "deep"],
)
def test_malformed_bodies_are_400(client: httpx.Client, content: bytes, content_type: str) -> None:
    response = client.post("/groups", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"


def test_unsupported_media_type_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/groups",
        content=b"groupName=a",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_CONTENT_TYPE"


def test_doctype_and_entities_are_refused(client: httpx.Client) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<groupInformation><groups><group><groupName>&lol2;</groupName></group></groups>"
        b"</groupInformation>"
    )
    external = (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<groupInformation><groups><group><groupName>&e;</groupName></group></groups>"
        b"</groupInformation>"
    )
    for body in (bomb, external):
        response = client.post("/groups", content=body, headers={"content-type": "application/xml"})
        assert response.status_code == 400
        assert "DOCTYPE" in response.json()["message"]


def test_oversized_body_is_400(client: httpx.Client) -> None:
    big = b'{"groups": [' + b" " * (MAX_BODY_BYTES + 10) + b"]}"
    response = client.post("/groups", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "REQUEST_ENTITY_TOO_LARGE"


def test_text_xml_cannot_carry_is_refused(client: httpx.Client) -> None:
    response = client.post("/groups", json={"groups": [{"groupName": "bell\x07"}]})
    assert response.json()["groups"][0]["errorDetails"]["errorCode"] == "INVALID_GROUP_NAME"
    assert client.get("/groups", headers=XML).status_code == 200


_text = st.text(max_size=30)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_group = st.fixed_dictionaries(
    {},
    optional={
        "groupName": _json_values,
        "permissionProfileId": _json_values,
        "groupId": _json_values,
    },
)
_user = st.fixed_dictionaries(
    {}, optional={"userName": _json_values, "email": _json_values, "userSettings": _json_values}
)
_bodies = st.one_of(
    _json_values,
    st.fixed_dictionaries({"groups": st.lists(_group | _json_values, max_size=4)}),
    st.fixed_dictionaries({"newUsers": st.lists(_user | _json_values, max_size=4)}),
)


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    account=st.sampled_from([DEFAULT_ACCOUNT_ID, DEFAULT_ACCOUNT_NUMBER])
    | st.text(min_size=1, max_size=8),
    path=st.sampled_from(["groups", "users", "signing_groups", "unknown"]),
    method=st.sampled_from(["GET", "POST", "PUT"]),
    query=st.dictionaries(
        st.sampled_from(
            ["count", "start_position", "search_text", "group_type", "include_users", "zz"]
        ),
        st.text(max_size=12),
        max_size=4,
    ),
    body=_bodies,
    accept=st.sampled_from(["application/json", "application/xml", "text/xml;q=0.3", ""]),
    raw=st.none() | st.binary(max_size=64),
)
def test_never_5xx(
    caplog: pytest.LogCaptureFixture,
    client: httpx.Client,
    base_url: str,
    account: str,
    path: str,
    method: str,
    query: dict[str, str],
    body: object,
    accept: str,
    raw: bytes | None,
) -> None:
    headers = {"accept": accept}
    url = f"{base_url}/v2.1/accounts/{quote(account, safe='')}/{path}"
    if raw is not None:
        content_type = "application/xml" if raw[:1] == b"<" else "application/json"
        response = client.request(
            method,
            url,
            params=query,
            content=raw,
            headers={**headers, "content-type": content_type},
        )
    else:
        response = client.request(method, url, params=query, json=body, headers=headers)
    assert response.status_code < 500, response.text
    unexpected = [r for r in caplog.records if r.name == "diglot.server" and r.levelno >= 40]
    assert unexpected == [], unexpected[0].getMessage()
    if response.status_code >= 400:
        if response.headers["content-type"].startswith("application/xml"):
            assert parse_xml(response).findtext(q("errorCode"))
        else:
            assert response.json()["errorCode"]


def test_concurrent_creates_all_persist(base_url: str) -> None:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    errors: list[str] = []
    created: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        with httpx.Client(timeout=30) as session:
            for index in range(25):
                name = f"concurrent {number}-{index}"
                response = session.post(url, json={"groups": [{"groupName": name}]})
                if response.status_code != 201:
                    errors.append(response.text)
                    continue
                with lock:
                    created.append(response.json()["groups"][0]["groupId"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(created)) == 200
    listed: list[dict[str, str]] = []
    start = 0
    while True:
        body = httpx.get(
            url, params={"start_position": str(start), "search_text": "concurrent "}
        ).json()
        listed += body["groups"]
        if body["nextUri"] is None:
            break
        start += 100
    names = sorted(group["groupName"] for group in listed)
    assert names == sorted(f"concurrent {n}-{i}" for n in range(8) for i in range(25))
    assert sorted(group["groupId"] for group in listed) == sorted(created)


def test_db_file_survives_restarts(tmp_path: Path) -> None:
    db = str(tmp_path / "diglot.sqlite")
    with running(db_path=db) as url:
        groups = f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
        created = httpx.post(groups, json={"groups": [{"groupName": "persistent"}]}).json()
        users = f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/users"
        httpx.post(users, json={"newUsers": [{"userName": "Kept", "email": "kept@example.com"}]})
    with running(db_path=db) as url:
        groups = f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
        listed = httpx.get(groups).json()["groups"]
        assert created["groups"][0] in listed
        assert sum(group["groupName"] == "Administrators" for group in listed) == 1  # seeded once
        users = f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/users"
        again = httpx.post(
            users, json={"newUsers": [{"userName": "Kept", "email": "kept@example.com"}]}
        )
        assert (
            again.json()["newUsers"][0]["errorDetails"]["errorCode"]
            == "USER_ALREADY_EXISTS_IN_ACCOUNT"
        )


def test_unusable_db_path_is_a_usage_error(tmp_path: Path) -> None:
    with (
        pytest.raises(UsageError, match="--db"),
        running(db_path=str(tmp_path / "missing" / "x.db")),
    ):
        pass


def test_other_account_id(tmp_path: Path) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    with running(account_id=other) as url:
        assert httpx.get(f"{url}/v2.1/accounts/{other}/groups").status_code == 200
        assert httpx.get(f"{url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups").status_code == 400
