"""Filters judged in both directions, and the pages of a filtered search (issue 13).

``semantics.filters`` judges one side of a filter: what is listed matches. This module judges
the other side against the account itself: a full list of the account (unfiltered, walked
by ``start_position``) says which groups match a ``search_text`` or a ``group_type``, and the
filtered list must hold every one of them (``semantics.filter_complete``). The pages of
that same search are then walked by their links, and a page past the end is asked for:
every link must keep the search, and every page of one search — the last and the
past-the-end one too — must report the same ``totalSetSize`` (``pagination.filtered_pages``).

Evidence is needed: a list too long for a bounded walk, a list that changes while it is
read, or an account without a name or type to search for makes the checks inconclusive.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from diglot.contracts._observation import Observation, show
from diglot.contracts._registry import CheckInfo, MultiCheck, RunContext, register_multi_check
from diglot.contracts.pagination import Page, _follow
from diglot.contracts.semantics import text_contains
from diglot.model import Case, JSONValue

if TYPE_CHECKING:
    from diglot.specs._model import Operation

COMPLETE = CheckInfo(
    "semantics.filter_complete",
    "A filtered list is complete: every group of the account whose name contains search_text "
    "(case-insensitive), or whose type is group_type, is listed, as the unfiltered list of "
    "the same account shows.",
    operations=frozenset({"listGroups"}),
)
FILTERED_PAGES = CheckInfo(
    "pagination.filtered_pages",
    "The pages of a filtered search keep it: walking a search_text/group_type list by nextUri "
    "gives exactly the groups of that search, and every page of one search, the last and a "
    "page past the end included, reports the same totalSetSize.",
    operations=frozenset({"listGroups"}),
)
MAX_GROUPS = 500
"""The longest account list read in full to know what a filter must find."""
MAX_FILTERED_PAGES = 10


@register_multi_check
class FilterCompleteness(MultiCheck):
    """Read the whole account, then ask for filtered lists: nothing matching may be missing."""

    checks = (COMPLETE, FILTERED_PAGES)
    phase = "pagination"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return run.stateful and operation.operation_id == "listGroups"

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        # a handful of requests: all of it early
        judge_filters(run, content_type)


def _groups(data: JSONValue) -> list[Mapping[str, JSONValue]]:
    items = data.get("groups") if isinstance(data, dict) else None
    return [g for g in items if isinstance(g, dict)] if isinstance(items, list) else []


def _text(value: JSONValue) -> str | None:
    return value if isinstance(value, str) else None


def _key(group: Mapping[str, JSONValue]) -> str:
    """What identifies a group across lists: its groupId (its name when it has none)."""
    return str(group.get("groupId") or group.get("groupName") or "")


def read_account(
    run: RunContext, content_type: str
) -> tuple[list[Mapping[str, JSONValue]], int] | str:
    """Every group of the account, by start_position with count=100, and its totalSetSize.

    Returns:
        The groups and the total, or why they could not be read (too many, an error, a
        list that changed while it was read).
    """
    account = {"accountId": run.account_id}
    groups: list[Mapping[str, JSONValue]] = []
    totals: set[int] = set()
    start = 0
    while True:
        case = Case(
            "listGroups",
            content_type,
            account,
            {"count": "100", "start_position": str(start)},
            note="read the whole account to know what a filter must find",
        )
        obs = run.fetch(case)
        page = Page.of(obs.data)
        if obs.status != 200 or page is None or page.total_set_size is None:
            return "the unfiltered list could not be read (no 200 page with a totalSetSize)"
        if page.total_set_size > MAX_GROUPS:
            return f"the account holds {page.total_set_size} groups, more than {MAX_GROUPS} read"
        totals.add(page.total_set_size)
        groups += _groups(obs.data)
        if not page.items or start + len(page.items) >= page.total_set_size:
            break
        start += len(page.items)
    if len(totals) != 1 or len(groups) != next(iter(totals)):
        return "the unfiltered list changed while it was read (or its pages disagree)"
    return groups, next(iter(totals))


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def pick_search(groups: list[Mapping[str, JSONValue]]) -> str | None:
    """A search_text that matches inside names (not only at their start or end).

    Three ASCII letters from the middle of a name, the ones found in most names (fewest
    first on a tie, so the search stays small), so that a filter that only matches prefixes
    or suffixes, or only exact names, misses some.
    """
    counts: Counter[str] = Counter()
    for group in groups:
        name = _text(group.get("groupName"))
        if not name:
            continue
        name = _nfc(name)
        seen = set()
        for i in range(1, len(name) - 3):
            piece = name[i : i + 3]
            if piece.isascii() and piece.isalpha() and piece.casefold() not in seen:
                seen.add(piece.casefold())
                counts[piece.casefold()] += 1
    if not counts:
        return None
    best = max(counts.values())
    wanted = min((n for n in counts.values() if n >= 2), default=best)
    return sorted(term for term, n in counts.items() if n == wanted)[0]


def judge_filters(run: RunContext, content_type: str) -> None:
    read = read_account(run, content_type)
    if isinstance(read, str):
        for check in (COMPLETE.id, FILTERED_PAGES.id):
            run.skip("listGroups", content_type, check, read)
        return
    groups, total = read
    searches: list[dict[str, str]] = []
    term = pick_search(groups)
    if term is not None:
        searches.append({"search_text": term})
    types = sorted({t for g in groups if (t := _text(g.get("groupType")))})
    searches += [{"group_type": t} for t in types[:3]]
    if not searches:
        for check in (COMPLETE.id, FILTERED_PAGES.id):
            run.skip(
                "listGroups", content_type, check, "no group has a name or a type to filter by"
            )
        return
    walked = False
    for search in searches:
        expected = [g for g in groups if _matches(g, search)]
        obs = run.send(
            Case(
                "listGroups",
                content_type,
                {"accountId": run.account_id},
                {**search, "count": "100"},
                note="a filter must list every matching group",
            )
        )
        if obs.status != 200 or Page.of(obs.data) is None:
            continue
        if not _unchanged(run, content_type, total):
            obs.inconclusive(COMPLETE.id, "the account's list changed while the filter was judged")
            run.record(obs)
            return
        judge_complete(obs, search, expected)
        run.judged(obs, COMPLETE.id)
        if not walked and len(expected) >= 2:
            walked = True
            walk_filtered(run, content_type, search, obs)
    if not walked:
        run.skip(
            "listGroups",
            content_type,
            FILTERED_PAGES.id,
            "no filter matched two groups or more, so there were no pages to walk",
        )


def _matches(group: Mapping[str, JSONValue], search: Mapping[str, str]) -> bool:
    if "search_text" in search:
        name = _text(group.get("groupName"))
        return name is not None and text_contains(name, search["search_text"])
    # the exact spelling sent: a case-sensitive match of it is faithful too
    return _text(group.get("groupType")) == search["group_type"]


def _unchanged(run: RunContext, content_type: str, total: int) -> bool:
    case = Case("listGroups", content_type, {"accountId": run.account_id}, {"count": "1"})
    page = Page.of(run.fetch(case).data)
    return page is not None and page.total_set_size == total


def _describe(search: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in search.items())


def judge_complete(
    obs: Observation, search: Mapping[str, str], expected: list[Mapping[str, JSONValue]]
) -> None:
    """Every group the account shows matching ``search`` is in the filtered list ``obs``."""
    page = Page.of(obs.data)
    assert page is not None
    listed = {_key(g) for g in _groups(obs.data)}
    missing = [g for g in expected if _key(g) not in listed]
    if missing and page.next_uri is None:
        names = ", ".join(show(g.get("groupName"), 60) for g in missing[:5])
        obs.report(
            COMPLETE.id,
            f"{_describe(search)} does not list {len(missing)} of the {len(expected)} groups "
            "of the account that match it",
            expected=f"all {len(expected)} matching groups (the unfiltered list shows them)",
            actual=f"missing: {names}",
            location="/groups",
        )
    if page.total_set_size is not None and page.total_set_size < len(expected):
        obs.report(
            COMPLETE.id,
            f"{_describe(search)}: totalSetSize is {page.total_set_size}, but {len(expected)} "
            "groups of the account match",
            expected=f">= {len(expected)}",
            actual=str(page.total_set_size),
            location="/totalSetSize",
        )
    if not expected:
        obs.inconclusive(COMPLETE.id, f"no group of the account matches {_describe(search)}")
    elif page.next_uri is not None:
        obs.inconclusive(
            COMPLETE.id,
            f"{_describe(search)} fills more than a page of 100, so only its total was judged",
        )


def walk_filtered(
    run: RunContext, content_type: str, search: Mapping[str, str], whole: Observation
) -> None:
    """Walk the same search by nextUri in small pages, then ask for a page past its end."""
    whole_page = Page.of(whole.data)
    assert whole_page is not None
    if whole_page.next_uri is not None or whole_page.total_set_size is None:
        run.skip("listGroups", content_type, FILTERED_PAGES.id, "the search fills more than a page")
        return
    wanted = {_key(g) for g in _groups(whole.data)}
    total = whole_page.total_set_size
    count = max(1, -(-len(wanted) // MAX_FILTERED_PAGES))
    account = {"accountId": run.account_id}
    case = Case(
        "listGroups", content_type, account, {**search, "count": str(count)}, note="filtered walk"
    )
    current: Observation | None = run.send(case)
    met: list[str] = []
    pages = 0
    while current is not None and pages <= MAX_FILTERED_PAGES + 1:
        pages += 1
        page = Page.of(current.data)
        if current.status != 200 or page is None:
            return
        met += [_key(g) for g in _groups(current.data)]
        _same_total(current, search, total)
        if page.next_uri is None:
            break
        previous = current
        current = _follow(run, previous, "nextUri", page.next_uri, content_type)
    assert current is not None
    strays = sorted(set(met) - wanted)
    missed = sorted(wanted - set(met))
    if strays or missed or len(met) != len(set(met)):
        current.report(
            FILTERED_PAGES.id,
            f"walking {_describe(search)} by nextUri (count={count}) does not give the groups "
            "of that search: a link did not keep the search, or skipped or repeated groups",
            expected=f"the {len(wanted)} groups of the search, once each",
            actual=f"{len(met)} groups met; not of the search: {strays[:5]}; missed: {missed[:5]}",
            location="/nextUri",
        )
    run.judged(current, FILTERED_PAGES.id)
    beyond = Case(
        "listGroups",
        content_type,
        account,
        {**search, "count": "2", "start_position": str(total + 3)},
        note="a page past the end of a filtered search",
    )
    past = run.send(beyond)
    if past.status == 200 and Page.of(past.data) is not None:
        _same_total(past, search, total)
        run.judged(past, FILTERED_PAGES.id)


def _same_total(obs: Observation, search: Mapping[str, str], total: int) -> None:
    page = Page.of(obs.data)
    if page is None or page.total_set_size is None or page.total_set_size == total:
        return
    obs.report(
        FILTERED_PAGES.id,
        f"{_describe(search)}: this page says totalSetSize {page.total_set_size}, the first "
        f"page of the same search said {total}",
        expected=str(total),
        actual=str(page.total_set_size),
        location="/totalSetSize",
    )
