"""The XML codec: JSON-shaped data to XML bytes in the restapi namespace, and back.

Everything it knows comes from walking the XML Schema once: for each complex type, its child
elements in order, which of them are wrapped lists of which item element, which are
nillable. Nothing here is a hand-written table of DocuSign's shapes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from lxml import etree

from diglot.errors import InvalidSpec, UsageError
from diglot.specs import _safexml as safexml

if TYPE_CHECKING:
    from diglot.model import JSONValue

NAMESPACE = "http://www.docusign.com/restapi"
"""The namespace of every DocuSign REST API XML body."""
XSI = "http://www.w3.org/2001/XMLSchema-instance"
"""The XML Schema instance namespace (``xsi:nil``), bound to the prefix ``i`` as in the docs."""

_XS = "http://www.w3.org/2001/XMLSchema"
_XS_ELEMENT = f"{{{_XS}}}element"
_XS_COMPLEX = f"{{{_XS}}}complexType"
_XS_SIMPLE = f"{{{_XS}}}simpleType"
_XS_RESTRICTION = f"{{{_XS}}}restriction"
_XS_SEQUENCES = {f"{{{_XS}}}sequence", f"{{{_XS}}}all", f"{{{_XS}}}choice"}
_NIL = f"{{{XSI}}}nil"
_NSMAP = {"i": XSI, None: NAMESPACE}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class _Child:
    """One child element of a complex type, as the XSD declares it."""

    name: str
    type_name: str | None
    """The complex type of the element; None for a simple (text) element."""
    nillable: bool
    item: str | None
    """For a wrapped list (a type holding one repeated element): the item element's name."""
    item_type: str | None
    """The item's complex type; None for text items."""
    boolean: bool = False
    """A text element of a type derived from xs:boolean: decoded to a JSON boolean."""


