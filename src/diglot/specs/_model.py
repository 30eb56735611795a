"""The operation model: what one documented operation accepts and answers.

Built once from ``openapi.json`` and ``restapi.xsd`` by ``diglot.specs.load_spec``; every
other part of diglot (strategies, contracts, runner, server tests) reads the API through it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from diglot.model import JSONValue

JSON_MEDIA_TYPES = ("application/json",)
XML_MEDIA_TYPES = ("application/xml", "text/xml")


@dataclass(frozen=True, slots=True)
class Parameter:
    """One documented parameter."""

    name: str
    location: Literal["path", "query"]
    required: bool
    schema: Mapping[str, JSONValue]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Body:
    """A request or response body: one shape, in JSON and in XML.

    Attributes:
        component: the component schema name in ``openapi.json`` (``groupInformation``).
        xml_root: the XML root element's local name, in the restapi namespace.
        media_types: documented media types, JSON first.
    """

    component: str
    xml_root: str
    media_types: tuple[str, ...] = ("application/json", "application/xml")


@dataclass(frozen=True, slots=True)
class Operation:
    """One documented operation.

    Attributes:
        operation_id: short id used on the command line and in reports (``listGroups``).
        method: upper-case HTTP method.
        path: the path template below the base URL (``/v2.1/accounts/{accountId}/groups``).
        aliases: other documented templates for the same operation (``/v2/...``).
        summary: one line from the documentation.
        parameters: path and query parameters.
        request_body: the body it takes, if any.
        responses: documented status code -> body.
    """

    operation_id: str
    method: str
    path: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    parameters: tuple[Parameter, ...] = ()
    request_body: Body | None = None
    responses: Mapping[int, Body] = field(default_factory=dict)

    @property
    def success_status(self) -> int:
        """The documented 2xx status."""
        return min(code for code in self.responses if 200 <= code < 300)

    @property
    def is_read_only(self) -> bool:
        return self.method in {"GET", "HEAD", "OPTIONS"}

    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters if ``path`` (below the base URL) matches this operation."""
        for template in (self.path, *self.aliases):
            found = _template_regex(template).fullmatch(path.rstrip("/"))
            if found:
                return found.groupdict()
        return None


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation in a body.

    Attributes:
        location: JSON pointer (JSON) or XPath (XML) of the offending value.
        message: the validator's message.
        keyword: the JSON Schema keyword or XSD rule that failed, when known.
        unexpected: for an undocumented-property error, the names of the properties, as the
            validator found them (never parsed back out of the message).
    """

    location: str
    message: str
    keyword: str = ""
    unexpected: tuple[str, ...] = ()
