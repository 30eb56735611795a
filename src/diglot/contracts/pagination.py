"""Pagination checks: set sizes, positions and links agree with the request and the items.

The documentation says: ``resultSetSize`` is the number of results in this response,
``totalSetSize`` is never less than it, ``startPosition`` is the start of this set,
``endPosition`` its last position, ``nextUri`` is null on the last set and ``previousUri``
null on the first, and ``count`` is the number of records to return.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diglot.contracts._observation import Observation, show
from diglot.contracts._registry import (
    CheckInfo,
    MultiCheck,
    RunContext,
    register_check,
    register_multi_check,
)
from diglot.errors import Halt
from diglot.model import Case, JSONValue, Request, Severity

if TYPE_CHECKING:
    from diglot.specs._model import Operation

PAGED = frozenset({"listGroups"})

LINKS = CheckInfo(
    "pagination.links",
    "nextUri leads to the page right after this one and previousUri to a prior chunk that "
    "reaches up to it, for the same search (resolved as a client would: absolute URL on the "
    "target's origin, server-absolute path, or relative to the page or the account).",
    operations=PAGED,
)
WALK = CheckInfo(
    "pagination.walk",
    "Walking the whole list page by page returns every item exactly once, as many as "
    "totalSetSize says.",
    operations=PAGED,
)
MEDIA = {"json": "application/json", "xml": "application/xml"}
MAX_WALK_PAGES = 40
GLANCE_PAGES = 3
"""Pages of the early walk (``glance``): a few requests that already exercise every link."""


@register_multi_check
class PaginationWalk(MultiCheck):
    """Walk the group list by start_position and by its links; judge every link followed."""

    checks = (LINKS, WALK)
    phase = "pagination"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return run.stateful and operation.operation_id in PAGED

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        walk_group_list(run, content_type, pages=GLANCE_PAGES, early=True)

    def drive(self, run: RunContext, operation: Operation, content_type: str) -> None:
        walk_group_list(run, content_type, pages=walk_pages(run))

    def after_response(self, obs: Observation, run: RunContext) -> None:
        follow_from_any_page(obs, run)


MAX_FOLLOWED = 4
"""Links followed from pages the walks do not make, per content type and run."""
_FOLLOWED: dict[int, dict[str, int]] = {}
"""Per run (by id, dropped when the run is): links left per content type, and ``busy``."""


def _followed(run: RunContext) -> dict[str, int]:
    key = id(run)
    if key not in _FOLLOWED:
        _FOLLOWED[key] = {}
        weakref.finalize(run, _FOLLOWED.pop, key, None)
    return _FOLLOWED[key]


def follow_from_any_page(obs: Observation, run: RunContext) -> None:
    """Follow the links of a page no walk makes: one between multiples of count, or filtered.

    The walks start at 0 and step by count without a filter; a link built from a page number
    or one that drops the search only shows elsewhere. A few links per content type and run
    are followed (``MAX_FOLLOWED``), from pages that hold items (a page past the end has no
    prior chunk that reaches up to it).
    """
    if obs.case.operation not in PAGED or obs.status != 200 or obs.problem is not None:
        return
    left = _followed(run)
    if not run.stateful or left.get("busy"):
        return
    query = obs.case.query
    count = _int(query.get("count", ""))
    start = _int(query.get("start_position", "0"))
    unaligned = bool(count and start and start % count)
    if not (unaligned or query.get("search_text") or query.get("group_type")):
        return
    page = Page.of(obs.data)
    if page is None or page.start_position is None or not page.items:
        return
    content_type = obs.case.content_type
    links = [(k, u) for k, u in (("nextUri", page.next_uri), ("previousUri", page.previous_uri))]
    left["busy"] = 1
    try:
        for key, uri in links:
            if uri is None or left.get(content_type, MAX_FOLLOWED) <= 0:
                continue
            left[content_type] = left.get(content_type, MAX_FOLLOWED) - 1
            _follow(run, obs, key, uri, content_type)
    except Halt:  # the budget or the target gave out: the run's own cases will say so
        left[content_type] = 0
    finally:
        left["busy"] = 0


@dataclass(frozen=True, slots=True)
class Page:
    """The pagination fields of one list response, as integers where they are digits."""

    items: list[JSONValue]
    result_set_size: int | None
    total_set_size: int | None
    start_position: int | None
    end_position: int | None
    next_uri: str | None
    previous_uri: str | None
    raw: Mapping[str, JSONValue]

    @classmethod
    def of(cls, data: JSONValue, item_key: str = "groups") -> Page | None:
        if not isinstance(data, dict):
            return None
        items = data.get(item_key)
        if items is None:
            items = []
        if not isinstance(items, list):
            return None
        return cls(
            items=items,
            result_set_size=_int(data.get("resultSetSize")),
            total_set_size=_int(data.get("totalSetSize")),
            start_position=_int(data.get("startPosition")),
            end_position=_int(data.get("endPosition")),
            next_uri=_uri(data.get("nextUri")),
            previous_uri=_uri(data.get("previousUri")),
            raw=data,
        )

    @property
    def is_last(self) -> bool | None:
        if self.total_set_size is None or self.start_position is None:
            return None
        return self.start_position + len(self.items) >= self.total_set_size


def _int(value: JSONValue) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _uri(value: JSONValue) -> str | None:
    return value if isinstance(value, str) and value else None


@register_check(
    "pagination.page",
    description="One page is consistent: resultSetSize counts its items, totalSetSize is not smaller, "
    "startPosition/endPosition match the request and the items, count is honoured, nextUri "
    "is null exactly on the last page and previousUri exactly on the first.",
    operations=PAGED,
)
def page_conformance(obs: Observation) -> bool:
    if obs.response is None or obs.status != 200 or obs.problem is not None:
        return False
    page = Page.of(obs.data)
    if page is None:
        return False  # schema.body says what is wrong with the shape
    query = obs.case.query
    size = len(page.items)
    report = obs.report
    if page.result_set_size is not None and page.result_set_size != size:
        report(
            "pagination.page",
            f"resultSetSize says {page.result_set_size}, the page holds {size} items",
            expected=str(size),
            actual=show(page.raw.get("resultSetSize")),
            location="/resultSetSize",
        )
    if page.total_set_size is not None and page.total_set_size < size:
        report(
            "pagination.page",
            f"totalSetSize {page.total_set_size} is less than the {size} items on this page",
            expected=f">= {size}",
            actual=str(page.total_set_size),
            location="/totalSetSize",
        )
    if (
        size
        and page.start_position is not None
        and page.total_set_size is not None
        and page.start_position + size > page.total_set_size
    ):
        report(
            "pagination.page",
            f"the page holds positions {page.start_position}..{page.start_position + size - 1}, "
            f"past the end of a result set of {page.total_set_size}",
            expected=f"startPosition + items <= totalSetSize ({page.total_set_size})",
            actual=f"{page.start_position} + {size}",
            location="/startPosition",
        )
    requested_start = _int(query.get("start_position", "0"))
    if (
        size  # an empty page past the end may report a clamped position: not documented
        and page.start_position is not None
        and requested_start is not None
        and page.start_position != requested_start
    ):
        report(
            "pagination.page",
            f"asked for start_position={requested_start}, startPosition says {page.start_position}",
            expected=str(requested_start),
            actual=str(page.start_position),
            location="/startPosition",
        )
    if (
        page.end_position is not None
        and page.start_position is not None
        and size
        and page.end_position != page.start_position + size - 1
    ):
        report(
            "pagination.page",
            f"endPosition {page.end_position} does not match startPosition "
            f"{page.start_position} and {size} items",
            expected=str(page.start_position + size - 1),
            actual=str(page.end_position),
            location="/endPosition",
        )
    count = _int(query.get("count", ""))
    if count is not None and 1 <= count <= 100 and size > count:
        report(
            "pagination.page",
            f"asked for count={count}, got {size} items",
            expected=f"at most {count} items",
            actual=f"{size} items",
            location="/groups",
        )
    _check_links(obs, page)
    return True


def _check_links(obs: Observation, page: Page) -> None:
    for key in ("nextUri", "previousUri"):
        if page.raw.get(key) == "":
            obs.report(
                "pagination.page",
                f"{key} is an empty string; the documentation says null",
                expected="null (or absent)",
                actual='""',
                location=f"/{key}",
                severity=Severity.WARNING,
            )
    last = page.is_last
    if last is True and page.next_uri is not None:
        obs.report(
            "pagination.page",
            "nextUri is set on the last page (startPosition + items >= totalSetSize)",
            expected="null",
            actual=page.next_uri,
            location="/nextUri",
        )
    if last is False and page.next_uri is None:
        obs.report(
            "pagination.page",
            "nextUri is null but more items remain "
            f"({page.start_position} + {len(page.items)} < {page.total_set_size})",
            expected="a URI for the next page",
            actual="null",
            location="/nextUri",
        )
    if page.start_position == 0 and page.previous_uri is not None:
        obs.report(
            "pagination.page",
            "previousUri is set on the first page",
            expected="null",
            actual=page.previous_uri,
            location="/previousUri",
        )
    if page.start_position and page.previous_uri is None and page.items:
        obs.report(
            "pagination.page",
            f"previousUri is null on a page starting at {page.start_position}",
            expected="a URI for the previous page",
            actual="null",
            location="/previousUri",
        )


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """The origin of an absolute URL as RFC 3986 normalises it, or None if it has none.

    Scheme and host compare case-insensitively and a default port is the same as none:
    ``HTTPS://Host:443/x`` and ``https://host/y`` share one origin.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    scheme = parts.scheme.lower()
    if not scheme or parts.hostname is None:
        return None
    return scheme, parts.hostname.rstrip("."), port or _DEFAULT_PORTS.get(scheme)


