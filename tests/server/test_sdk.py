"""The official DocuSign Python SDK talks to the reference server and reads every field."""

from __future__ import annotations

import docusign_esign  # a dev dependency: its absence is a failure, not a skip
import pytest

from diglot.server import DEFAULT_ACCOUNT_ID


@pytest.fixture(scope="module")
def api_client(base_url: str) -> object:
    client = docusign_esign.ApiClient(host=base_url)
    client.set_default_header("Authorization", "Bearer diglot-dummy-token")
    return client


def test_list_groups(api_client: object) -> None:
    api = docusign_esign.GroupsApi(api_client)
    page = api.list_groups(DEFAULT_ACCOUNT_ID, count="3", start_position="0")
    assert isinstance(page, docusign_esign.GroupInformation)
    assert (page.result_set_size, page.total_set_size) == ("3", "14")
    assert (page.start_position, page.end_position) == ("0", "2")
    assert page.next_uri.endswith("start_position=3&count=3")
    assert page.previous_uri is None
    admin = page.groups[0]
    assert isinstance(admin, docusign_esign.Group)
    assert (admin.group_id, admin.group_name, admin.group_type) == (
        "10000001",
        "Administrators",
        "AdminGroup",
    )
    assert admin.permission_profile_id == "1595"
    user = admin.users[0]
    assert isinstance(user, docusign_esign.UserInfo)
    assert user.user_name == "Claire Horace"
    assert user.email == "claire@example.com"
    assert user.user_status == "Active"
    assert user.user_type == "CompanyUser"
    assert user.uri == f"/users/{user.user_id}"
    filtered = api.list_groups(DEFAULT_ACCOUNT_ID, search_text="lyon", group_type="CustomGroup")
    assert [g.group_name for g in filtered.groups] == ["Équipe Lyon"]


def test_create_groups(api_client: object) -> None:
    api = docusign_esign.GroupsApi(api_client)
    request = docusign_esign.GroupInformation(
        groups=[
            docusign_esign.Group(group_name="sdk montagues"),
            docusign_esign.Group(group_name="sdk nobles", permission_profile_id="1597"),
        ]
    )
    created = api.create_groups(DEFAULT_ACCOUNT_ID, group_information=request)
    assert [g.group_name for g in created.groups] == ["sdk montagues", "sdk nobles"]
    assert all(g.group_id and g.group_type == "CustomGroup" for g in created.groups)
    assert created.groups[1].permission_profile_id == "1597"
    listed = api.list_groups(DEFAULT_ACCOUNT_ID, search_text="sdk ")
    assert {g.group_id for g in listed.groups} == {g.group_id for g in created.groups}


def test_create_users(api_client: object) -> None:
    api = docusign_esign.UsersApi(api_client)
    definition = docusign_esign.NewUsersDefinition(
        new_users=[
            docusign_esign.UserInformation(user_name="Claire Horace", email="claire@example.com"),
            docusign_esign.UserInformation(
                user_name="Sdk Mason",
                email="sdk.mason@example.com",
                company="TeleSel",
                user_settings=docusign_esign.UserSettingsInformation(
                    locale="fr", can_send_envelope="true"
                ),
            ),
        ]
    )
    summary = api.create(DEFAULT_ACCOUNT_ID, new_users_definition=definition)
    existing, created = summary.new_users
    assert isinstance(existing, docusign_esign.NewUser)
    assert existing.error_details.error_code == "USER_ALREADY_EXISTS_IN_ACCOUNT"
    assert (
        existing.error_details.message
        == "Username and email combination already exists for this account."
    )
    assert existing.created_date_time == "0001-01-01T08:00:00.0000000Z"
    assert existing.uri == f"/users/{existing.user_id}"
    assert created.error_details is None
    assert (created.user_name, created.email, created.user_status) == (
        "Sdk Mason",
        "sdk.mason@example.com",
        "ActivationSent",
    )
    assert created.user_id
    assert created.uri == f"/users/{created.user_id}"
    assert created.created_date_time.endswith("Z")


def test_list_signing_groups_with_members(api_client: object) -> None:
    api = docusign_esign.SigningGroupsApi(api_client)
    info = api.list(DEFAULT_ACCOUNT_ID, include_users="true")
    assert isinstance(info, docusign_esign.SigningGroupInformation)
    group = next(g for g in info.groups if g.group_name == "Contracts & Approvals")
    assert isinstance(group, docusign_esign.SigningGroup)
    assert group.group_type == "customGroup"
    assert group.group_email == "contracts@example.com"
    assert group.signing_group_id
    assert group.created
    assert group.created_by
    assert group.modified
    assert group.modified_by
    assert next((u.user_name, u.email) for u in group.users) == (
        "Claire Horace",
        "claire@example.com",
    )
    assert all(isinstance(u, docusign_esign.SigningGroupUser) for u in group.users)
    without = api.list(DEFAULT_ACCOUNT_ID, group_type="adminstrators")
    assert [g.group_name for g in without.groups] == ["Administrators"]
    assert without.groups[0].users is None


def test_sdk_sees_the_documented_error(api_client: object) -> None:
    api = docusign_esign.GroupsApi(api_client)
    with pytest.raises(docusign_esign.client.api_exception.ApiException) as caught:
        api.list_groups(DEFAULT_ACCOUNT_ID, count="0")
    assert caught.value.status == 400
    assert b"INVALID_REQUEST_PARAMETER" in caught.value.body
