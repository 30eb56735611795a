"""diglot inside schemathesis: XML read, judged against restapi.xsd, and compared with JSON.

schemathesis skips XML responses (it has no XML deserialiser), so a server whose XML breaks
the documented shape passes ``st run``. This module registers, with schemathesis's own APIs:

- a deserializer for ``application/xml`` and ``text/xml`` (diglot's defused parser and its
  XML codec), so schemathesis's response-schema check reads XML answers as data too;
- the check ``diglot_contract``: every response is judged by diglot's single-exchange checks
  (status, content type, JSON Schema or XSD, pagination arithmetic, semantics); for a GET
  answered in JSON, the same request is sent once more asking for XML, and that answer is
  judged too (XSD, element order, namespace) and compared with the JSON one
  (``equivalence.json_xml``).

One line of configuration (``pip install 'diglot[schemathesis]'``), in ``schemathesis.toml``::

    hooks = "diglot.plugin.schemathesis_hooks"

(in Python, with ``schemathesis.pytest`` or ``schemathesis.openapi.from_url``: import this
module once). ``st run --checks all`` and the default checks both include ``diglot_contract``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

import schemathesis

from diglot.model import Exchange, JSONValue, Request, Response, Severity

if TYPE_CHECKING:
    import httpx

    from diglot.contracts import Observation
    from diglot.specs import Spec

MAX_SHOWN = 5
"""Findings spelled out in one failure message; the rest are counted."""
XML_TIMEOUT = 10.0
"""Seconds for the XML request sent beside a GET."""


@functools.cache
def _spec() -> Spec:
    from diglot.specs import load_spec

    return load_spec()


@functools.cache
def _client() -> httpx.Client:
    import httpx

    return httpx.Client(timeout=XML_TIMEOUT, follow_redirects=False, trust_env=False)


@schemathesis.deserializer("application/xml", "text/xml")
def deserialize_xml(ctx: Any, response: Any) -> JSONValue:
    """An XML body as the data its JSON twin carries (diglot's codec; no DTD, no entities)."""
    del ctx
    spec = _spec()
    try:
        return spec.codec.decode(spec.codec.parse(bytes(response.content)))
    except Exception as exc:  # schemathesis reports what the deserializer raises
        raise ValueError(f"the XML body cannot be read: {exc}") from None


@schemathesis.check
def diglot_contract(ctx: Any, response: Any, case: Any) -> bool | None:
    """Judge the exchange with diglot's checks and, for a GET, its XML twin (XSD, JSON ⇄ XML).

    Raises:
        AssertionError: diglot found violations; the message lists them.
    """
    del ctx, case
    from diglot.contracts import Observation, run_single_checks
    from diglot.contracts.equivalence import judge_pair
    from diglot.engine._traffic import match_request

    spec = _spec()
    request, headers = _request(response.request)
    answer = _response(response)
    matched = match_request(spec, request, answer.media_type)
    if matched is None:
        return None
    obs = Observation(spec, Exchange(matched.case, request, answer))
    list(run_single_checks(obs))  # a generator: it judges as it is consumed
    judged = [obs]
    if (
        obs.operation.is_read_only
        and request.method == "GET"
        and obs.body_format == "json"
        and answer.status < 500
    ):
        twin = _xml_twin(spec, obs, headers)
        if twin is not None:
            list(run_single_checks(twin))
            judge_pair(obs, twin)
            judged.append(twin)
    found = [f for o in judged for f in o.findings if f.severity is Severity.VIOLATION]
    if not found:
        return None
    shown = "\n".join(f.describe(limit=200) for f in found[:MAX_SHOWN])
    more = f"\n… and {len(found) - MAX_SHOWN} more" if len(found) > MAX_SHOWN else ""
    raise AssertionError(f"diglot: {len(found)} contract violation(s)\n{shown}{more}")


def _request(prepared: Any) -> tuple[Request, dict[str, str]]:
    from diglot.engine._record import SECRET_HEADERS

    headers = {str(k): str(v) for k, v in dict(prepared.headers or {}).items()}
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    kept = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    authenticated = any(k.lower() == "authorization" for k in headers)
    request = Request(
        str(prepared.method).upper(), str(prepared.url), kept, bytes(body), authenticated
    )
    return request, headers


def _response(response: Any) -> Response:
    headers: dict[str, str] = {}
    for name, values in dict(response.headers).items():
        joined = ", ".join(values) if isinstance(values, list) else str(values)
        headers[str(name).lower()] = joined
    return Response(int(response.status_code), headers, bytes(response.content))


def _xml_twin(spec: Spec, obs: Observation, headers: dict[str, str]) -> Observation | None:
    """The same GET asked in XML, as an observation; None when it got no answer."""
    import httpx

    from diglot.contracts import Observation

    wanted = {k: v for k, v in headers.items() if k.lower() not in ("accept", "content-length")}
    wanted["Accept"] = "application/xml"
    request = obs.exchange.request
    try:
        got = _client().get(request.url, headers=wanted)
    except httpx.HTTPError:
        return None
    answer = Response(got.status_code, {k.lower(): v for k, v in got.headers.items()}, got.content)
    kept = {k: v for k, v in request.headers.items() if k.lower() != "accept"}
    twin_request = dataclasses.replace(request, headers={**kept, "Accept": "application/xml"})
    case = dataclasses.replace(obs.case, content_type="xml")
    return Observation(spec, Exchange(case, twin_request, answer))
