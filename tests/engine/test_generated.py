"""Generated cases: a failure is shrunk to a minimal case, listed first; no request twice."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

import diglot.engine._generate as generate
from diglot.engine import RunOptions, run
from diglot.engine._session import Session
from diglot.model import Case, Request


def test_a_failing_get_is_shrunk_to_a_minimal_case_listed_first() -> None:
    # the server ignores search_text: any generated search that leaves out a group fails
    result = run(
        RunOptions(
            max_examples=30,
            seed=3,
            fault="search-text-ignored",
            operations=("listGroups",),
            content_types=("json",),
            stateful=False,
        )
    )
    (row,) = [r for r in result.results if r.check == "semantics.filters"]
    assert len(row.findings) > 1
    first = row.findings[0].request
    assert first is not None
    query = parse_qs(urlsplit(first.url).query)
    assert list(query) == ["search_text"]  # nothing but the parameter at fault
    assert len(query["search_text"][0]) == 1  # and the shortest text that shows it


def test_a_slice_never_sends_the_same_request_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """listSigningGroups has a dozen different queries: hypothesis draws them again and again."""
    slices: list[Counter[tuple[str, str, bytes]]] = []
    inside = False
    send = Session.send
    batch = generate._generate_batch

    def recording_send(self: Session, case: Case, request: Request | None = None) -> object:
        if inside:
            sent = request or self.request_for(case)
            slices[-1][(sent.method, sent.url, sent.body)] += 1
        return send(self, case, request)

    def recording_batch(*args: object, **kwargs: object) -> object:
        nonlocal inside
        slices.append(Counter())
        inside = True
        try:
            return batch(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            inside = False

    monkeypatch.setattr(Session, "send", recording_send)
    monkeypatch.setattr(generate, "_generate_batch", recording_batch)
    run(
        RunOptions(
            max_examples=60,
            seed=5,
            operations=("listSigningGroups",),
            content_types=("json",),
            stateful=False,
        )
    )
    assert slices
    assert sum(sum(sent.values()) for sent in slices) < 60  # the dozen queries ran out
    for sent in slices:
        assert max(sent.values()) == 1
