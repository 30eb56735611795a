"""XML for the reference server, written from the documentation's examples (lxml).

Element order is the examples' order, which is .NET DataContractSerializer's: a base type's
members first (the paging fields of ``groupInformation``), then the type's own, each
alphabetical. Shapes the documentation shows only in JSON (``newUsersSummary``, ``newUser``,
``errorDetails`` as a root) follow the same rule: alphabetical.

Reading is defused: no DTD (a body with a DOCTYPE is refused before parsing), no entity
resolution, no network, no huge trees; element names are read without their namespace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from lxml import etree

_XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry; replaced on output so that an answer is always XML."""

NS = "http://www.docusign.com/restapi"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# A body to render is a tree of dicts, lists of dicts, strings and None (nil).
Value: TypeAlias = "str | Mapping[str, Value] | list[Mapping[str, Value]] | None"
Node: TypeAlias = "Mapping[str, Value]"

ORDER: dict[str, tuple[str, ...]] = {
    "groupInformation": (
        "endPosition",
        "nextUri",
        "previousUri",
        "resultSetSize",
        "startPosition",
        "totalSetSize",
        "groups",
    ),
    "group": ("errorDetails", "groupId", "groupName", "groupType", "permissionProfileId", "users"),
    "userInfo": (
        "activationAccessCode",
        "email",
        "errorDetails",
        "loginStatus",
        "sendActivationEmail",
        "uri",
        "userId",
        "userName",
        "userStatus",
        "userType",
    ),
    "errorDetails": ("errorCode", "message"),
    "signingGroupInformation": ("groups",),
    "signingGroup": (
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
    ),
    "signingGroupUser": ("email", "errorDetails", "userName"),
    "newUsersSummary": ("newUsers",),
    "newUser": (
        "createdDateTime",
        "email",
        "errorDetails",
        "uri",
        "userId",
        "userName",
        "userStatus",
    ),
    "usersResponse": (
        "endPosition",
        "nextUri",
        "previousUri",
        "resultSetSize",
        "startPosition",
        "totalSetSize",
        "users",
    ),
}
"""Child order per documented shape."""

ITEMS: dict[tuple[str, str], str] = {
    ("groupInformation", "groups"): "group",
    ("group", "users"): "userInfo",
    ("signingGroupInformation", "groups"): "signingGroup",
    ("signingGroup", "users"): "signingGroupUser",
    ("newUsersSummary", "newUsers"): "newUser",
    ("usersResponse", "users"): "userInfo",
}
"""List-item element name per (shape, list field)."""

OBJECTS: dict[str, str] = {"errorDetails": "errorDetails"}
"""Shape of a nested object per field name."""

REQUEST_ITEMS: dict[tuple[str, str], str] = {
    ("groupInformation", "groups"): "group",
    ("newUsersDefinition", "newUsers"): "userInformation",
    ("group", "users"): "userInfo",
    ("userInfoList", "users"): "userInfo",
}
"""List-item element names accepted in request bodies."""


DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
"""The XML declaration the server writes by default (lxml's spelling)."""


@dataclass(frozen=True, slots=True)
class XmlStyle:
    """How to write XML; the defaults are the documented form, the rest serve faults and variants.

    Attributes:
        namespace: put the elements in the DocuSign namespace (False: no namespace; a fault).
        nil_in_xsi: write ``nil`` in the XML Schema instance namespace (False: a fault).
        root_names: shape -> another root element name (a fault).
        item_names: item shape -> another list-item element name (a fault).
        reversed_shapes: shapes whose children come in reverse order (a fault).
        orders: shape -> child order, for shapes the documentation does not have (a fault's
            own bodies); it takes precedence over ``ORDER``.
        escape: escape ``&`` in text (False: malformed XML; a fault).
        prefix: the DocuSign namespace's prefix; None declares it as the default namespace.
        nil_prefix: the prefix of the XML Schema instance namespace (``i`` as in the examples).
        nil_value: the value of the nil attribute: ``true``, or ``1`` (XML Schema's other
            lexical form of the same boolean).
        extra_namespaces: prefix -> namespace, declared on the root though unused.
        pretty: indent the elements, one per line.
        declaration: the XML declaration written first; None writes none.
        encoding: the character encoding of the bytes (the declaration must name it, or be
            None with UTF-8); ``utf-16`` starts with a byte order mark.
        char_refs: write non-ASCII characters as numeric character references, and text with
            markup characters (``&``, ``<``, ``>``) as CDATA sections.
    """

    namespace: bool = True
    nil_in_xsi: bool = True
    root_names: Mapping[str, str] = field(default_factory=dict)
    item_names: Mapping[str, str] = field(default_factory=dict)
    reversed_shapes: frozenset[str] = frozenset()
    orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    escape: bool = True
    prefix: str | None = None
    nil_prefix: str = "i"
    nil_value: str = "true"
    extra_namespaces: Mapping[str, str] = field(default_factory=dict)
    pretty: bool = False
    declaration: str | None = DECLARATION
    encoding: str = "utf-8"
    char_refs: bool = False


