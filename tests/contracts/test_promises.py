"""The promise inventory stays honest: its words are the pages', its checks and faults exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diglot.contracts import CHECKS
from diglot.contracts.promises import PROMISES, coverage
from diglot.engine._results import CheckResult
from diglot.model import Family, Finding, Severity
from diglot.server import FAULTS

SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("•", " ")).strip()


def test_the_words_are_the_pages_own() -> None:
    pages = _flat(" ".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))))
    assert len(pages) > 10_000
    missing = [p.id for p in PROMISES if _flat(p.words) not in pages]
    assert missing == []


def test_ids_are_unique_and_every_gap_is_explained() -> None:
    ids = [p.id for p in PROMISES]
    assert len(ids) == len(set(ids))
    for promise in PROMISES:
        assert promise.content_types
        assert set(promise.content_types) <= {"json", "xml"}
        if not promise.checks or not promise.faults:
            assert promise.gap, f"{promise.id} has no check or no fault and says not why"


def test_every_check_named_exists_and_every_builtin_check_judges_a_promise() -> None:
    named = {check for p in PROMISES for check in p.checks}
    assert named - set(CHECKS) == set()
    builtin = {c for c in CHECKS if not c.startswith(("acme.", "test."))}
    unlisted = builtin - named
    assert not unlisted, (
        f"{sorted(unlisted)} judge no promise: add the promises they judge (the seed's words) "
        "to src/diglot/specs/promises.py"
    )


def test_every_fault_named_exists_is_of_a_checks_family_and_proves_a_promise() -> None:
    for promise in PROMISES:
        families = {CHECKS[c].family for c in promise.checks}
        for fault in promise.faults:
            assert fault in FAULTS, f"{promise.id}: no fault {fault!r}"
            assert str(FAULTS[fault].family) in families, f"{promise.id}: {fault}"
    assert set(FAULTS) - {f for p in PROMISES for f in p.faults} == set()


def _row(check: str, **fields: object) -> CheckResult:
    row = CheckResult("listGroups", "json", check, CHECKS[check].family)
    for key, value in fields.items():
        setattr(row, key, value)
    return row


def test_coverage_is_derived_from_the_rows() -> None:
    finding = Finding(
        check="pagination.page",
        family=Family.PAGINATION,
        severity=Severity.VIOLATION,
        message="x",
        operation="listGroups",
        content_type="json",
    )
    broken = _row("pagination.page", exchanges=3)
    broken.add(finding)
    rows = [
        broken,
        _row("semantics.filter_complete", inconclusive={"no group matches": 1}),
        _row("semantics.limits", skip_reason="--read-only: only GET requests are sent"),
        _row("semantics.filters", exchanges=2),
    ]
    states = {c.promise.id: c for c in coverage(rows)}
    assert states["listGroups.end_position"].state == "broken"
    assert states["listGroups.search_text_complete"].state == "inconclusive"
    assert states["listGroups.search_text_complete"].reasons == ("no group matches",)
    assert states["createUsers.max_500"].state == "not judged"
    assert "read-only" in states["createUsers.max_500"].reasons[0]
    assert states["listGroups.search_text_sound"].state == "judged"
    assert states["createGroups.user_settings_not_needed"].state == "no check"
    assert states["createUsers.locale"].state == "no check"


def test_every_report_shows_the_runs_promise_coverage() -> None:
    from typing import Any, cast

    from diglot import RunOptions, run
    from diglot.reports._document import report_schema, to_json
    from diglot.reports._html import render_html
    from diglot.reports._markdown import render_markdown

    result = run(
        RunOptions(
            max_examples=1,
            seed=3,
            read_only=True,
            operations=("listGroups", "createUsers"),
            content_types=("json",),
        )
    )
    import jsonschema  # type: ignore[import-untyped]

    entries = cast("list[dict[str, Any]]", to_json(result)["promises"])
    schema = cast("dict[str, Any]", report_schema()["properties"])["promises"]
    jsonschema.validate(entries, schema)
    by_id = {e["id"]: e for e in entries}
    assert len(by_id) == len(PROMISES)
    assert by_id["listGroups.count"]["state"] == "judged"
    assert by_id["listGroups.count"]["judged_in"] == ["json"]
    assert by_id["createUsers.max_500"]["state"] == "not judged"
    assert "read-only" in by_id["createUsers.max_500"]["reasons"][0]
    assert by_id["createUsers.locale"]["state"] == "no check"
    markdown = render_markdown(result)
    assert "**Promise coverage:**" in markdown
    assert "not judged: --read-only: only GET requests are sent" in markdown
    page = render_html(result)
    assert '<section id="promises">' in page
    assert "createUsers.max_500" in page


def test_checks_promises_prints_the_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    from diglot.cli import main

    assert main(["checks", "--promises"]) == 0
    out = capsys.readouterr().out
    for promise in PROMISES:
        assert f"{promise.id}  [" in out
    assert "faults: search-text-suffix-only" in out
    assert f"{len(PROMISES)} promises;" in out
    assert "no check: createGroups.user_settings_not_needed" in out
