"""Per response: what judging one exchange costs, parse included."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from benchmarks._harness import Row, at_most, per_call
from diglot.contracts import Observation, run_single_checks
from diglot.model import Case, Exchange, Request, Response
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.specs import Spec, load_spec
from diglot.transport._client import Transport

MEDIA = {"json": "application/json", "xml": "application/xml"}
TARGETS_MS = {
    ("large", "json"): 0.5,
    ("large", "xml"): 1.5,
    ("small", "json"): 0.05,
    ("small", "xml"): 0.05,
}
SIZES = {"large": "100", "small": "1"}


def _fetch(transport: Transport, base_url: str, case: Case) -> Exchange:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?count={case.query['count']}"
    request = Request("GET", url, {"Accept": MEDIA[case.content_type]})
    response, failure = transport.send(request)
    if response is None or response.status != 200:
        raise RuntimeError(f"GET {url} failed: {failure or response}")
    return Exchange(case, request, response)


def _fill(transport: Transport, base_url: str, groups: int) -> None:
    body = {"groups": [{"groupName": f"bench group {i:03d}"} for i in range(groups)]}
    request = Request(
        "POST",
        f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups",
        {"Accept": MEDIA["json"], "Content-Type": MEDIA["json"]},
        json.dumps(body).encode(),
    )
    response, failure = transport.send(request)
    if response is None or response.status >= 300:
        raise RuntimeError(f"creating {groups} groups failed: {failure or response}")


def exchanges() -> dict[tuple[str, str], Exchange]:
    """Real listGroups responses of the reference server: 100 groups and 1, JSON and XML."""
    with running() as base_url, Transport(base_url) as transport:
        _fill(transport, base_url, 100)
        found: dict[tuple[str, str], Exchange] = {}
        for size, count in SIZES.items():
            for content_type in MEDIA:
                case = Case(
                    "listGroups",
                    content_type,
                    {"accountId": DEFAULT_ACCOUNT_ID},
                    query={"count": count},
                )
                found[(size, content_type)] = _fetch(transport, base_url, case)
    return found


def judge(spec: Spec, exchange: Exchange) -> int:
    """Every single-exchange check on one exchange, as the runner does; the findings count."""
    observation = Observation(spec, exchange, seed=0)
    for _info, _applied in run_single_checks(observation):
        pass
    return len(observation.findings)


def _raw(
    spec: Spec, size: str, content_type: str, response: Response
) -> dict[str, Callable[[], object]]:
    import jsonschema  # type: ignore[import-untyped]
    import jsonschema_rs
    from lxml import etree

    body = response.body
    if content_type == "json":
        schema = dict(spec.response_schema("listGroups", 200))
        fast = jsonschema_rs.validator_for(schema)
        slow = jsonschema.validators.validator_for(schema)(schema)
        return {
            "jsonschema-rs (parse + validate)": lambda: fast.is_valid(json.loads(body)),
            "jsonschema, pure Python (schemathesis's)": lambda: slow.is_valid(json.loads(body)),
        }
    xsd = spec.xsd
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return {"lxml (parse + XSD validate)": lambda: xsd.validate(etree.fromstring(body, parser))}


def measure(*, quick: bool) -> list[Row]:
    spec = load_spec()
    calls, repeats = (50, 3) if quick else (400, 7)
    rows: list[Row] = []
    for (size, content_type), exchange in exchanges().items():
        findings = judge(spec, exchange)
        if findings:
            raise RuntimeError(f"the reference server's {size} {content_type} page has findings")
        assert exchange.response is not None
        cost = (
            per_call(functools.partial(judge, spec, exchange), calls=calls, repeats=repeats) * 1000
        )
        raw = {
            name: per_call(
                fn, calls=calls if "pure" not in name else max(3, calls // 20), repeats=repeats
            )
            * 1000
            for name, fn in _raw(spec, size, content_type, exchange.response).items()
        }
        target, passed = at_most(cost, TARGETS_MS[(size, content_type)])
        label = "100-group page" if size == "large" else "1-group page"
        rows.append(
            Row(
                "per response",
                f"all checks, {label}, {content_type.upper()}",
                cost,
                "ms",
                target,
                passed,
                "; ".join(f"{name} {value:.3f} ms" for name, value in raw.items()),
                note=f"{len(exchange.response.body):,} bytes",
            )
        )
    return rows
