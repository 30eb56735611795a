"""The one place where diglot parses XML it did not write.

That is response bodies, recorded files, report excerpts and spec documents.

Every parser here is defused the same way: no DTD loaded, no entity expanded, no file or
network read, libxml2's depth limit kept (``huge_tree`` off), and a document that carries a
DTD at all is refused. Parsers that judge also drop comments and processing instructions,
so ``<groupName>ab<!-- x -->cd</groupName>`` reads ``abcd`` as every XML consumer would.
"""

from __future__ import annotations

import threading

from lxml import etree

from diglot.errors import UnsafeXml

_LOCAL = threading.local()


def parser(*, for_display: bool = False) -> etree.XMLParser:
    """The defused parser of this thread (lxml parsers are not thread-safe).

    Args:
        for_display: keep comments and processing instructions and drop layout whitespace:
            for showing an excerpt as it came, never for judging it.
    """
    key = "display" if for_display else "judge"
    found: etree.XMLParser | None = getattr(_LOCAL, key, None)
    if found is None:
        found = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=not for_display,
            remove_pis=not for_display,
            remove_blank_text=for_display,
        )
        setattr(_LOCAL, key, found)
    return found


def has_dtd(element: etree._Element) -> bool:
    """Whether the document of ``element`` declared a DTD (internal or external)."""
    info = element.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None or info.externalDTD is not None


def parse(body: bytes, *, for_display: bool = False, base_url: str | None = None) -> etree._Element:
    """Parse XML bytes with the defused parser and refuse a DTD.

    Args:
        body: the document.
        for_display: see :func:`parser`.
        base_url: where the document came from, for libxml2's messages only.

    Returns:
        The root element.

    Raises:
        lxml.etree.XMLSyntaxError: the bytes are not well-formed XML.
        UnsafeXml: the document carries a ``<!DOCTYPE>``; nothing it names was read.

    Example:
        >>> parse(b"<g>ab<!-- x -->cd</g>").text
        'abcd'
    """
    root = etree.fromstring(body, parser(for_display=for_display), base_url=base_url)
    if has_dtd(root):
        raise UnsafeXml(
            "a DTD is not allowed: the document carries a <!DOCTYPE>; no entity was expanded "
            "and nothing it names was read"
        )
    return root
