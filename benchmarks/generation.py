"""Generation: valid request bodies per second, encoding included."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from typing import Any

from hypothesis.strategies import SearchStrategy

from benchmarks._harness import Row, at_least, median
from diglot.model import Case, CaseKind
from diglot.server import DEFAULT_ACCOUNT_ID
from diglot.specs import Spec, load_spec
from diglot.strategies import Names, from_operation

TARGETS = {"createGroups": 400.0, "createUsers": 200.0}


def _draw(strategy: SearchStrategy[Any], count: int, consume: Callable[[object], None]) -> float:
    """Draw ``count`` examples through ``@given`` (as a run does); the seconds it took."""
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(value: object) -> None:
        consume(value)

    started = time.perf_counter()
    draw()
    return time.perf_counter() - started


def _encode(spec: Spec, case: Case) -> bytes:
    operation = spec.operation(case.operation)
    assert operation.request_body is not None
    if case.content_type == "xml":
        assert isinstance(case.body, dict)
        return spec.codec.encode(operation.request_body.xml_root, case.body)
    return json.dumps(case.body, ensure_ascii=False).encode()


def _valid(spec: Spec, operation_id: str, content_type: str, body: bytes) -> bool:
    if content_type == "xml":
        root_name = spec.operation(operation_id).request_body.xml_root  # type: ignore[union-attr]
        return not spec.validate_xml(spec.codec.parse(body), root_name=root_name)
    return not spec.validate_request_json(operation_id, json.loads(body))


def diglot_rate(
    spec: Spec, operation_id: str, content_type: str, count: int
) -> tuple[float, float]:
    """(bodies per second, fraction valid) for diglot's strategy, built once."""
    strategy = from_operation(
        spec.operation(operation_id),
        spec=spec,
        content_type=content_type,
        account_id=DEFAULT_ACCOUNT_ID,
        names=Names(),
        kinds=(CaseKind.VALID,),
    )
    bodies: list[bytes] = []

    def consume(case: object) -> None:
        assert isinstance(case, Case)
        bodies.append(_encode(spec, case))

    seconds = _draw(strategy, count, consume)
    valid = sum(_valid(spec, operation_id, content_type, b) for b in bodies)
    return len(bodies) / seconds, valid / max(1, len(bodies))


def from_schema_rate(spec: Spec, operation_id: str, count: int) -> float:
    """Bodies per second of hypothesis-jsonschema's ``from_schema`` on the request schema."""
    from hypothesis_jsonschema import from_schema

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        strategy = from_schema(dict(spec.request_schema(operation_id)))
        bodies: list[bytes] = []
        seconds = _draw(strategy, count, lambda body: bodies.append(json.dumps(body).encode()))
    return len(bodies) / seconds


def measure(*, quick: bool) -> list[Row]:
    spec = load_spec()
    count, repeats = (40, 1) if quick else (300, 5)
    rows: list[Row] = []
    reference = {
        op: median([from_schema_rate(spec, op, max(10, count // 10)) for _ in range(repeats)])
        for op in TARGETS
    }
    for operation_id, bound in TARGETS.items():
        for content_type in ("json", "xml"):
            samples = [diglot_rate(spec, operation_id, content_type, count) for _ in range(repeats)]
            rate = median([s[0] for s in samples])
            valid = min(s[1] for s in samples)
            target, passed = at_least(rate, bound)
            rows.append(
                Row(
                    "generation",
                    f"valid {operation_id} bodies, {content_type.upper()}",
                    rate,
                    "bodies/s",
                    target,
                    passed and valid == 1.0,
                    f"hypothesis-jsonschema from_schema {reference[operation_id]:.1f}/s (JSON)",
                    note=f"{valid:.0%} valid against the "
                    + ("XSD" if content_type == "xml" else "request schema"),
                )
            )
    return rows
