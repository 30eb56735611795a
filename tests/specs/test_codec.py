"""The XML codec: encode in XSD order, decode back, and never crash on odd XML."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from diglot.errors import UnsafeXml, UsageError
from diglot.model import JSONValue
from diglot.specs import load_spec
from diglot.specs._codec import NAMESPACE, XSI

from .jsongen import XML_TEXT, from_schema, normalise

SPEC = load_spec()
CODEC = SPEC.codec
HEAD = f'xmlns:i="{XSI}" xmlns="{NAMESPACE}"'


def test_roots_and_orders_come_from_the_xsd():
    assert set(CODEC.roots) == {
        "groupInformation",
        "signingGroupInformation",
        "errorDetails",
        "newUsersDefinition",
        "newUsersSummary",
        "userInfoList",
        "usersResponse",
    }
    assert CODEC.element_order("groupInformation") == (
        "endPosition",
        "nextUri",
        "previousUri",
        "resultSetSize",
        "startPosition",
        "totalSetSize",
        "groups",
    )
    assert CODEC.element_order("signingGroupUser") == ("email", "errorDetails", "userName")
    assert CODEC.list_items("group") == {"users": "userInfo"}
    assert CODEC.list_items("signingGroupInformation") == {"groups": "signingGroup"}
    assert CODEC.list_items("newUsersDefinition") == {"newUsers": "userInformation"}
    assert CODEC.list_items("newUsersSummary") == {"newUsers": "newUser"}
    assert CODEC.nillable("groupInformation") == ("nextUri", "previousUri")
    assert CODEC.child_type("groupInformation", "groups") == "group"
    assert CODEC.child_type("group", "groupName") is None
    with pytest.raises(UsageError, match="groupInformation"):
        CODEC.element_order("groupInfo")
    with pytest.raises(UsageError, match="has no child element 'x'"):
        CODEC.child_type("group", "x")


def test_encode_puts_children_in_xsd_order_with_wrappers_nil_and_text():
    data: dict[str, JSONValue] = {
        "groups": [{"groupName": "a", "groupId": "1", "users": []}],
        "totalSetSize": "1",
        "nextUri": None,
        "resultSetSize": 1,
    }
    assert (
        CODEC.encode("groupInformation", data)
        == (
            f'<groupInformation {HEAD}><nextUri i:nil="true"/><resultSetSize>1</resultSetSize>'
            "<totalSetSize>1</totalSetSize><groups><group><groupId>1</groupId>"
            "<groupName>a</groupName><users/></group></groups></groupInformation>"
        ).encode()
    )


def test_encode_booleans_numbers_and_unknown_keys_after_known_ones():
    data: dict[str, JSONValue] = {
        "newUsers": [
            {
                "zeta": {"deep": [1, 2]},
                "userSettings": {"canSendEnvelope": True, "locale": "fr"},
                "email": "e",
                "permissionProfileId": 1597,
            }
        ]
    }
    xml = CODEC.encode("newUsersDefinition", data).decode()
    assert (
        "<userInformation><email>e</email><permissionProfileId>1597</permissionProfileId>"
        "<userSettings><canSendEnvelope>true</canSendEnvelope><locale>fr</locale></userSettings>"
        "<zeta><deep>1</deep><deep>2</deep></zeta></userInformation>"
    ) in xml
    errors = SPEC.validate_xml(CODEC.parse(xml.encode()))
    assert [(e.location, e.keyword) for e in errors] == [
        ("/newUsersDefinition/newUsers/userInformation[1]/zeta", "content")
    ]


def test_encode_refuses_what_xml_cannot_say():
    with pytest.raises(UsageError, match=r"key 'two words' at /groupInformation/two words"):
        CODEC.encode("groupInformation", {"two words": "x"})
    with pytest.raises(UsageError, match=r"/groupInformation/groups\[0\]/groupName.*U\+0000"):
        CODEC.encode("groupInformation", {"groups": [{"groupName": "a\x00b"}]})
    with pytest.raises(UsageError, match="not a root element"):
        CODEC.encode("group", {})
    with pytest.raises(UsageError, match="Did you mean"):
        CODEC.encode("groupInformaton", {})
    assert CODEC.is_xml_name("groupName")
    assert not CODEC.is_xml_name("1st")
    assert not CODEC.is_xml_name("xmlThing")


def test_decode_lists_nil_and_empty_values():
    root = CODEC.parse(
        (
            f'<groupInformation {HEAD}>\n  <nextUri i:nil="true"/>\n  <previousUri></previousUri>'
            "<groups>\n    <group>\n      <errorDetails/>\n      <users/>\n    </group>\n  </groups>"
            "</groupInformation>"
        ).encode()
    )
    assert CODEC.decode(root) == {
        "nextUri": None,
        "previousUri": "",
        "groups": [{"errorDetails": {}, "users": []}],
    }


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b"<groupInformation/>", {}),  # no namespace: decoded, the XSD reports it
        (f"<other {HEAD}><a>1</a><b><c/></b></other>".encode(), {"a": "1", "b": {"c": ""}}),
        (f"<groupInformation {HEAD}>text only</groupInformation>".encode(), "text only"),
        (
            f"<groupInformation {HEAD}><groups><x>1</x><group/></groups></groupInformation>".encode(),
            {"groups": [{}]},  # the list holds its items; <x> is schema.body's to report
        ),
        (
            f"<groupInformation {HEAD}><resultSetSize><n>1</n></resultSetSize></groupInformation>".encode(),
            {"resultSetSize": {"n": "1"}},
        ),
        (
            f"<groupInformation {HEAD}><!-- c --><groups>junk<!-- c --></groups></groupInformation>".encode(),
            {"groups": []},
        ),
    ],
)
def test_decode_never_crashes_on_odd_xml(xml, expected):
    assert CODEC.decode(CODEC.parse(xml)) == expected


def test_parse_is_defused_and_refuses_any_dtd():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><errorDetails>&b;</errorDetails>'
    )
    with pytest.raises(UnsafeXml, match="DTD is not allowed"):
        CODEC.parse(bomb)
    external = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<errorDetails>&x;</errorDetails>"
    )
    with pytest.raises(UnsafeXml) as refused:
        CODEC.parse(external)
    assert "root:" not in str(refused.value)


def test_parse_drops_comments_and_processing_instructions_inside_text():
    root = CODEC.parse(b"<errorDetails><message>ab<!-- x -->cd<?pi y?>ef</message></errorDetails>")
    assert CODEC.decode(root) == {"message": "abcdef"}

    with pytest.raises(etree.XMLSyntaxError):
        CODEC.parse(b"<unclosed>")


def test_seed_xml_round_trips_to_the_same_bytes():
    import re

    from diglot.specs import read_example

    for name, root in (
        ("listGroups-200.xml", "groupInformation"),
        ("listSigningGroups-200.xml", "signingGroupInformation"),
    ):
        seed = read_example(name)
        compact = re.sub(rb">\s+<", b"><", seed).strip()
        assert CODEC.encode(root, CODEC.decode(CODEC.parse(seed))) == compact  # type: ignore[arg-type]


# ---------------------------------------------------------------- property tests

BODIES = [
    (
        f"{op.operation_id} {status}",
        body.xml_root,
        SPEC.response_schema(op.operation_id, status),
        False,
    )
    for op in SPEC.operations
    for status, body in op.responses.items()
] + [
    (
        f"{op.operation_id} request",
        op.request_body.xml_root,
        SPEC.request_schema(op.operation_id),
        True,
    )
    for op in SPEC.operations
    if op.request_body is not None
]
STRATEGIES = {label: from_schema(dict(schema)) for label, _, schema, _ in BODIES}


@pytest.mark.parametrize(
    ("label", "root", "schema", "is_request"), BODIES, ids=[b[0] for b in BODIES]
)
@settings(
    max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_generated_documents_encode_to_valid_xml_and_decode_back(
    label, root, schema, is_request, data
):
    document = data.draw(STRATEGIES[label], label=label)
    # the generator is an independent oracle: its documents satisfy the JSON schema
    op_id, status = label.split(" ")
    if is_request:
        assert SPEC.validate_request_json(op_id, document) == []
    else:
        assert SPEC.validate_json(op_id, int(status), document) == []
    xml = CODEC.encode(root, document)
    element = CODEC.parse(xml)
    assert SPEC.validate_xml(element, root_name=root) == []
    decoded = CODEC.decode(element)
    assert decoded == normalise(document, dict(schema))
    # the decoded form still satisfies the JSON schema (numbers and string-typed booleans
    # became strings; JSON-boolean properties came back as booleans)
    if is_request:
        assert SPEC.validate_request_json(op_id, decoded) == []
    else:
        assert SPEC.validate_json(op_id, int(status), decoded) == []
    # and encoding is deterministic and order-independent
    assert CODEC.encode(root, dict(reversed(list(document.items())))) == xml


@given(text=XML_TEXT)
def test_any_xml_text_survives_a_round_trip(text):
    xml = CODEC.encode("errorDetails", {"message": text})
    assert CODEC.decode(CODEC.parse(xml)) == {"message": text}


C0_CONTROLS = st.characters(max_codepoint=0x1F, exclude_characters="\t\n\r")


@given(before=XML_TEXT, bad=C0_CONTROLS, after=XML_TEXT)
def test_c0_control_characters_are_refused_with_the_place(before, bad, after):
    # XML 1.0 cannot carry C0 controls other than tab, newline and carriage return
    with pytest.raises(UsageError, match=f"/errorDetails/message.*U\\+{ord(bad):04X}"):
        CODEC.encode("errorDetails", {"message": before + bad + after})


def test_known_elements_cover_roots_children_and_items():
    known = CODEC.known_elements
    assert {"groupInformation", "groups", "group", "userInfo", "signingGroupUser"} <= known
    assert {"newUser", "userInformation", "userSettings", "canSendEnvelope"} <= known
    assert "surprise" not in known
