"""``diglot.check``: judge one response that a test (or a recording) obtained elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from diglot._display import inert
from diglot.errors import ContractViolation, UsageError
from diglot.model import Case, Exchange, Expect, Finding, Request, Response, Severity


def check(
    response: Any,
    *,
    operation: str | None = None,
    base_url: str | None = None,
    strict: bool = False,
    expect: str = "auto",
    raise_on_failure: bool = True,
) -> list[Finding]:
    """Assert that an httpx or requests response conforms to the documented contract.

    The operation is found from the request's method and URL (everything up to ``/v2.1`` or
    ``/v2`` is taken as the base URL), or given with ``operation``. The representation judged
    is the one the request's ``Accept`` header asked for.

    Args:
        response: an ``httpx.Response`` or ``requests.Response`` (or a ``diglot.Exchange``).
        operation: the operation id, when the URL does not tell.
        base_url: the ``…/restapi`` base, when the URL has another shape.
        strict: warnings fail too.
        expect: ``success``, ``client_error`` or ``auto`` (a 2xx is judged as the answer to a
            valid request, anything else as the answer to an invalid one).
        raise_on_failure: raise when there are violations (default), else only return them.

    Returns:
        Every finding (warnings included).

    Raises:
        ContractViolation: one violation (several: an ``ExceptionGroup`` of them).
        UsageError: the response's operation cannot be told.

    Example:
        >>> r = httpx.get(f"{base}/v2.1/accounts/{acct}/groups", headers={"Accept": "application/xml"})
        >>> diglot.check(r)
    """
    __tracebackhide__ = True
    from diglot.contracts import Observation, run_single_checks
    from diglot.specs import load_spec

    spec = load_spec()
    exchange = (
        response
        if isinstance(response, Exchange)
        else _exchange_of(spec, response, operation=operation, base_url=base_url, expect=expect)
    )
    obs = Observation(spec, exchange)
    for _info, _applied in run_single_checks(obs):
        pass
    findings = list(obs.findings)
    failing = [f for f in findings if strict or f.severity is Severity.VIOLATION]
    if failing and raise_on_failure:
        errors = [ContractViolation(f) for f in failing]
        if len(errors) == 1:
            raise errors[0]
        request = exchange.request
        where = f"{inert(request.method, limit=100)} {inert(request.sent_url, limit=2000)}"
        raise ExceptionGroup(f"{len(errors)} contract violations in {where}", errors)
    return findings


def _exchange_of(
    spec: Any, response: Any, *, operation: str | None, base_url: str | None, expect: str
) -> Exchange:
    try:
        request = response.request
        method = str(request.method).upper()
        url = str(request.url)
        request_headers: Mapping[str, str] = dict(request.headers)
        status = int(response.status_code)
        headers = {str(k).lower(): str(v) for k, v in response.headers.items()}
        body = bytes(response.content)
    except AttributeError as exc:
        raise UsageError(
            f"diglot.check takes an httpx or requests response, got {type(response).__name__} "
            f"({exc})"
        ) from None
    parts = urlsplit(url)
    path = parts.path
    if base_url is not None:
        base_path = urlsplit(base_url).path.rstrip("/")
        path = path[len(base_path) :] if path.startswith(base_path) else path
    else:
        for marker in ("/v2.1/", "/v2/"):
            if marker in path:
                path = path[path.index(marker) :]
                break
    found = spec.match(method, path)
    if operation is not None:
        op = spec.operation(operation)
        params = op.match(path) or {}
    elif found is not None:
        op, params = found
    else:
        raise UsageError(
            f"{method} {url} is none of the documented operations; pass operation=... "
            "(listGroups, createGroups, createUsers, listSigningGroups)"
        )
    accept = {k.lower(): v for k, v in request_headers.items()}.get("accept", "")
    content_type = "xml" if "xml" in accept else "json"
    if expect == "auto":
        wanted = Expect.SUCCESS if 200 <= status < 300 else Expect.CLIENT_ERROR
    else:
        wanted = Expect(expect)
    body_data = None
    raw_request = getattr(request, "content", None) or getattr(request, "body", None)
    if isinstance(raw_request, str):
        raw_request = raw_request.encode()
    if raw_request and "json" in str(
        request_headers.get("content-type", request_headers.get("Content-Type", ""))
    ):
        import json

        try:
            body_data = json.loads(raw_request)
        except ValueError:
            body_data = None
    case = Case(
        operation=op.operation_id,
        content_type=content_type,
        path_parameters=params,
        query=dict(parse_qsl(parts.query)),
        body=body_data,
        expect=wanted,
    )
    recorded = Request(
        method,
        url,
        {k: v for k, v in request_headers.items() if k.lower() != "authorization"},
        raw_request if isinstance(raw_request, bytes) else b"",
    )
    return Exchange(case, recorded, Response(status, headers, body))