def render(shape: str, body: Node, style: XmlStyle | None = None) -> bytes:
    """Write ``body`` as the XML element ``shape``, with the declaration, in UTF-8."""
    style = style or XmlStyle()
    nsmap: dict[str | None, str] = dict(style.extra_namespaces.items())
    nsmap[style.nil_prefix] = XSI
    if style.namespace:
        nsmap[style.prefix] = NS
    root = etree.Element(_name(style.root_names.get(shape, shape), style), nsmap=nsmap)
    _fill(root, shape, body, style)
    if style.char_refs:  # lxml writes what ASCII cannot hold as character references
        text = etree.tostring(root, encoding="us-ascii", pretty_print=style.pretty).decode()
    else:
        text = etree.tostring(root, encoding="unicode", pretty_print=style.pretty)
    if not style.escape:
        text = text.replace("&amp;", "&")
    return ((style.declaration or "") + text).encode(style.encoding)


def child_order(
    shape: str, body: Node, orders: Mapping[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The order of ``body``'s children: the documented order, other names merged in.

    DataContractSerializer writes a type's members alphabetically (ordinal), so a member the
    documentation does not list goes where the alphabet puts it among the documented ones.
    ``orders`` gives the order of shapes beyond ``ORDER`` (and takes precedence over it).
    """
    documented = (orders or {}).get(shape) or ORDER.get(shape, ())
    extras = sorted(name for name in body if name not in documented)
    names: list[str] = []
    for name in (name for name in documented if name in body):
        while extras and extras[0] < name:
            names.append(extras.pop(0))
        names.append(name)
    return names + extras


def _name(local: str, style: XmlStyle) -> str:
    return f"{{{NS}}}{local}" if style.namespace else local


def _text(text: str, style: XmlStyle) -> str | etree.CDATA:
    text = _XML_UNSAFE.sub("\ufffd", text)
    # a CDATA section only where it can hold the text: ASCII (the rest become character
    # references), no "]]>"
    if style.char_refs and any(c in text for c in "&<>") and text.isascii() and "]]>" not in text:
        return etree.CDATA(text)
    return text


def _fill(element: etree._Element, shape: str, body: Node, style: XmlStyle) -> None:
    names = child_order(shape, body, style.orders)
    if shape in style.reversed_shapes:
        names.reverse()
    for name in names:
        value = body[name]
        child = etree.SubElement(element, _name(name, style))
        if value is None:
            child.set(f"{{{XSI}}}nil" if style.nil_in_xsi else "nil", style.nil_value)
        elif isinstance(value, str):
            child.text = _text(value, style)
        elif isinstance(value, list):
            item_shape = ITEMS.get((shape, name), name)
            item_name = style.item_names.get(item_shape, item_shape)
            for item in value:
                _fill(etree.SubElement(child, _name(item_name, style)), item_shape, item, style)
        else:
            _fill(child, OBJECTS.get(name, name), value, style)


class XmlBodyError(ValueError):
    """A request body that is not acceptable XML; the message says why."""


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "dtd_validation": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse(body: bytes) -> tuple[str, dict[str, object]]:
    """Read a request body: the root's local name and its content as JSON-like data.

    Lists are the documented containers (``groups``, ``newUsers``, ``users``), whose items
    must carry the documented element names; an element with ``i:nil="true"`` is None, a
    leaf is its text ('' when empty).

    Raises:
        XmlBodyError: malformed XML, a DOCTYPE, or an unexpected list-item name.
    """
    if b"<!DOCTYPE" in body.upper():
        raise XmlBodyError("a DOCTYPE is not allowed in a request body")
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[call-overload]
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlBodyError(f"malformed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise XmlBodyError("a DOCTYPE is not allowed in a request body")
    shape = etree.QName(root).localname
    return shape, _read_object(root, shape)


def _read_object(element: etree._Element, shape: str) -> dict[str, object]:
    data: dict[str, object] = {}
    for child in element:
        if isinstance(child, etree._Entity):
            raise XmlBodyError("entity references are not allowed in a request body")
        name = etree.QName(child).localname
        item_name = REQUEST_ITEMS.get((shape, name))
        if item_name is not None:
            items: list[object] = []
            for item in child:
                if isinstance(item, etree._Entity):
                    raise XmlBodyError("entity references are not allowed in a request body")
                local = etree.QName(item).localname
                if local != item_name:
                    raise XmlBodyError(
                        f"<{name}> holds <{local}>; the documented item element is <{item_name}>"
                    )
                items.append(_read_object(item, item_name))
            data[name] = items
        elif child.get(f"{{{XSI}}}nil") == "true":
            data[name] = None
        elif len(child):
            data[name] = _read_object(child, name)
        else:
            data[name] = child.text or ""
    return data
