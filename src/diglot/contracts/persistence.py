"""Persistence: what was created is found again (semantics.persistence).

Two state machines (hypothesis ``RuleBasedStateMachine``) create groups and users and keep a
model of what the server must hold: every group created is found by ``search_text`` and on
a full walk of the list; every user created, created again, gets the duplicate error.
Findings are collected, not raised: a sequence on a real server is costly to replay, so it is
not shrunk.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
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

from diglot.contracts._observation import Observation
from diglot.contracts._registry import CheckInfo, MultiCheck, RunContext, register_multi_check
from diglot.contracts.pagination import walk_group_list, walk_pages
from diglot.contracts.semantics import entry_failed
from diglot.model import Case, CaseKind, Expect, JSONValue

if TYPE_CHECKING:
    from diglot.specs._model import Operation


@register_multi_check
class Persistence(MultiCheck):
    """Create groups, then find each (by search_text, on a walk); create users twice."""

    checks = (
        CheckInfo(
            "semantics.persistence",
            "What was created is found afterwards: a new group is listed, and searching for its "
            "name finds it; creating the same user twice gives the duplicate error.",
            operations=frozenset({"listGroups", "createGroups", "createUsers"}),
        ),
    )
    phase = "stateful"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return (
            run.stateful
            and not run.read_only
            and operation.operation_id in ("createGroups", "createUsers")
        )

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        if operation.operation_id == "createGroups":
            create_then_find(run, content_type)
        else:
            create_twice(run, content_type)

    def drive(self, run: RunContext, operation: Operation, content_type: str) -> None:
        if operation.operation_id == "createGroups":
            run_groups_machine(run, content_type)
        else:
            run_users_machine(run, content_type)


def create_then_find(run: RunContext, content_type: str) -> None:
    """Create one group, then search for it by its name: it must be listed."""
    account = {"accountId": run.account_id}
    name = run.names.group_name("found again")
    created = run.send(
        Case(
            "createGroups",
            content_type,
            account,
            body={"groups": [{"groupName": name}]},
            body_format=content_type,
            note="create one group, to find it",
        )
    )
    entries = [e for e in _items(created.data, "groups") if isinstance(e, dict)]
    if created.status != 201 or len(entries) != 1 or entry_failed(entries[0]):
        return
    group_id = str(entries[0].get("groupId") or "")
    find_created(
        run, content_type, name, group_id, note=f"search for the group just created as {name!r}"
    )


def create_twice(run: RunContext, content_type: str) -> None:
    """Create one user, then the same user again: the second gets the duplicate error."""
    account = {"accountId": run.account_id}
    user: dict[str, JSONValue] = {
        "userName": run.names.user_name("created twice"),
        "email": run.names.email("twice"),
    }
    first = run.send(
        Case(
            "createUsers",
            content_type,
            account,
            body={"newUsers": [dict(user)]},
            body_format=content_type,
            note="create one user, to create it again",
        )
    )
    entries = _items(first.data, "newUsers")
    if first.status != 201 or len(entries) != 1 or any(entry_failed(e) for e in entries):
        return
    create_again(run, content_type, user, note="create the same user again")


def find_created(
    run: RunContext, content_type: str, name: str, group_id: str, *, note: str
) -> None:
    """Search the list for a group the run created: it must be listed, with its groupId."""
    found = run.send(
        Case(
            "listGroups",
            content_type,
            {"accountId": run.account_id},
            {"search_text": name, "count": "100"},
            note=note,
        )
    )
    if found.status == 200 and found.problem is None:
        judge_listed(found, {name: group_id})
        run.judged(found, "semantics.persistence")
        run.count("createGroups", content_type, "semantics.persistence")


def create_again(
    run: RunContext, content_type: str, user: Mapping[str, JSONValue], *, note: str
) -> None:
    """Create a user the run created before: the answer must be the duplicate error."""
    duplicate = run.send(
        Case(
            "createUsers",
            content_type,
            {"accountId": run.account_id},
            body={"newUsers": [dict(user)]},
            body_format=content_type,
            kind=CaseKind.BOUNDARY,
            expect=Expect.ENTRY_ERROR,
            rule="duplicates.user",
            note=note,
        )
    )
    run.judged(duplicate, "semantics.persistence")


def _machine_settings(run: RunContext) -> settings:
    # derandomized: the same options send the same sequences, so a run can be reproduced
    # (the generated cases follow the run's seed; names differ only by the run's id)
    return settings(
        max_examples=max(1, min(3, run.max_examples // 10)),
        stateful_step_count=6,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )


def run_groups_machine(run: RunContext, content_type: str) -> None:
    """Create groups, find each by search_text, walk the list: the model must hold."""
    account = {"accountId": run.account_id}

    class GroupsMachine(RuleBasedStateMachine):
        created = Bundle("created")

        def __init__(self) -> None:
            super().__init__()
            self.model: dict[str, str] = {}

        @initialize(target=created, names=st.lists(run.names.groups(), min_size=2, max_size=3))
        def create_first_groups(self, names: list[str]) -> object:
            return self.create_groups(names)

        @rule(target=created, names=st.lists(run.names.groups(), min_size=1, max_size=3))
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
            obs = run.send(case)
            if obs.status != 201:
                return multiple()
            made = []
            for entry in _items(obs.data, "groups"):
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
            find_created(
                run,
                content_type,
                name,
                self.model[name],
                note=f"stateful: search for the group created as {name!r}",
            )

        @rule(count=st.integers(1, 100))
        def walk_the_list(self, count: int) -> None:
            ids = walk_group_list(run, content_type, count=count, pages=walk_pages(run))
            if not ids:
                return
            missing = [
                name for name, group_id in self.model.items() if group_id and group_id not in ids
            ]
            if missing:
                case = Case("listGroups", content_type, account, {"count": str(count)})
                obs = run.fetch(case)
                for name in missing:
                    obs.report(
                        "semantics.persistence",
                        f"the group {name!r} (groupId {self.model[name]}) was created but a full "
                        "walk of the list does not meet it",
                        expected="every created group on the walk",
                        actual=f"{len(set(ids))} groups walked, not that one",
                    )
                run.judged(obs, "semantics.persistence")

    run_state_machine_as_test(GroupsMachine, settings=_machine_settings(run))


def run_users_machine(run: RunContext, content_type: str) -> None:
    """Create users, then create them again: each second creation gets the duplicate error."""
    account = {"accountId": run.account_id}
    user = st.builds(
        lambda name, email: {"userName": name, "email": email},
        run.names.users(),
        run.names.emails(),
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
            obs = run.send(case)
            entries = _items(obs.data, "newUsers")
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
            create_again(
                run, content_type, existing, note="stateful: create an existing user again"
            )

    run_state_machine_as_test(UsersMachine, settings=_machine_settings(run))


def judge_listed(list_obs: Observation, created: Mapping[str, str]) -> None:
    """Groups created earlier (name -> groupId) must be in a list that should hold them."""
    listed = {
        _name(g.get("groupName")): _id(g.get("groupId"))
        for g in _items(list_obs.data, "groups")
        if isinstance(g, dict)
    }
    for raw_name, group_id in created.items():
        name = _name(raw_name)
        if name not in listed:
            list_obs.report(
                "semantics.persistence",
                f"the group {name!r} (groupId {group_id}) was created but is not listed",
                expected=f"{name!r} in the list",
                actual=f"{len(listed)} groups listed, not that one",
            )
        elif group_id and listed[name] and listed[name] != group_id:
            list_obs.report(
                "semantics.persistence",
                f"the group {name!r} is listed with another groupId than it was created with",
                expected=group_id,
                actual=str(listed[name]),
            )


def _name(value: JSONValue) -> str | None:
    if not isinstance(value, str):
        return None
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _id(value: JSONValue) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _items(data: JSONValue, key: str) -> list[JSONValue]:
    items = data.get(key) if isinstance(data, dict) else None
    return items if isinstance(items, list) else []