def resolve_link(
    spec_match: object, base_url: str, account_id: str, uri: str, *, page_url: str = ""
) -> str | None:
    """Turn a nextUri/previousUri into an absolute URL of the list operation, or None.

    The documentation does not say how the URIs are written, so every form a client could
    meet is tried: an absolute URL on the target's origin (compared as RFC 3986 normalises
    it: scheme and host in any case, the default port written or not), a server-absolute
    path, a path below the base URL (``/v2.1/accounts/…``), below the API version
    (``/accounts/…``), or a relative reference, resolved first against the URL of the page
    that carries it (RFC 3986 §5.2: ``?start_position=…`` is that path with another query),
    then against the account (``groups?…``). The first candidate whose
    path is the list operation wins. An absolute URL on another origin is never followed;
    one on the target's origin is sent to the base URL's own spelling of it.
    """
    from urllib.parse import urljoin, urlsplit, urlunsplit

    from diglot.specs import Spec

    assert isinstance(spec_match, Spec)
    base = urlsplit(base_url)
    base_path = base.path.rstrip("/")
    origin = f"{base.scheme}://{base.netloc}"
    version_base = f"{base_url.rstrip('/')}/v2.1"
    account_base = f"{version_base}/accounts/{account_id}/"
    uri = uri.strip()
    target = urlsplit(uri)
    if target.scheme or target.netloc:
        if target.netloc and not target.scheme:  # "//host/path": the base's scheme
            target = urlsplit(f"{base.scheme}:{uri}")
        if origin_of(urlunsplit(target)) != origin_of(base_url):
            return None
        candidates = [urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))]
    elif uri.startswith("/"):
        candidates = [origin + uri, base_url.rstrip("/") + uri, version_base + uri]
    else:
        candidates = [urljoin(account_base, uri), urljoin(version_base + "/", uri)]
        if page_url:
            candidates.insert(0, urljoin(page_url, uri))
    for candidate in candidates:
        path = urlsplit(candidate).path
        if not path.startswith(base_path):
            continue
        found = spec_match.match("GET", path[len(base_path) :])
        if found is not None and found[0].operation_id == "listGroups":
            return candidate
    return None


