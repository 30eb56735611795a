from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from diglot.server import DEFAULT_ACCOUNT_ID, running

NS = "http://www.docusign.com/restapi"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = {"accept": "application/xml"}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}", timeout=10
    ) as session:
        yield session


def parse_xml(response: httpx.Response) -> etree._Element:
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))


def local_names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def q(name: str) -> str:
    return f"{{{NS}}}{name}"
