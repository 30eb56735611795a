"""Equivalence: the same request answered in JSON and in XML says the same thing."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from diglot.contracts._registry import CheckInfo, Observation, pointer, register, show
from diglot.model import Family, JSONValue

MAX_DIFFERENCES = 10

register(
    CheckInfo(
        "equivalence.json_xml",
        Family.EQUIVALENCE,
        "The same request answered in JSON and in XML describes the same data: same status, "
        'names, values, lists (null, nil, absent and an empty list all mean "no value").',
        multi=True,
    )
)


def _scalar(value: JSONValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # canonically equivalent text is the same text (é precomposed or e + U+0301)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _no_value(value: JSONValue) -> bool:
    return value is None or value == [] or value == {}


def differences(
    left: JSONValue, right: JSONValue, path: str = ""
) -> Iterator[tuple[str, str, JSONValue, JSONValue]]:
    """(pointer, kind, json value, xml value) for every place the two disagree.

    Numbers and booleans compare by their text (XML has no types), text by its NFC form;
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