def judge_link(first: Observation, key: str, reached: Observation | None, url: str | None) -> None:
    """Judge the page that ``key`` (nextUri/previousUri) of ``first`` led to."""
    page = Page.of(first.data)
    uri = page.raw.get(key) if page else None
    if page is None or page.start_position is None:
        return
    if url is None:
        first.report(
            "pagination.links",
            f"{key} {show(uri)} does not resolve to the list operation on the target",
            expected="a URI of GET …/accounts/{accountId}/groups",
            actual=show(uri),
            location=f"/{key}",
        )
        return
    if reached is None or reached.status != 200:
        first.report(
            "pagination.links",
            f"following {key} did not give a page ({reached.status if reached else 'no answer'})",
            expected="200 with the adjacent page",
            actual=str(reached.status if reached else reached),
            location=f"/{key}",
        )
        return
    other = Page.of(reached.data)
    if other is None or other.start_position is None:
        return
    if key == "nextUri":
        expected_start = page.start_position + len(page.items)
        if other.start_position != expected_start:
            first.report(
                "pagination.links",
                f"nextUri leads to a page starting at {other.start_position}, the next page "
                f"starts at {expected_start}",
                expected=f"startPosition {expected_start}",
                actual=f"startPosition {other.start_position} ({uri})",
                location="/nextUri",
            )
    else:
        # "the prior chunk of records": it starts before this page and reaches up to it, so
        # no record in between is skipped. Overlap is allowed: the documentation does not
        # say how long the prior chunk is (a server may clamp it to start at 0).
        ends_at = other.start_position + len(other.items)
        if not other.items or other.start_position >= page.start_position:
            first.report(
                "pagination.links",
                f"previousUri leads to a page starting at {other.start_position} with "
                f"{len(other.items)} items, not to records before position {page.start_position}",
                expected=f"a non-empty page starting before position {page.start_position}",
                actual=f"startPosition {other.start_position}, {len(other.items)} items ({uri})",
                location="/previousUri",
            )
        elif ends_at < page.start_position:
            first.report(
                "pagination.links",
                f"previousUri leads to positions {other.start_position}..{ends_at - 1}, which "
                f"skips the records up to {page.start_position - 1}, right before this page",
                expected=f"a page reaching position {page.start_position - 1}",
                actual=f"startPosition {other.start_position}, {len(other.items)} items ({uri})",
                location="/previousUri",
            )


