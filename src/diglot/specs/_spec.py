"""The loaded spec: operations, compiled validators, the compiled XSD and the XML codec."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree

from diglot.errors import UnknownOperation, UsageError
from diglot.specs._codec import NAMESPACE, XmlCodec
from diglot.specs._model import Operation, SchemaError
from diglot.specs._schemas import CompiledSchema

if TYPE_CHECKING:
    from diglot.model import JSONValue

# lxml's XSD error types -> the closest JSON Schema keyword (others keep lxml's name)
_XSD_KEYWORDS = {
    "SCHEMAV_CVC_PATTERN_VALID": "pattern",
    "SCHEMAV_CVC_ENUMERATION_VALID": "enum",
    "SCHEMAV_CVC_MAXLENGTH_VALID": "maxLength",
    "SCHEMAV_CVC_MINLENGTH_VALID": "minLength",
    "SCHEMAV_CVC_LENGTH_VALID": "length",
    "SCHEMAV_ELEMENT_CONTENT": "content",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_4": "content",
    "SCHEMAV_CVC_ELT_1": "root",
    "SCHEMAV_CVC_ELT_3_1": "nillable",
    "SCHEMAV_CVC_ELT_3_2_1": "nillable",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_1": "type",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": "type",
    "SCHEMAV_CVC_TYPE_3_1_2": "type",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "type",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1": "attribute",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": "attribute",
}


class Spec:
    """The documented API, loaded once: operations, schemas, validators, XSD and XML codec.

    Get it with ``load_spec()``. Every validator is compiled when the spec is loaded and is
    safe to share between threads.

    Attributes:
        document: the OpenAPI 3.1 document as loaded (do not mutate it).
        operations: the documented operations, in document order.
        codec: turns JSON-shaped data into the documented XML and back.
        xsd: the compiled XML Schema.

    Example:
        >>> spec = load_spec()
        >>> spec.operation("listGroups").path
        '/v2.1/accounts/{accountId}/groups'
        >>> spec.validate_json("listGroups", 400, {"errorCode": "X"})[0].keyword
        'required'
    """

    __slots__ = (
        "_by_id",
        "_components",
        "_request",
        "_responses",
        "_xsd_lock",
        "codec",
        "document",
        "operations",
        "xsd",
    )

    def __init__(
        self,
        *,
        document: Mapping[str, JSONValue],
        operations: tuple[Operation, ...],
        components: Mapping[str, Mapping[str, JSONValue]],
        responses: Mapping[tuple[str, int], CompiledSchema],
        requests: Mapping[str, CompiledSchema],
        xsd: etree.XMLSchema,
        codec: XmlCodec,
    ) -> None:
        self.document = document
        self.operations = operations
        self.codec = codec
        self.xsd = xsd
        self._by_id = {op.operation_id: op for op in operations}
        self._components = components
        self._responses = responses
        self._request = requests
        self._xsd_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Spec: {', '.join(self._by_id)}>"

    # ------------------------------------------------------------------ operations

    def operation(self, operation_id: str) -> Operation:
        """The operation with this id.

        Raises:
            UnknownOperation: no such operation; the message suggests close matches.
        """
        try:
            return self._by_id[operation_id]
        except KeyError:
            close = difflib.get_close_matches(operation_id, self._by_id, n=3, cutoff=0.5)
            hint = (
                f" Did you mean {' or '.join(repr(c) for c in close)}?"
                if close
                else f" Known operations: {', '.join(self._by_id)}."
            )
            raise UnknownOperation(f"unknown operation {operation_id!r}.{hint}") from None

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation a request is for, with its path parameters.

        Args:
            method: the HTTP method, any case.
            path: the path below the base URL, e.g. ``/v2.1/accounts/123/groups`` (documented
                aliases such as ``/v2/...`` match too); a query string is ignored.

        Returns:
            The operation and the path parameters, or None when no operation matches.
        """
        method = method.upper()
        path = path.split("?", 1)[0]
        for op in self.operations:
            if op.method == method:
                params = op.match(path)
                if params is not None:
                    return op, params
        return None

    # ------------------------------------------------------------------ schemas

    def response_schema(self, operation_id: str, status: int) -> Mapping[str, JSONValue]:
        """The JSON Schema a response body with this status must satisfy.

        Self-contained (references inlined), the operation's overlay included: e.g. for
        ``listGroups`` 200 it requires ``resultSetSize`` and each group's ``groupId``.

        Raises:
            UnknownOperation: no such operation.
            UsageError: the operation documents no such status.
        """
        return self._response(operation_id, status).schema

    def request_schema(self, operation_id: str) -> Mapping[str, JSONValue]:
        """The JSON Schema of the operation's request body (self-contained).

        Raises:
            UnknownOperation: no such operation.
            UsageError: the operation takes no body.
        """
        return self._request_compiled(operation_id).schema

    def component(self, name: str) -> Mapping[str, JSONValue]:
        """A component schema, self-contained (references inlined).

        Raises:
            UsageError: no such component; the message suggests close matches.
        """
        try:
            return self._components[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._components, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"unknown schema component {name!r}.{hint}") from None

    def schema_properties(self, component: str) -> tuple[str, ...]:
        """The documented property names of a component, in document order.

        Example:
            >>> load_spec().schema_properties("errorDetails")
            ('errorCode', 'message')
        """
        properties = self.component(component).get("properties", {})
        return tuple(properties) if isinstance(properties, dict) else ()

    # ------------------------------------------------------------------ validation

    def validate_json(
        self, operation_id: str, status: int, instance: JSONValue
    ) -> list[SchemaError]:
        """Validate a (parsed) response body against the operation's schema for a status.

        Returns:
            Every violation: ``location`` a JSON pointer (``/groups/0/groupId``; ``""`` for the
            whole body), ``keyword`` the failing JSON Schema keyword (``required``, ``type``,
            ``enum``, ``pattern``...). Empty when the body conforms.

        Raises:
            UnknownOperation: no such operation.
            UsageError: the operation documents no such status.
        """
        return self._response(operation_id, status).errors(instance)

    def validate_request_json(self, operation_id: str, instance: JSONValue) -> list[SchemaError]:
        """Validate a request body against the operation's request schema (see ``validate_json``)."""
        return self._request_compiled(operation_id).errors(instance)

    def validate_xml(
        self, root: etree._Element, *, root_name: str | None = None
    ) -> list[SchemaError]:
        """Validate an XML body against the compiled XSD.

        Args:
            root: the body's root element (e.g. from ``spec.codec.parse(body)``).
            root_name: when given, the root element must also be this one (``Body.xml_root``)
                in the restapi namespace; a different root is reported with keyword ``root``.

        Returns:
            Every violation: ``location`` a readable XPath-like path
            (``/groupInformation/groups/group[1]/groupId``), ``keyword`` the closest JSON
            Schema keyword (``pattern``, ``enum``, ``maxLength``, ``nillable``, ``type``;
            ``content`` for an unexpected, misplaced or unknown element; ``root`` for a wrong
            root) or lxml's error type when there is none.
        """
        problems: list[SchemaError] = []
        if root_name is not None and root.tag != f"{{{NAMESPACE}}}{root_name}":
            problems.append(
                SchemaError(
                    location="/",
                    message=f"the root element is {root.tag!r}, expected "
                    f"{{{NAMESPACE}}}{root_name}",
                    keyword="root",
                )
            )
        with self._xsd_lock:
            if self.xsd.validate(root):
                return problems
            entries = [(e.path, e.message, e.type_name) for e in self.xsd.error_log]
        for path, message, type_name in entries:
            problems.append(
                SchemaError(
                    location=self._readable(root, path),
                    message=message,
                    keyword=_XSD_KEYWORDS.get(type_name, type_name),
                )
            )
        return problems

    # ------------------------------------------------------------------ internals

    def _response(self, operation_id: str, status: int) -> CompiledSchema:
        op = self.operation(operation_id)
        try:
            return self._responses[(operation_id, status)]
        except KeyError:
            documented = ", ".join(str(code) for code in op.responses)
            raise UsageError(
                f"{operation_id} documents no response with status {status}; "
                f"it documents {documented}."
            ) from None

    def _request_compiled(self, operation_id: str) -> CompiledSchema:
        self.operation(operation_id)
        try:
            return self._request[operation_id]
        except KeyError:
            raise UsageError(f"{operation_id} takes no request body.") from None

    def _readable(self, root: etree._Element, path: str | None) -> str:
        """Turn lxml's ``/*/*[7]/*/*[2]`` into ``/groupInformation/groups/group[1]/...``."""
        if not path:
            return "/"
        try:
            found = root.getroottree().xpath(path)
        except etree.XPathError:
            return path
        if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
            return path
        return self.xml_path(found[0])

    def xml_path(self, element: etree._Element) -> str:
        """A readable XPath-like path of an element: ``/groupInformation/groups/group[1]``.

        Positions are 1-based and given for list items and repeated siblings.
        """
        steps: list[str] = []
        node: etree._Element | None = element
        while node is not None:
            local = etree.QName(node).localname
            parent = node.getparent()
            if parent is not None:
                same = [s for s in parent if s.tag == node.tag]
                if len(same) > 1 or self.codec.is_wrapper(etree.QName(parent).localname):
                    local = f"{local}[{same.index(node) + 1}]"
            steps.append(local)
            node = parent
        return "/" + "/".join(reversed(steps))
