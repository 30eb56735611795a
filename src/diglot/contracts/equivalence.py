"""Equivalence: the same request answered in JSON and in XML says the same thing."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from diglot.contracts._observation import Observation, pointer, show
from diglot.contracts._registry import CheckInfo, MultiCheck, RunContext, register_multi_check
from diglot.model import Case, CaseKind, JSONValue

if TYPE_CHECKING:
    from diglot.specs._model import Operation

MAX_DIFFERENCES = 10

EQUIVALENCE = CheckInfo(
    "equivalence.json_xml",
    "The same request answered in JSON and in XML describes the same data: same status, "
    'names, values, lists (null, nil, absent and an empty list all mean "no value").',
)


COMPARISONS_PER_BATCH = 100
"""Generated comparisons per hypothesis run (its bookkeeping grows with each example)."""


@register_multi_check
class JsonXmlEquivalence(MultiCheck):
    """Send each generated GET in JSON, in XML, and in JSON again; compare the answers.

    The second JSON answer tells whether the data changed in between: then nothing can be
    concluded and the comparison is inconclusive, never a finding.
    """

    checks = (EQUIVALENCE,)
    phase = "equivalence"

    def covers(self, operation: Operation, content_type: str) -> bool:
        return operation.is_read_only and content_type == "xml"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return self.covers(operation, content_type) and "json" in run.content_types

    def drive(self, run: RunContext, operation: Operation, content_type: str) -> None:
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import seed as hypothesis_seed

        from diglot.strategies import from_operation

        strategy = from_operation(
            operation,
            spec=run.spec,
            content_type="json",
            account_id=run.account_id,
            names=run.names,
            kinds=(CaseKind.VALID,),
        )

        # in batches, each its own hypothesis run with a seed derived from the run's:
        # hypothesis keeps every example of a run until it ends, so memory stays flat
        remaining = max(3, run.max_examples // 3)
        batch = 0
        while remaining > 0:
            size = min(remaining, COMPARISONS_PER_BATCH)

            @settings(
                max_examples=size,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate],
            )
            @hypothesis_seed(run.seed if batch == 0 else hash((run.seed, batch)) % 2**32)
            @given(case=strategy)
            def compare(case: Case) -> None:
                compare_pair(run, case)

            compare()
            remaining -= size
            batch += 1

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        """The plain list in both representations, every ``include_*`` flag on.

        The most data to compare: the run's first XML answer, and its first comparison.
        """
        query = {
            parameter.name: "true"
            for parameter in operation.parameters
            if parameter.location == "query" and parameter.name.startswith("include_")
        }
        compare_pair(
            run,
            Case(
                operation.operation_id,
                "json",
                {"accountId": run.account_id},
                query,
                note="the plain list, in JSON and in XML",
            ),
        )


def compare_pair(run: RunContext, case: Case) -> None:
    """Send ``case`` in JSON, in XML and in JSON again; compare the answers.

    The JSON halves are judged by the JSON phase already: here they are compared.
    """
    first = run.fetch(case)
    second = run.send(replace(case, content_type="xml"))
    again = run.fetch(case)
    if first.response is None or again.response is None:
        return
    if first.status != again.status or first.data != again.data:
        second.inconclusive(
            "equivalence.json_xml",
            "the JSON answer changed between the requests around the XML one (the "
            "data is changing), so the two could not be compared",
        )
        run.record(second)
        return
    judge_pair(first, second)
    run.judged(second, "equivalence.json_xml")


def _scalar(value: JSONValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # canonically equivalent text is the same text (é precomposed or e + U+0301)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _canonical(value: JSONValue) -> JSONValue:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items()) if not _no_value(v)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return None if value is None else _scalar(value)


def _as_multiset(items: list[JSONValue]) -> list[str]:
    return sorted(json.dumps(_canonical(item), sort_keys=True) for item in items)


def _no_value(value: JSONValue) -> bool:
    return value is None or value == [] or value == {}


def differences(
    left: JSONValue, right: JSONValue, path: str = ""
) -> Iterator[tuple[str, str, JSONValue, JSONValue]]:
    """(pointer, kind, json value, xml value) for every place the two disagree.

    Numbers and booleans compare by their text (XML has no types), text by its NFC form;
    the order of a nested list (a group's members) does not matter, the order of the
    listed items does (it is the pagination's);
    an empty list and an
    absent one are the same, and so are null (``xsi:nil`` in XML) and absent: an optional
    property without a value may be written either way (DocuSign's own JSON omits nulls,
    .NET's XML serializer writes nil). Anything else is kind ``value``, ``length``, ``shape``
    or ``only in JSON`` / ``only in XML``.
    """
    if isinstance(left, dict) and isinstance(right, dict):
        for key in list(left) + [k for k in right if k not in left]:
            here = path + pointer(key)
            if key not in right or key not in left:
                value = left.get(key) if key in left else right.get(key)
                if not _no_value(value):
                    side = "JSON" if key in left else "XML"
                    yield here, f"only in {side}", left.get(key), right.get(key)
                continue
            yield from differences(left[key], right[key], here)
    elif isinstance(left, list) and isinstance(right, list):
        if path.count("/") > 1 and _as_multiset(left) == _as_multiset(right):
            return  # a nested list (a group's members) in another order says the same
        if len(left) != len(right):
            yield path, "length", f"{len(left)} items", f"{len(right)} items"
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            yield from differences(a, b, path + pointer(index))
    elif _no_value(left) and _no_value(right):
        return
    elif isinstance(left, (dict, list)) or isinstance(right, (dict, list)):
        yield path, "shape", left, right
    elif left is None or right is None:
        if left is not right:
            yield path, "value", left, right
    elif _scalar(left) != _scalar(right):
        yield path, "value", left, right


def judge_pair(json_obs: Observation, xml_obs: Observation) -> None:
    """Compare one request's JSON answer with its XML answer; findings go on the XML one."""
    if json_obs.response is None or xml_obs.response is None:
        return
    if json_obs.status != xml_obs.status:
        xml_obs.report(
            "equivalence.json_xml",
            f"the same request is answered {json_obs.status} in JSON and {xml_obs.status} in XML",
            expected=str(json_obs.status),
            actual=str(xml_obs.status),
        )
        return
    if json_obs.problem or xml_obs.problem or json_obs.body_format != "json":
        return
    if xml_obs.body_format != "xml" or xml_obs.root is None:
        return
    for found, (where, kind, json_value, xml_value) in enumerate(
        differences(json_obs.data, xml_obs.data), start=1
    ):
        if found > MAX_DIFFERENCES:
            break
        xml_obs.report(
            "equivalence.json_xml",
            f"JSON and XML disagree ({kind})",
            expected=f"JSON: {show(json_value)}",
            actual=f"XML: {show(xml_value)}",
            location=where,
        )
