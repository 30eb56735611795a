"""JSON Schema and XML Schema describe the same shapes: same fields, same facets.

The XSD is walked here with plain lxml, independently of the codec, and the codec is then
checked against the same walk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree

from diglot.specs import bundled_file, load_spec
from diglot.specs._codec import NAMESPACE

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
DOC = json.loads(bundled_file("openapi.json"))
SCHEMAS: dict[str, Any] = DOC["components"]["schemas"]
XSD = etree.fromstring(bundled_file("restapi.xsd"))
# request-side variants share the XML type of their response twin (one global element per
# root): their fields are a subset of it and may be looser (permissionProfileId as a number)
REQUEST_VARIANTS = {"groupsRequest", "groupRequest"}


@dataclass(frozen=True)
class XsdChild:
    name: str
    type: str
    nillable: bool
    min_occurs: str


def _children(type_name: str) -> list[XsdChild]:
    (node,) = XSD.xpath(f"xs:complexType[@name='{type_name}']", namespaces=XS)
    return [
        XsdChild(e.get("name"), e.get("type"), e.get("nillable") == "true", e.get("minOccurs", "1"))
        for e in node.xpath("xs:sequence/xs:element", namespaces=XS)
    ]


def _type_of_element(name: str) -> str:
    types = {e.get("type") for e in XSD.xpath(f"//xs:element[@name='{name}']", namespaces=XS)}
    assert len(types) == 1, (name, types)
    return str(types.pop())


def _facets(simple_type: str) -> dict[str, Any]:
    if simple_type.startswith("xs:"):
        assert simple_type == "xs:string"
        return {}
    (restriction,) = XSD.xpath(
        f"xs:simpleType[@name='{simple_type}']/xs:restriction", namespaces=XS
    )
    if restriction.get("base") == "xs:boolean":
        # a JSON boolean; XML text true or false only
        assert [(etree.QName(f).localname, f.get("value")) for f in restriction] == [
            ("pattern", "true|false")
        ]
        return {"type": "boolean"}
    assert restriction.get("base") == "xs:string"
    facets: dict[str, Any] = {}
    for facet in restriction:
        if not isinstance(facet.tag, str):
            continue
        kind = etree.QName(facet).localname
        if kind == "enumeration":
            facets.setdefault("enum", []).append(facet.get("value"))
        elif kind == "pattern":
            facets["pattern"] = f"^{facet.get('value')}$"  # XSD patterns are anchored
        elif kind == "maxLength":
            facets["maxLength"] = int(facet.get("value"))
        else:
            raise AssertionError(f"unexpected facet {kind}")
    return facets


def _json_facets(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "boolean":
        return {"type": "boolean"}
    facets: dict[str, Any] = {k: schema[k] for k in ("pattern", "maxLength") if k in schema}
    if "enum" in schema:
        facets["enum"] = [v for v in schema["enum"] if isinstance(v, str)]
    return facets


def _component(ref: str) -> str:
    return ref.rsplit("/", 1)[1]


@pytest.mark.parametrize("component", sorted(SCHEMAS))
def test_each_shape_has_the_same_fields_and_facets_in_both(component):
    schema = SCHEMAS[component]
    xml_type = _type_of_element(schema["xml"]["name"])
    xsd_children = {c.name: c for c in _children(xml_type)}
    properties = schema["properties"]
    if component in REQUEST_VARIANTS:
        assert set(properties) <= set(xsd_children)
    else:
        assert set(properties) == set(xsd_children)
    for name, prop in properties.items():
        child = xsd_children[name]
        assert child.min_occurs == "0", (component, name)  # nothing required in a shape
        assert child.nillable is (prop.get("type") == ["string", "null"]), (component, name)
        if prop.get("type") == "array":
            item = SCHEMAS[_component(prop["items"]["$ref"])]
            (item_child,) = _children(child.type)  # a wrapper holds one repeated item element
            assert item_child.name == item["xml"]["name"], (component, name)
            assert item_child.type == _type_of_element(item["xml"]["name"])
            if component not in REQUEST_VARIANTS:
                (item_el,) = XSD.xpath(
                    f"xs:complexType[@name='{child.type}']/xs:sequence/xs:element", namespaces=XS
                )
                assert item_el.get("minOccurs") == str(prop.get("minItems", 0))
                assert item_el.get("maxOccurs") == str(prop.get("maxItems", "unbounded"))
        elif "$ref" in prop:
            target = SCHEMAS[_component(prop["$ref"])]
            assert child.type == _type_of_element(target["xml"]["name"]), (component, name)
        else:
            assert _facets(child.type) == _json_facets(prop), (component, name)


def test_every_xsd_type_is_described_in_json():
    described = {_type_of_element(s["xml"]["name"]) for s in SCHEMAS.values()}
    for node in XSD.xpath("xs:complexType", namespaces=XS):
        name = node.get("name")
        if name.startswith("ArrayOf"):
            continue
        assert name in described, name


def test_xsd_is_namespaced_and_qualified():
    assert XSD.get("targetNamespace") == NAMESPACE
    assert XSD.get("elementFormDefault") == "qualified"
    assert XSD.xpath("xs:element/@name", namespaces=XS) == [
        "groupInformation",
        "signingGroupInformation",
        "errorDetails",
        "newUsersDefinition",
        "newUsersSummary",
        "userInfoList",
        "usersResponse",
    ]
    assert all(
        e.get("minOccurs") == "0"
        for e in XSD.xpath(
            "xs:complexType[not(starts-with(@name, 'ArrayOf'))]//xs:element", namespaces=XS
        )
    )


@pytest.mark.parametrize(
    ("xml_type", "order"),
    [
        # as the documentation's XML examples show them
        (
            "groupInformation",
            [
                "endPosition",
                "nextUri",
                "previousUri",
                "resultSetSize",
                "startPosition",
                "totalSetSize",
                "groups",
            ],
        ),
        # with the properties of DocuSign's published description in their ordinal places
        (
            "group",
            [
                "accessType",
                "dsGroupId",
                "errorDetails",
                "groupId",
                "groupName",
                "groupType",
                "isManagedByScim",
                "lastModifiedOn",
                "permissionProfileId",
                "userGroupType",
                "users",
                "usersCount",
            ],
        ),
        (
            "userInfo",
            [
                "accountId",
                "accountName",
                "activationAccessCode",
                "email",
                "errorDetails",
                "ipAddress",
                "loginStatus",
                "membershipId",
                "sendActivationEmail",
                "uri",
                "userId",
                "userName",
                "userStatus",
                "userType",
            ],
        ),
        ("errorDetails", ["errorCode", "message"]),
        ("signingGroupInformation", ["groups"]),
        (
            "signingGroup",
            [
                "created",
                "createdBy",
                "errorDetails",
                "groupEmail",
                "groupName",
                "groupType",
                "modified",
                "modifiedBy",
                "signingGroupId",
                "users",
            ],
        ),
        ("signingGroupUser", ["email", "errorDetails", "userName"]),
    ],
)
def test_child_order_is_the_documented_one(xml_type, order):
    assert [c.name for c in _children(xml_type)] == order


@pytest.mark.parametrize(
    "xml_type",
    [
        # no documented example
        "userInformation",
        "userSettings",
        "newUser",
        "newUsersSummary",
        # documented ones, whose examples are ordinal too (added elements must keep it)
        "group",
        "userInfo",
        "errorDetails",
        "signingGroup",
        "signingGroupUser",
    ],
)
def test_every_type_but_group_information_is_in_ordinal_order(xml_type):
    names = [c.name for c in _children(xml_type)]
    assert names == sorted(names)  # .NET DataContractSerializer: ordinal order


def test_the_codec_agrees_with_the_xsd():
    codec = load_spec().codec
    for node in XSD.xpath("xs:complexType", namespaces=XS):
        name = node.get("name")
        if name.startswith("ArrayOf"):
            continue
        children = _children(name)
        assert codec.element_order(name) == tuple(c.name for c in children)
        assert codec.nillable(name) == tuple(c.name for c in children if c.nillable)
        wrappers = {
            c.name: _children(c.type)[0].name for c in children if c.type.startswith("ArrayOf")
        }
        assert codec.list_items(name) == wrappers
        assert codec.booleans(name) == tuple(c.name for c in children if c.type == "trueOrFalse")


def test_elements_from_docusigns_openapi_are_marked_in_both():
    marked_json = {
        (_type_of_element(schema["xml"]["name"]), prop)
        for name, schema in SCHEMAS.items()
        if name not in REQUEST_VARIANTS
        for prop, sub in schema["properties"].items()
        if sub.get("x-diglot-source") == "docusign-openapi"
    }
    marked_xsd = {
        (element.xpath("ancestor::xs:complexType/@name", namespaces=XS)[0], element.get("name"))
        for element in XSD.xpath(
            "//xs:element[xs:annotation/xs:appinfo = 'docusign-openapi']", namespaces=XS
        )
    }
    assert marked_json == marked_xsd
    assert len(marked_json) == 13
