"""Sequences: pagination walks and the stateful create-then-find state machines.

The walks page through the whole group list by ``start_position`` and by following
``nextUri`` / ``previousUri``. The state machines (hypothesis ``RuleBasedStateMachine``)
create groups and users, and keep a model of what the server must hold: every group created
is found by ``search_text`` and on a full walk; every user created, created again, gets the
duplicate error. Findings are collected, not raised: a sequence on a real server is costly
to replay, so it is not shrunk.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)

from diglot.contracts import Observation
from diglot.contracts.pagination import Page, judge_link, judge_walk, resolve_link
from diglot.contracts.semantics import entry_failed, judge_listed
from diglot.model import Case, CaseKind, Expect, JSONValue, Request

if TYPE_CHECKING:
    from diglot.engine._run import Session

MEDIA = {"json": "application/json", "xml": "application/xml"}
MAX_WALK_PAGES = 40


def walk_group_list(session: Session, content_type: str, *, count: int | None = None) -> list[str]:
    """Walk the whole group list by start_position and by nextUri; check previousUri once.

    Args:
        session: the run.
        content_type: the representation to walk in.
        count: the page size; None picks one that covers the list in at most 40 pages.

    Returns:
        The ids met on the walk by nextUri (empty when the walk could not be completed).
    """
    account = {"accountId": session.account_id}
    first_case = Case("listGroups", content_type, account, {"count": "1"}, note="size probe")
    first = session.observe(session.send(first_case))
    page = Page.of(first.data)
    if first.status != 200 or page is None or page.total_set_size is None:
        return []
    total = page.total_set_size
    count = max(count or 1, min(100, -(-total // MAX_WALK_PAGES)))
    if total > MAX_WALK_PAGES * 100:
        session.row(
            "listGroups", content_type, "pagination.walk"
        ).skip_reason = f"the list holds {total} groups, more than a bounded walk covers"
        return []
    # by start_position
    ids: list[str] = []
    totals: set[int] = set()
    start = 0
    last: Observation | None = None
    for _ in range(MAX_WALK_PAGES + 2):
        case = Case(
            "listGroups",
            content_type,
            account,
            {"count": str(count), "start_position": str(start)},
            note=f"walk by start_position, count={count}",
        )
        last = session.observe(session.send(case))
        current = Page.of(last.data)
        if last.status != 200 or current is None:
            return []
        totals.add(-1 if current.total_set_size is None else current.total_set_size)
        ids += [_group_id(item) for item in current.items]
        if not current.items or start + len(current.items) >= (current.total_set_size or 0):
            break
        start += len(current.items)
    if last is not None:
        if judge_walk(last, ids, totals, via=f"by start_position (count={count})"):
            session.judged(last, "pagination.walk")
        else:
            session.record(last)
    # by nextUri, judging each link and the first previousUri
    ids, totals = [], set()
    case = Case("listGroups", content_type, account, {"count": str(count)}, note="walk by nextUri")
    current_obs = session.observe(session.send(case))
    checked_previous = False
    for _ in range(MAX_WALK_PAGES + 2):
        current = Page.of(current_obs.data)
        if current_obs.status != 200 or current is None:
            return []
        totals.add(-1 if current.total_set_size is None else current.total_set_size)
        ids += [_group_id(item) for item in current.items]
        if current.previous_uri is not None and not checked_previous:
            checked_previous = True
            _follow(session, current_obs, "previousUri", current.previous_uri, content_type)
        if current.next_uri is None:
            break
        reached = _follow(session, current_obs, "nextUri", current.next_uri, content_type)
        if reached is None:
            return []
        current_obs = reached
    if judge_walk(current_obs, ids, totals, via=f"by nextUri (count={count})"):
        session.judged(current_obs, "pagination.walk")
    else:
        session.record(current_obs)
    return ids


def _group_id(item: object) -> str:
    if isinstance(item, dict):
        return str(item.get("groupId") or item.get("groupName") or json.dumps(item, sort_keys=True))
    return json.dumps(item, sort_keys=True, default=str)


def _follow(
    session: Session, obs: Observation, key: str, uri: str, content_type: str
) -> Observation | None:
    url = resolve_link(
        session.spec, session.base_url, session.account_id, uri, page_url=obs.exchange.request.url
    )
    reached: Observation | None = None
    if url is not None:
        from urllib.parse import parse_qsl, urlsplit

        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        case = Case(
            "listGroups",
            content_type,
            {"accountId": session.account_id},
            query,
            note=f"following {key}",
        )
        request = Request(
            "GET",
            url,
            {"Accept": MEDIA[content_type]},
            authenticated=session.config.token is not None,
        )
        reached = session.observe(session.send_request(case, request))
    judge_link(obs, key, reached, url)
    session.judged(obs, "pagination.links")
    return reached


def _entries(data: JSONValue, key: str) -> list[JSONValue]:
    items = data.get(key) if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def _machine_settings(session: Session) -> settings:
    return settings(
        max_examples=max(1, min(3, session.config.max_examples // 10)),
        stateful_step_count=6,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )


def run_groups_machine(session: Session, content_type: str) -> None:
    """Create groups, find each by search_text, walk the list: the model must hold."""
    account = {"accountId": session.account_id}

    class GroupsMachine(RuleBasedStateMachine):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, str] = {}

        @initialize(target=created, names=st.lists(session.names.groups(), min_size=2, max_size=3))
        def create_first_groups(self, names: list[str]) -> object:
            return self.create_groups(names)

        @rule(target=created, names=st.lists(session.names.groups(), min_size=1, max_size=3))
        def create_more_groups(self, names: list[str]) -> object:
            return self.create_groups(names)

        def create_groups(self, names: list[str]) -> object:
            case = Case(
                "createGroups",
                content_type,
                account,
                body={"groups": [{"groupName": name} for name in names]},
                body_format=content_type,
                note="stateful: create groups",
            )
            obs = session.observe(session.send(case))
            if obs.status != 201:
                return multiple()
            made = []
            for entry in _entries(obs.data, "groups"):
                if isinstance(entry, dict) and not entry_failed(entry):
                    name = entry.get("groupName")
                    if isinstance(name, str) and name in names:
                        self.model[name] = str(entry.get("groupId") or "")
                        made.append(name)
            return multiple(*made)

        def teardown(self) -> None:
            # the model check at the end of every sequence: each group created is found
            for name in list(self.model):
                self.find_by_search_text(name)

        @rule(name=created)
        def find_by_search_text(self, name: str) -> None:
            case = Case(
                "listGroups",
                content_type,
                account,
                {"search_text": name, "count": "100"},
                note=f"stateful: search for the group created as {name!r}",
            )
            found = session.observe(session.send(case))
            if found.status == 200 and found.problem is None:
                judge_listed(found, {name: self.model[name]})
                session.judged(found, "semantics.persistence")
                session.row("createGroups", content_type, "semantics.persistence").exchanges += 1

        @rule(count=st.integers(1, 100))
        def walk_the_list(self, count: int) -> None:
            ids = walk_group_list(session, content_type, count=count)
            if not ids:
                return
            missing = [
                name for name, group_id in self.model.items() if group_id and group_id not in ids
            ]
            if missing:
                case = Case("listGroups", content_type, account, {"count": str(count)})
                obs = Observation(session.spec, session.send(case), seed=session.seed)
                for name in missing:
                    obs.report(
                        "semantics.persistence",
                        f"the group {name!r} (groupId {self.model[name]}) was created but a full "
                        "walk of the list does not meet it",
                        expected="every created group on the walk",
                        actual=f"{len(set(ids))} groups walked, not that one",
                    )
                session.judged(obs, "semantics.persistence")

    run_state_machine_as_test(GroupsMachine, settings=_machine_settings(session))


def run_users_machine(session: Session, content_type: str) -> None:
    """Create users, then create them again: each second creation gets the duplicate error."""
    account = {"accountId": session.account_id}
    user = st.builds(
        lambda name, email: {"userName": name, "email": email},
        session.names.users(),
        session.names.emails(),
    )

    class UsersMachine(RuleBasedStateMachine):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.model: list[dict[str, str]] = []

        @initialize(target=created, batch=st.lists(user, min_size=1, max_size=3))
        def create_first_users(self, batch: list[dict[str, str]]) -> object:
            return self.create_users(batch)

        @rule(target=created, batch=st.lists(user, min_size=1, max_size=3))
        def create_more_users(self, batch: list[dict[str, str]]) -> object:
            return self.create_users(batch)

        def create_users(self, batch: list[dict[str, str]]) -> object:
            case = Case(
                "createUsers",
                content_type,
                account,
                body={"newUsers": [dict[str, JSONValue](entry) for entry in batch]},
                body_format=content_type,
                note="stateful: create users",
            )
            obs = session.observe(session.send(case))
            entries = _entries(obs.data, "newUsers")
            if (
                obs.status != 201
                or len(entries) != len(batch)
                or any(entry_failed(e) for e in entries)
            ):
                return multiple()
            self.model += batch
            return multiple(*batch)

        def teardown(self) -> None:
            # the model check at the end of every sequence: an existing user is a duplicate
            if self.model:
                self.create_again(self.model[0])

        @rule(existing=created)
        def create_again(self, existing: dict[str, str]) -> None:
            case = Case(
                "createUsers",
                content_type,
                account,
                body={"newUsers": [dict(existing)]},
                body_format=content_type,
                kind=CaseKind.BOUNDARY,
                expect=Expect.ENTRY_ERROR,
                rule="duplicates.user",
                note="stateful: create an existing user again",
            )
            duplicate = session.observe(session.send(case))
            session.judged(duplicate, "semantics.persistence")

    run_state_machine_as_test(UsersMachine, settings=_machine_settings(session))
