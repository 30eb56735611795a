"""The documentation's examples are fixtures: byte-faithful, and they validate structurally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diglot.errors import UsageError
from diglot.specs import example_names, load_spec, read_example

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
"""The four documentation pages the project was built from, copied from shared/seeds so the
examples are checked against them in every checkout."""
PLACEHOLDER_ERRORS = {
    # "sample string N" breaks the digit-string pattern and the userStatus enumeration; only that
    ("/resultSetSize", "pattern"),
    ("/totalSetSize", "pattern"),
    ("/startPosition", "pattern"),
    ("/endPosition", "pattern"),
    ("/groups/0/users/0/userStatus", "enum"),
}


def test_the_bundled_examples():
    assert example_names() == (
        "createGroups-request.json",
        "createUsers-201.json",
        "createUsers-request.json",
        "listGroups-200.json",
        "listGroups-200.xml",
        "listSigningGroups-200.json",
        "listSigningGroups-200.xml",
    )


def test_unknown_example_suggests_a_close_name():
    with pytest.raises(UsageError, match=r"listGroups-200\.json"):
        read_example("listgroups-200.json")


@pytest.mark.parametrize("name", example_names())
def test_examples_are_byte_faithful_to_the_seeds(name):
    seeds = b"".join(path.read_bytes() for path in sorted(SEEDS.glob("*.txt")))
    assert read_example(name) in seeds


def test_list_groups_json_fails_only_the_placeholder_value_constraints():
    spec = load_spec()
    errors = spec.validate_json("listGroups", 200, json.loads(read_example("listGroups-200.json")))
    assert {(e.location, e.keyword) for e in errors} == PLACEHOLDER_ERRORS
    assert len(errors) == len(PLACEHOLDER_ERRORS)


def test_list_groups_xml_fails_only_the_same_value_constraints():
    spec = load_spec()
    root = spec.codec.parse(read_example("listGroups-200.xml"))
    errors = spec.validate_xml(root, root_name="groupInformation")
    assert {(e.location, e.keyword) for e in errors} == {
        ("/groupInformation/resultSetSize", "pattern"),
        ("/groupInformation/totalSetSize", "pattern"),
        ("/groupInformation/startPosition", "pattern"),
        ("/groupInformation/endPosition", "pattern"),
        ("/groupInformation/groups/group[1]/users/userInfo[1]/userStatus", "enum"),
    }
    assert len(errors) == 5


def test_list_groups_with_the_placeholders_replaced_is_valid_in_both_forms():
    spec = load_spec()
    fixed = {"sample string 1": "1", "sample string 2": "1", "sample string 3": "0"}
    data = json.loads(read_example("listGroups-200.json"))
    for key in ("resultSetSize", "totalSetSize", "startPosition", "endPosition"):
        data[key] = fixed.get(data[key], "0")
    data["groups"][0]["users"][0]["userStatus"] = "Active"
    assert spec.validate_json("listGroups", 200, data) == []
    xml = spec.codec.encode("groupInformation", data)
    assert spec.validate_xml(spec.codec.parse(xml)) == []


def test_signing_groups_examples_are_valid_in_both_forms():
    spec = load_spec()
    data = json.loads(read_example("listSigningGroups-200.json"))
    assert spec.validate_json("listSigningGroups", 200, data) == []
    root = spec.codec.parse(read_example("listSigningGroups-200.xml"))
    assert spec.validate_xml(root, root_name="signingGroupInformation") == []


@pytest.mark.parametrize(
    ("operation", "name"),
    [("listGroups", "listGroups-200"), ("listSigningGroups", "listSigningGroups-200")],
)
def test_the_seed_xml_and_json_say_the_same_thing(operation, name):
    spec = load_spec()
    decoded = spec.codec.decode(spec.codec.parse(read_example(f"{name}.xml")))
    assert decoded == json.loads(read_example(f"{name}.json"))


def test_request_examples_validate_as_requests():
    spec = load_spec()
    groups = json.loads(read_example("createGroups-request.json"))
    assert groups["groups"][2]["permissionProfileId"] == 1597  # a JSON number, as documented
    assert spec.validate_request_json("createGroups", groups) == []
    users = json.loads(read_example("createUsers-request.json"))
    assert users["newUsers"][1]["userSettings"]["canSendEnvelope"] is True
    assert spec.validate_request_json("createUsers", users) == []


def test_request_examples_encode_to_xml_the_xsd_accepts():
    spec = load_spec()
    for op_id, name in (
        ("createGroups", "createGroups-request"),
        ("createUsers", "createUsers-request"),
    ):
        body = spec.operation(op_id).request_body
        assert body is not None
        xml = spec.codec.encode(body.xml_root, json.loads(read_example(f"{name}.json")))
        assert spec.validate_xml(spec.codec.parse(xml), root_name=body.xml_root) == []


def test_create_users_response_example_validates_with_its_entry_error():
    spec = load_spec()
    data = json.loads(read_example("createUsers-201.json"))
    assert spec.validate_json("createUsers", 201, data) == []
    assert data["newUsers"][0]["errorDetails"]["errorCode"] == "USER_ALREADY_EXISTS_IN_ACCOUNT"
    xml = spec.codec.encode("newUsersSummary", data)
    assert spec.validate_xml(spec.codec.parse(xml), root_name="newUsersSummary") == []