class XmlCodec:
    """Turns JSON-shaped data into the documented XML and back, as the XSD describes it.

    Built once by ``load_spec`` from the compiled XML Schema; use ``Spec.codec``.

    Normalisations (the XML form has only text): booleans become ``true``/``false``,
    numbers become their decimal text, ``None`` becomes ``xsi:nil="true"``; decoding gives
    strings back, so ``decode(encode(d))`` equals ``d`` with those scalars turned to strings.
    The one exception: an element whose XSD type derives from ``xs:boolean`` (a property the
    JSON form carries as a JSON boolean) decodes ``true``/``false`` to a JSON boolean.

    Example:
        >>> codec = load_spec().codec
        >>> codec.encode("errorDetails", {"message": "m", "errorCode": "E"})
        b'<errorDetails xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.docusign.com/restapi"><errorCode>E</errorCode><message>m</message></errorDetails>'
    """

    __slots__ = ("_children", "_lookup", "_roots", "_wrappers")

    NAMESPACE: ClassVar[str] = NAMESPACE
    """The namespace of every body: ``http://www.docusign.com/restapi``."""
    XSI: ClassVar[str] = XSI
    """The XML Schema instance namespace (``xsi:nil``), bound to the prefix ``i``."""

    def __init__(self, xsd_document: etree._Element | etree._ElementTree) -> None:
        """Walk an XML Schema document (already known to compile) for its shapes.

        Args:
            xsd_document: the parsed ``restapi.xsd``.

        Raises:
            InvalidSpec: the schema uses a construct the codec cannot map to JSON.
        """
        root = (
            xsd_document.getroot() if isinstance(xsd_document, etree._ElementTree) else xsd_document
        )
        self._children: dict[str, tuple[_Child, ...]] = {}
        self._roots: dict[str, str] = {}
        named = {
            node.get("name", ""): node
            for node in root.iterchildren(_XS_COMPLEX)
            if node.get("name")
        }
        list_types = {
            name: item for name, node in named.items() if (item := _list_item(node)) is not None
        }
        booleans = _boolean_types(root)
        anonymous = 0
        pending: list[tuple[str, etree._Element]] = list(named.items())
        while pending:
            type_name, node = pending.pop()
            if type_name in list_types:
                continue
            children = []
            for element in _sequence_elements(node):
                name = element.get("name")
                if not name:
                    raise InvalidSpec(
                        f"restapi.xsd: complex type {type_name!r} has an element without a "
                        "name (a ref?); declare every child element with name and type."
                    )
                child_type: str | None = _local(element.get("type", ""))
                inline = element.find(_XS_COMPLEX)
                if inline is not None:
                    anonymous += 1
                    child_type = f"#anonymous{anonymous}"
                    pending.append((child_type, inline))
                    if (item := _list_item(inline)) is not None:
                        list_types[child_type] = item
                item_name = item_type = None
                if child_type in list_types:
                    item_element = list_types[child_type]
                    item_name = item_element.get("name")
                    item_type = _complex_or_none(_local(item_element.get("type", "")), named)
                    item_inline = item_element.find(_XS_COMPLEX)
                    if item_inline is not None:
                        anonymous += 1
                        item_type = f"#anonymous{anonymous}"
                        pending.append((item_type, item_inline))
                    child_type = None
                elif child_type is not None and not child_type.startswith("#"):
                    child_type = _complex_or_none(child_type, named)
                children.append(
                    _Child(
                        name=name,
                        type_name=child_type,
                        nillable=element.get("nillable") == "true",
                        item=item_name,
                        item_type=item_type,
                        boolean=_is_boolean(element, "type", booleans),
                    )
                )
            self._children[type_name] = tuple(children)
        for element in root.iterchildren(_XS_ELEMENT):
            name = element.get("name", "")
            type_name = _local(element.get("type", ""))
            if type_name not in self._children:
                raise InvalidSpec(
                    f"restapi.xsd: global element {name!r} has type {type_name!r}, which is not "
                    "a complex type of the schema; give every root a named complex type."
                )
            self._roots[name] = type_name
        self._lookup = {
            type_name: {f"{{{NAMESPACE}}}{c.name}": c for c in children}
            for type_name, children in self._children.items()
        }
        self._wrappers = frozenset(
            c.name for children in self._children.values() for c in children if c.item
        )

    # ------------------------------------------------------------------ introspection

    @property
    def known_elements(self) -> frozenset[str]:
        """Every element name the schema declares anywhere: roots, children, list items."""
        names = set(self._roots)
        for children in self._children.values():
            for child in children:
                names.add(child.name)
                if child.item:
                    names.add(child.item)
        return frozenset(names)

    @property
    def roots(self) -> tuple[str, ...]:
        """The global (root) element names the schema declares."""
        return tuple(self._roots)

    def element_order(self, type_or_root: str) -> tuple[str, ...]:
        """The child element names of a type or root element, in the order the XSD fixes.

        Args:
            type_or_root: a root element name (``groupInformation``) or a complex type name
                (``group``, ``userInfo``).

        Returns:
            The children's local names, in document order.

        Raises:
            UsageError: the name is neither a root element nor a complex type.

        Example:
            >>> load_spec().codec.element_order("errorDetails")
            ('errorCode', 'message')
        """
        return tuple(c.name for c in self._children[self._type(type_or_root)])

    def list_items(self, type_or_root: str) -> dict[str, str]:
        """The wrapped lists of a type: wrapper element name -> item element name."""
        return {c.name: c.item for c in self._children[self._type(type_or_root)] if c.item}

    def nillable(self, type_or_root: str) -> tuple[str, ...]:
        """The children of a type that may be ``xsi:nil="true"`` (JSON null)."""
        return tuple(c.name for c in self._children[self._type(type_or_root)] if c.nillable)

    def booleans(self, type_or_root: str) -> tuple[str, ...]:
        """The children of a type whose XSD type derives from xs:boolean (JSON booleans)."""
        return tuple(c.name for c in self._children[self._type(type_or_root)] if c.boolean)

    def child_type(self, type_or_root: str, child: str) -> str | None:
        """The complex type of a child element (of a list's items, for a wrapper); None for text."""
        for c in self._children[self._type(type_or_root)]:
            if c.name == child:
                return c.item_type if c.item else c.type_name
        raise UsageError(
            f"XML type {type_or_root!r} has no child element {child!r}; "
            f"it has {', '.join(self.element_order(type_or_root)) or 'none'}."
        )

    def is_wrapper(self, name: str) -> bool:
        """Whether ``name`` is the wrapper element of a list somewhere in the schema."""
        return name in self._wrappers

    @staticmethod
    def is_xml_name(name: str) -> bool:
        """Whether a JSON key can be an XML element name (and so can be encoded)."""
        return bool(_NAME.match(name)) and not name.lower().startswith("xml")

    def _type(self, type_or_root: str) -> str:
        if type_or_root in self._roots:
            return self._roots[type_or_root]
        if type_or_root in self._children:
            return type_or_root
        known = sorted({*self._roots, *(t for t in self._children if not t.startswith("#"))})
        close = difflib.get_close_matches(type_or_root, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Known: {', '.join(known)}."
        raise UsageError(f"{type_or_root!r} is neither an XML root element nor a type.{hint}")

    def undocumented_elements(self, root: etree._Element) -> list[etree._Element]:
        """Every element its parent's type does not declare, judged per parent as in JSON.

        An element named like one declared elsewhere in the schema (a ``<newUser>`` inside a
        ``<userInfo>``) is undocumented there all the same, and so is one in another
        namespace (an extension). Inside a list's wrapper, an element other than the list's
        item is not an added property but a broken list: it is left to the XSD. The children
        of an undocumented element are not visited; an unknown root has no documented
        children.

        Args:
            root: the root element of a body.

        Returns:
            The undocumented elements, in document order.
        """
        found: list[etree._Element] = []
        local = _local_tag(root.tag)
        root_type = self._roots.get(local) if local is not None else None
        if root_type is not None and root.tag == f"{{{NAMESPACE}}}{local}":
            self._undocumented(root, root_type, None, found)
        return found

    @staticmethod
    def undocumented_attributes(root: etree._Element) -> list[tuple[etree._Element, str]]:
        """Every extension attribute, as (element, attribute name).

        An extension attribute is one in a namespace of its own (``xml:lang``,
        ``ext:source``). The schema declares no attribute; those of the XML Schema instance namespace
        (``xsi:nil``, ``xsi:type``) are XML Schema's own, and an unqualified attribute
        belongs to the element's own vocabulary, which has none (``nil="true"`` without its
        namespace is a broken nil): both are left to the XSD.
        """
        return [
            (element, name)
            for element in root.iter()
            if isinstance(element.tag, str)
            for name in element.attrib
            if str(name).startswith("{") and not str(name).startswith(f"{{{XSI}}}")
        ]

    def _undocumented(
        self,
        element: etree._Element,
        type_name: str | None,
        item: str | None,
        found: list[etree._Element],
    ) -> None:
        lookup = self._lookup.get(type_name, _EMPTY) if type_name is not None else _EMPTY
        for node in element:
            tag = node.tag
            if not isinstance(tag, str):
                continue
            if item is not None:
                # inside a list's wrapper only its item element belongs: anything else is not
                # an added property but a broken list, for the XSD to report
                if tag == f"{{{NAMESPACE}}}{item}":
                    self._undocumented(node, type_name, None, found)
                continue
            known = lookup.get(tag)
            if known is None:
                if type_name is not None:
                    found.append(node)
            elif known.item is not None:
                self._undocumented(node, known.item_type, known.item, found)
            elif known.type_name is not None:
                self._undocumented(node, known.type_name, None, found)

    # ------------------------------------------------------------------ parse

    @staticmethod
    def parse(body: bytes) -> etree._Element:
        """Parse an XML body safely: no entity expansion, no network, no DTD at all.

        Comments and processing instructions are dropped (text around them joins up).

        Args:
            body: the bytes as received.

        Returns:
            The root element.

        Raises:
            lxml.etree.XMLSyntaxError: the body is not well-formed XML (a finding for the
                caller to report, not a diglot error).
            diglot.specs.UnsafeXml: the body carries a ``<!DOCTYPE>`` (a DiglotError and a
                ValueError); nothing it names was read.
        """
        return safexml.parse(body)

    # ------------------------------------------------------------------ encode

    def encode(self, root: str, data: Mapping[str, JSONValue]) -> bytes:
        """Write JSON-shaped data as the documented XML body.

        Children come in XSD order, lists inside their wrapper with the item element, None as
        ``xsi:nil="true"``, booleans as ``true``/``false``, numbers as text. Keys the XSD does
        not know are appended after the known ones (so invalid-request generation can send
        unknown properties in XML too); a list where the XSD expects one element repeats it.

        Args:
            root: the root element (``Body.xml_root``), e.g. ``groupInformation``.
            data: the body as JSON would carry it.

        Returns:
            UTF-8 bytes without an XML declaration, ``xmlns:i`` declared on the root as in the
            documentation's examples.

        Raises:
            UsageError: ``root`` is not a root element of the schema, a key cannot be an XML
                element name, or a string holds characters XML 1.0 cannot carry.

        Example:
            >>> load_spec().codec.encode("groupInformation", {"groups": []})
            b'<groupInformation xmlns:i="..." xmlns="..."><groups/></groupInformation>'
        """
        if root not in self._roots:
            self._type(root)  # raises with close matches
            raise UsageError(f"{root!r} is an XML type, not a root element; use a root element.")
        element = etree.Element(f"{{{NAMESPACE}}}{root}", nsmap=_NSMAP)
        self._fill(element, self._roots[root], dict(data), f"/{root}")
        return etree.tostring(element, encoding="utf-8")

    def _fill(
        self, element: etree._Element, type_name: str | None, value: JSONValue, at: str
    ) -> None:
        if value is None:
            element.set(_NIL, "true")
            return
        if isinstance(value, dict):
            children = self._children.get(type_name, ()) if type_name else ()
            known = set()
            for child in children:
                known.add(child.name)
                if child.name in value:
                    self._add(element, child, value[child.name], f"{at}/{child.name}")
            for key, item in value.items():
                if key not in known:
                    self._add(element, None, item, f"{at}/{key}", name=key)
            return
        if isinstance(value, list):  # a list where a single value belongs: its items as text
            for index, item in enumerate(value):
                self._fill(etree.SubElement(element, element.tag), None, item, f"{at}[{index}]")
            return
        element.text = _text(value, at)

    def _add(
        self,
        parent: etree._Element,
        child: _Child | None,
        value: JSONValue,
        at: str,
        *,
        name: str = "",
    ) -> None:
        if child is not None:
            name = child.name
        elif not self.is_xml_name(name):
            raise UsageError(
                f"cannot encode the key {name!r} at {at} as XML: it is not a valid element "
                "name. Filter keys with XmlCodec.is_xml_name before encoding."
            )
        tag = f"{{{NAMESPACE}}}{name}"
        if child is not None and child.item is not None and isinstance(value, list):
            wrapper = etree.SubElement(parent, tag)
            item_tag = f"{{{NAMESPACE}}}{child.item}"
            for index, item in enumerate(value):
                self._fill(
                    etree.SubElement(wrapper, item_tag), child.item_type, item, f"{at}[{index}]"
                )
            return
        if isinstance(value, list):
            # not a documented list here: repeat the element once per item
            type_name = child.type_name if child is not None else None
            for index, item in enumerate(value):
                self._fill(etree.SubElement(parent, tag), type_name, item, f"{at}[{index}]")
            return
        self._fill(etree.SubElement(parent, tag), child.type_name if child else None, value, at)

    # ------------------------------------------------------------------ decode

    def decode(self, element: etree._Element) -> JSONValue:
        """Read an XML body (or any element of one) as JSON-shaped data.

        Wrapped lists become lists (an empty wrapper ``[]``), ``xsi:nil="true"`` becomes None,
        text stays a string. Elements the XSD does not know are decoded generically (with
        children: an object; without: its text), so an odd or hostile body never crashes the
        decoder; the XSD validation is what reports them.

        Args:
            element: the root element of a body (e.g. from ``XmlCodec.parse``).

        Returns:
            The data, as the JSON representation would carry it.
        """
        local = _local_tag(element.tag)
        return self._decode(element, self._roots.get(local) if local is not None else None, None)

    def _decode(
        self, element: etree._Element, type_name: str | None, item: str | None
    ) -> JSONValue:
        # hot path (about 1 ms a 100-group page before): leaves first, no per-element lists
        nil = element.get(_NIL)
        if nil is not None and nil in ("true", "1"):
            return None
        if not len(element):
            if item is not None:
                return []
            text = element.text
            if type_name is not None and (text is None or not text.strip()):
                return {}  # an empty complex element (whitespace from pretty-printing ignored)
            return text or ""
        if item is not None:
            item_tag = f"{{{NAMESPACE}}}{item}"
            decode = self._decode
            # only the list's items: another element in the wrapper is no item (schema.body
            # reports it), so counts and comparisons see the list the document holds
            return [decode(node, type_name, None) for node in element if node.tag == item_tag]
        lookup = self._lookup.get(type_name, _EMPTY) if type_name is not None else _EMPTY
        result: dict[str, JSONValue] = {}
        found_element = False
        for node in element:
            tag = node.tag
            if not isinstance(tag, str):
                continue  # comments, processing instructions
            found_element = True
            known = lookup.get(tag)
            if known is None:
                result[_local_tag(tag) or tag] = self._decode(node, None, None)
            elif known.item is not None:
                result[known.name] = self._decode(node, known.item_type, known.item)
            elif known.type_name is None and not len(node) and node.get(_NIL) is None:
                text = node.text or ""  # a plain documented leaf
                if known.boolean:
                    result[known.name] = _BOOLEANS.get(text.strip(), text)
                else:
                    result[known.name] = text
            else:
                result[known.name] = self._decode(node, known.type_name, None)
        if not found_element:  # only comments inside: the element's text is its value
            text = element.text
            if type_name is not None and (text is None or not text.strip()):
                return {}
            return text or ""
        return result


_EMPTY: dict[str, _Child] = {}
# the lexical forms of an xs:boolean (whitespace collapsed); any other text stays text, for
# the XSD to report
_BOOLEANS: dict[str, bool] = {"true": True, "false": False, "1": True, "0": False}


def _text(value: JSONValue, at: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    bad = _NOT_XML.search(text)
    if bad:
        raise UsageError(
            f"cannot encode the string at {at} as XML: it holds {bad.group()!r} "
            f"(U+{ord(bad.group()):04X}), which XML 1.0 cannot carry even escaped."
        )
    return text


def _local(qname: str) -> str:
    return qname.rsplit(":", 1)[-1]


def _local_tag(tag: object) -> str | None:
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1]


def _is_boolean(node: etree._Element, attribute: str, booleans: frozenset[str]) -> bool:
    """Whether the type ``node`` names in ``attribute`` is xs:boolean or derives from it."""
    qname = node.get(attribute, "")
    prefix, _, local = qname.rpartition(":")
    if node.nsmap.get(prefix or None) == _XS:
        return local == "boolean"
    return local in booleans


def _boolean_types(root: etree._Element) -> frozenset[str]:
    """The named simple types of the schema that restrict xs:boolean, directly or not."""
    bases: dict[str, etree._Element] = {}
    for node in root.iterchildren(_XS_SIMPLE):
        restriction = node.find(_XS_RESTRICTION)
        if node.get("name") and restriction is not None:
            bases[node.get("name", "")] = restriction
    found: set[str] = set()
    grew = True
    while grew:  # a restriction of a restriction of xs:boolean is boolean too
        grew = False
        for name, restriction in bases.items():
            if name not in found and _is_boolean(restriction, "base", frozenset(found)):
                found.add(name)
                grew = True
    return frozenset(found)


def _complex_or_none(type_name: str, named: Mapping[str, etree._Element]) -> str | None:
    return type_name if type_name in named else None


def _sequence_elements(node: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = []
    for group in node:
        if group.tag in _XS_SEQUENCES:
            found.extend(group.iterchildren(_XS_ELEMENT))
    return found


def _list_item(node: etree._Element) -> etree._Element | None:
    """The repeated element of a list type (one child, maxOccurs > 1), else None."""
    elements = _sequence_elements(node)
    if len(elements) != 1:
        return None
    max_occurs = elements[0].get("maxOccurs", "1")
    if max_occurs == "unbounded" or (max_occurs.isdigit() and int(max_occurs) > 1):
        return elements[0]
    return None