def judge_walk(last: Observation, ids: list[str], totals: set[int], *, via: str) -> bool:
    """Judge a complete walk: every item once, as many as totalSetSize says.

    Returns:
        Whether the walk could be judged (False, with the reason recorded on ``last``, when
        the list changed during it).
    """
    if len(totals) != 1:
        return last.inconclusive(
            "pagination.walk",
            "totalSetSize changed during the walk (someone else is changing the list)",
        )
    total = next(iter(totals))
    seen: set[str] = set()
    repeated_set: set[str] = set()
    for item in ids:
        if item in seen:
            repeated_set.add(item)
        seen.add(item)
    repeated = sorted(repeated_set)
    if repeated:
        last.report(
            "pagination.walk",
            f"walking the list {via} returned {len(repeated)} item(s) more than once",
            expected="every item once",
            actual=", ".join(repeated[:10]),
        )
    if total >= 0 and len(seen) != total:  # -1: no totalSetSize (schema.body says so)
        last.report(
            "pagination.walk",
            f"walking the list {via} returned {len(seen)} distinct items; totalSetSize says "
            f"{total}",
            expected=str(total),
            actual=str(len(seen)),
        )
    return True


# --- the walk -------------------------------------------------------------------------


def walk_pages(run: RunContext) -> int:
    """Pages a whole walk may take: as deep as the run (``--max-examples``).

    40 with the embedded server's default, 8 with a real account's: each page is a request.
    """
    return min(MAX_WALK_PAGES, max(8, 2 * run.max_examples))


