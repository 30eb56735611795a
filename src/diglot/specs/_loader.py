"""``load_spec``: read the OpenAPI document and the XSD, check them, build the model once."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from lxml import etree

from diglot.errors import InvalidSpec, UnsafeXml
from diglot.specs import _safexml as safexml
from diglot.specs._codec import XmlCodec
from diglot.specs._model import JSON_MEDIA_TYPES, Body, Operation, Parameter
from diglot.specs._schemas import COMPONENT_PREFIX, CompiledSchema, inline
from diglot.specs._spec import Spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from diglot.model import JSONValue

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def bundled_file(name: str) -> bytes:
    """The bytes of a file shipped in ``diglot/specs/data/`` (``openapi.json``, ``restapi.xsd``)."""
    return resources.files("diglot.specs").joinpath("data", name).read_bytes()


def load_spec(openapi: str | Path | None = None, xsd: str | Path | None = None) -> Spec:
    """Load the OpenAPI document and the XML Schema into one model, compiled once.

    Args:
        openapi: path of an OpenAPI 3.1 JSON document; None for the bundled ``openapi.json``.
        xsd: path of the XML Schema; None for the bundled ``restapi.xsd``.

    Returns:
        The spec. The bundled one is built once per process and shared.

    Raises:
        InvalidSpec: a file is missing or unreadable, is not JSON / XML, is not OpenAPI 3.1,
            does not compile, or the two documents disagree (a body's XML root that the XSD
            does not declare). The message names the file, the place and the fix.

    Example:
        >>> spec = load_spec()
        >>> [op.operation_id for op in spec.operations]
        ['listGroups', 'createGroups', 'createUsers', 'listSigningGroups']
    """
    if openapi is None and xsd is None:
        return _bundled()
    return _load(openapi, xsd)


@functools.cache
def _bundled() -> Spec:
    return _load(None, None)


def _load(openapi: str | Path | None, xsd: str | Path | None) -> Spec:
    if openapi is None:
        openapi_name, openapi_bytes = "openapi.json (bundled)", bundled_file("openapi.json")
    else:
        openapi_name, openapi_bytes = str(openapi), _read(openapi, "OpenAPI document")
    if xsd is None:
        xsd_name, xsd_bytes = "restapi.xsd (bundled)", bundled_file("restapi.xsd")
    else:
        xsd_name, xsd_bytes = str(xsd), _read(xsd, "XML Schema")
    document = _parse_openapi(openapi_name, openapi_bytes)
    xsd_root, schema = _compile_xsd(xsd_name, xsd_bytes, None if xsd is None else Path(xsd))
    try:
        codec = XmlCodec(xsd_root)
    except InvalidSpec as exc:
        raise InvalidSpec(f"{xsd_name}: {exc}") from None
    return _build(openapi_name, document, schema, codec)


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        reason = "no such file"
    except IsADirectoryError:
        reason = "it is a directory"
    except OSError as exc:
        reason = exc.strerror or str(exc)
    raise InvalidSpec(
        f"cannot read the {what} {str(path)!r}: {reason}. Pass the path of an existing file, "
        "or nothing to use the bundled one."
    )


def _parse_openapi(name: str, data: bytes) -> dict[str, JSONValue]:
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise InvalidSpec(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    except json.JSONDecodeError as exc:
        raise InvalidSpec(
            f"{name}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. "
            "Fix the syntax there (the document must be JSON, not YAML)."
        ) from None
    if not isinstance(document, dict):
        raise InvalidSpec(
            f"{name}: the document is a JSON {type(document).__name__}, not an object; an "
            "OpenAPI document is an object with openapi, info and paths."
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3.1."):
        raise InvalidSpec(
            f"{name}: /openapi is {version!r}: not an OpenAPI 3.1 document. diglot reads "
            'OpenAPI 3.1 (JSON Schema 2020-12); set "openapi": "3.1.0" and convert the schemas.'
        )
    for key in ("paths", "components"):
        if not isinstance(document.get(key), dict):
            raise InvalidSpec(f"{name}: /{key} is missing or not an object; add it.")
    components = document["components"]
    schemas = components.get("schemas") if isinstance(components, dict) else None
    if not isinstance(schemas, dict):
        raise InvalidSpec(f"{name}: /components/schemas is missing or not an object; add it.")
    return document


def _compile_xsd(
    name: str, data: bytes, path: Path | None
) -> tuple[etree._Element, etree.XMLSchema]:
    try:
        root = safexml.parse(data, base_url=None if path is None else str(path.resolve()))
    except UnsafeXml:
        raise InvalidSpec(
            f"{name}: the XML Schema carries a <!DOCTYPE>; diglot reads no DTD. Remove it."
        ) from None
    except etree.XMLSyntaxError as exc:
        raise InvalidSpec(
            f"{name}: not well-formed XML: {exc.msg} (line {exc.lineno}). Fix the markup there."
        ) from None
    try:
        schema = etree.XMLSchema(root)
    except etree.XMLSchemaParseError as exc:
        first = exc.error_log[0] if len(exc.error_log) else None
        where = f" (line {first.line})" if first is not None else ""
        raise InvalidSpec(
            f"{name}: the XML Schema does not compile{where}: {exc}. Fix the schema there."
        ) from None
    return root, schema


def _build(
    name: str, document: dict[str, JSONValue], xsd: etree.XMLSchema, codec: XmlCodec
) -> Spec:
    raw_components: dict[str, JSONValue] = document["components"]["schemas"]  # type: ignore[assignment,call-overload,index]
    components: dict[str, dict[str, JSONValue]] = {}
    for component_name, schema in raw_components.items():
        resolved = inline(schema, document, f"{name}: /components/schemas/{component_name}")
        if not isinstance(resolved, dict):
            raise InvalidSpec(f"{name}: /components/schemas/{component_name} is not an object.")
        components[component_name] = resolved
    operations: list[Operation] = []
    responses: dict[tuple[str, int], CompiledSchema] = {}
    requests: dict[str, CompiledSchema] = {}
    seen: set[str] = set()
    paths: dict[str, JSONValue] = document["paths"]  # type: ignore[assignment]
    for path, item in paths.items():
        where = f"{name}: /paths/{_escape(path)}"
        if not isinstance(item, dict):
            raise InvalidSpec(f"{where} is not an object.")
        shared = _parameters(item.get("parameters", []), document, where)
        for method in _METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            op_where = f"{where}/{method}"
            if not isinstance(raw, dict):
                raise InvalidSpec(f"{op_where} is not an object.")
            op_id = raw.get("operationId")
            if not isinstance(op_id, str) or not op_id:
                raise InvalidSpec(f"{op_where}: no operationId; give every operation one.")
            if op_id in seen:
                raise InvalidSpec(f"{op_where}: operationId {op_id!r} is used twice.")
            seen.add(op_id)
            own = _parameters(raw.get("parameters", []), document, op_where)
            merged = {(p.name, p.location): p for p in (*shared, *own)}
            request_body = None
            body = raw.get("requestBody")
            if body is not None:
                request_body, schema = _body(body, document, codec, f"{op_where}/requestBody")
                requests[op_id] = CompiledSchema(schema, f"{op_where}/requestBody")
            answers: dict[int, Body] = {}
            raw_responses = raw.get("responses")
            if not isinstance(raw_responses, dict) or not raw_responses:
                raise InvalidSpec(f"{op_where}: no responses; document at least one.")
            for code, response in raw_responses.items():
                if code == "default":
                    continue
                if not (code.isdigit() and len(code) == 3):
                    raise InvalidSpec(
                        f"{op_where}/responses/{code}: not a status code; use 200, 201, 400..."
                    )
                answer, schema = _body(response, document, codec, f"{op_where}/responses/{code}")
                answers[int(code)] = answer
                responses[(op_id, int(code))] = CompiledSchema(
                    schema, f"{op_where}/responses/{code}"
                )
            if not any(200 <= code < 300 for code in answers):
                raise InvalidSpec(f"{op_where}: no 2xx response; document the success answer.")
            aliases = raw.get("x-diglot-aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise InvalidSpec(f"{op_where}/x-diglot-aliases: must be a list of path templates.")
            operations.append(
                Operation(
                    operation_id=op_id,
                    method=method.upper(),
                    path=path,
                    aliases=tuple(aliases),  # type: ignore[arg-type]
                    summary=str(raw.get("summary", "")),
                    parameters=tuple(merged.values()),
                    request_body=request_body,
                    responses=answers,
                )
            )
    if not operations:
        raise InvalidSpec(f"{name}: /paths holds no operation; document at least one.")
    return Spec(
        document=document,
        operations=tuple(operations),
        components=components,
        responses=responses,
        requests=requests,
        xsd=xsd,
        codec=codec,
    )


def _parameters(raw: JSONValue, document: Mapping[str, JSONValue], where: str) -> list[Parameter]:
    if not isinstance(raw, list):
        raise InvalidSpec(f"{where}/parameters is not a list.")
    found = []
    for index, entry in enumerate(raw):
        at = f"{where}/parameters/{index}"
        entry = inline(entry, document, at)
        if not isinstance(entry, dict):
            raise InvalidSpec(f"{at} is not an object.")
        raw_location = entry.get("in")
        location: Literal["path", "query"]
        if raw_location == "path":
            location = "path"
        elif raw_location == "query":
            location = "query"
        else:
            raise InvalidSpec(
                f"{at}: parameter in {raw_location!r}; diglot models path and query parameters only."
            )
        schema = entry.get("schema", {})
        found.append(
            Parameter(
                name=str(entry.get("name", "")),
                location=location,
                required=bool(entry.get("required", location == "path")),
                schema=schema if isinstance(schema, dict) else {},
                description=str(entry.get("description", "")),
            )
        )
    return found


def _body(
    raw: JSONValue, document: Mapping[str, JSONValue], codec: XmlCodec, where: str
) -> tuple[Body, dict[str, JSONValue]]:
    """The Body model and the inlined schema of a request body or a response."""
    if not isinstance(raw, dict) or not isinstance(raw.get("content"), dict):
        raise InvalidSpec(f"{where}: no content; document the body's media types and schema.")
    content: dict[str, JSONValue] = raw["content"]  # type: ignore[assignment]
    media_types = sorted(content, key=lambda t: (t not in JSON_MEDIA_TYPES, list(content).index(t)))
    first = content[media_types[0]]
    raw_schema = first.get("schema") if isinstance(first, dict) else None
    for media_type in media_types[1:]:
        other = content[media_type]
        if not isinstance(other, dict) or other.get("schema") != raw_schema:
            raise InvalidSpec(
                f"{where}/content/{_escape(media_type)}: its schema differs from "
                f"{media_types[0]}'s; diglot describes one shape per body in every media type."
            )
    component = _component_of(raw_schema)
    if component is None:
        raise InvalidSpec(
            f"{where}: the schema must be a $ref to a component (or allOf starting with one), "
            "so the body has a name and an XML root."
        )
    target = document["components"]["schemas"].get(component)  # type: ignore[call-overload,index,union-attr]
    if not isinstance(target, dict):
        raise InvalidSpec(f"{where}: component {component!r} is not defined.")
    xml = target.get("xml")
    xml_root = xml.get("name", component) if isinstance(xml, dict) else component
    if xml_root not in codec.roots:
        raise InvalidSpec(
            f"{where}: the XML root {xml_root!r} of {component!r} is not a global element of the "
            f"XML Schema (it declares {', '.join(codec.roots)}); declare it there."
        )
    schema = inline(raw_schema, document, where)
    if not isinstance(schema, dict):  # pragma: no cover - _component_of saw an object
        raise InvalidSpec(f"{where}: the schema is not an object.")
    return Body(component=component, xml_root=str(xml_root), media_types=tuple(media_types)), schema


def _component_of(schema: JSONValue) -> str | None:
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(COMPONENT_PREFIX):
        return ref.removeprefix(COMPONENT_PREFIX)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and all_of:
        return _component_of(all_of[0])
    return None


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