def walk_group_list(
    run: RunContext,
    content_type: str,
    *,
    count: int | None = None,
    pages: int = MAX_WALK_PAGES,
    early: bool = False,
) -> list[str]:
    """Walk the whole group list by start_position and by nextUri; check previousUri once.

    Args:
        run: the run.
        content_type: the representation to walk in.
        count: the page size; None picks one that covers the list in at most ``pages`` pages.
        pages: the most pages a walk should take (the page size grows to fit, up to 100).
        early: a glance: a list too long for ``pages`` pages is left to the later walk
            (not skipped).

    Returns:
        The ids met on the walk by nextUri (empty when the walk could not be completed).
    """
    account = {"accountId": run.account_id}
    first_case = Case("listGroups", content_type, account, {"count": "1"}, note="size probe")
    first = run.send(first_case)
    page = Page.of(first.data)
    if first.status != 200 or page is None or page.total_set_size is None:
        return []
    total = page.total_set_size
    count = max(count or 1, min(100, -(-total // pages)))
    if total > pages * 100:
        if not early:
            run.skip(
                "listGroups",
                content_type,
                "pagination.walk",
                f"the list holds {total} groups, more than a walk of {pages} pages covers",
            )
        return []
    # by start_position
    ids: list[str] = []
    totals: set[int] = set()
    start = 0
    last: Observation | None = None
    for _ in range(pages + 2):
        case = Case(
            "listGroups",
            content_type,
            account,
            {"count": str(count), "start_position": str(start)},
            note=f"walk by start_position, count={count}",
        )
        last = run.send(case)
        current = Page.of(last.data)
        if last.status != 200 or current is None:
            return []
        totals.add(-1 if current.total_set_size is None else current.total_set_size)
        ids += [_group_id(item) for item in current.items]
        if not current.items or start + len(current.items) >= (current.total_set_size or 0):
            break
        start += len(current.items)
    else:
        return _unfinished(run, last, pages)
    if last is not None:
        if judge_walk(last, ids, totals, via=f"by start_position (count={count})"):
            run.judged(last, "pagination.walk")
        else:
            run.record(last)
    # by nextUri, judging each link and the first previousUri
    ids, totals = [], set()
    case = Case("listGroups", content_type, account, {"count": str(count)}, note="walk by nextUri")
    current_obs = run.send(case)
    checked_previous = False
    for _ in range(pages + 2):
        current = Page.of(current_obs.data)
        if current_obs.status != 200 or current is None:
            return []
        totals.add(-1 if current.total_set_size is None else current.total_set_size)
        ids += [_group_id(item) for item in current.items]
        if current.previous_uri is not None and not checked_previous:
            checked_previous = True
            _follow(run, current_obs, "previousUri", current.previous_uri, content_type)
        if current.next_uri is None:
            break
        reached = _follow(run, current_obs, "nextUri", current.next_uri, content_type)
        if reached is None:
            return []
        current_obs = reached
    else:
        return _unfinished(run, current_obs, pages)
    if judge_walk(current_obs, ids, totals, via=f"by nextUri (count={count})"):
        run.judged(current_obs, "pagination.walk")
    else:
        run.record(current_obs)
    return ids


def _unfinished(run: RunContext, last: Observation | None, pages: int) -> list[str]:
    """A walk that did not reach the end within its pages tells nothing of the whole.

    Pages shorter than ``count`` asked are allowed (it is a maximum), so this is
    inconclusive, never a finding.
    """
    if last is not None:
        last.inconclusive(
            "pagination.walk",
            f"the walk did not reach the end of the list in {pages + 2} pages (pages shorter "
            "than count asked), so whether it skips or repeats groups is unknown",
        )
        run.record(last)
    return []


def _group_id(item: object) -> str:
    if isinstance(item, dict):
        return str(item.get("groupId") or item.get("groupName") or json.dumps(item, sort_keys=True))
    return json.dumps(item, sort_keys=True, default=str)


def _follow(
    run: RunContext, obs: Observation, key: str, uri: str, content_type: str
) -> Observation | None:
    url = resolve_link(
        run.spec, run.base_url, run.account_id, uri, page_url=obs.exchange.request.url
    )
    reached: Observation | None = None
    if url is not None:
        from urllib.parse import parse_qsl, urlsplit

        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        case = Case(
            "listGroups",
            content_type,
            {"accountId": run.account_id},
            query,
            note=f"following {key}",
        )
        request = Request(
            "GET",
            url,
            {"Accept": MEDIA[content_type]},
            authenticated=run.authenticated,
        )
        reached = run.send(case, request)
    judge_link(obs, key, reached, url)
    run.judged(obs, "pagination.links")
    return reached
