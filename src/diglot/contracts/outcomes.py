"""What the documentation shows is accepted, and what a create answer says is true (issue 13).

* ``semantics.examples``: the documentation's own example requests, sent verbatim but for
  names made unique and the example's permission profile ``1597`` replaced by one the
  account has (discovered from its groups), are accepted in both content types: 201, and
  every entry created with the userName/groupName and email sent.
* ``semantics.found_again``: what a create request set and the documentation says is used
  (groupName, permissionProfileId) is found, equal, when the group is listed afterwards, in
  JSON and in XML whichever it was created in.
* ``semantics.batch_outcome``: each entry's outcome in a mixed batch (some entries fail) is
  true afterwards: groups answered as created are listed, groups answered as failed are
  not; users answered as created exist (creating them again is a duplicate). A batch
  refused whole (400) created nothing.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

from diglot.contracts._observation import Observation, pointer, show
from diglot.contracts._registry import CheckInfo, MultiCheck, RunContext, register_multi_check
from diglot.contracts.semantics import entry_failed
from diglot.model import Case, CaseKind, Expect, JSONValue

if TYPE_CHECKING:
    from diglot.specs._model import Operation

CREATES = frozenset({"createGroups", "createUsers"})
EXAMPLES = CheckInfo(
    "semantics.examples",
    "The documentation's own example requests (create groups: montagues, capulets, nobles "
    "with a permission profile; create users: Claire Horace, Tal Mason with company and "
    "userSettings), with unique names and a profile the account has, are accepted: 201 and "
    "every entry created with the names and emails sent.",
    operations=CREATES,
)
FOUND_AGAIN = CheckInfo(
    "semantics.found_again",
    "What a create-groups request set that the documentation says is used (groupName, "
    "permissionProfileId) is found, equal, when the new group is listed afterwards.",
    operations=frozenset({"createGroups"}),
)
BATCH = CheckInfo(
    "semantics.batch_outcome",
    "Each entry's reported outcome in a mixed batch is true afterwards: groups answered as "
    "created are listed and groups answered as failed are not; users answered as created "
    "exist (creating them again is a duplicate); a batch refused with 400 created nothing.",
    operations=CREATES,
)
UNKNOWN_PROFILE = 10**14 + 11


@register_multi_check
class Outcomes(MultiCheck):
    """Send the documentation's examples and mixed batches, then look at what was created."""

    checks = (EXAMPLES, FOUND_AGAIN, BATCH)
    phase = "stateful"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return run.stateful and not run.read_only and operation.operation_id in CREATES

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        # a few requests: all of it early
        if operation.operation_id == "createGroups":
            groups_example(run, content_type)
            groups_mixed_batch(run, content_type)
        else:
            users_example(run, content_type)
            users_mixed_batch(run, content_type)


def _items(data: JSONValue, key: str) -> list[JSONValue]:
    items = data.get(key) if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def _nfc(value: JSONValue) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def discover_profile(run: RunContext, content_type: str) -> str | None:
    """A permissionProfileId the account has: the one its listed groups use most."""
    case = Case("listGroups", content_type, {"accountId": run.account_id}, {"count": "100"})
    obs = run.fetch(case)
    if obs.status != 200:
        return None
    used = Counter(
        profile
        for g in _items(obs.data, "groups")
        if isinstance(g, dict) and (profile := _nfc(g.get("permissionProfileId")))
    )
    return used.most_common(1)[0][0] if used else None


def _create(
    run: RunContext, content_type: str, operation: str, body: JSONValue, **extra: object
) -> Observation:
    case = Case(
        operation,
        content_type,
        {"accountId": run.account_id},
        body=body,
        body_format=content_type,
        **extra,  # type: ignore[arg-type]
    )
    return run.send(case)


def listed_as(
    run: RunContext, content_type: str, name: str
) -> tuple[Observation, dict[str, JSONValue] | None] | None:
    """Search the group list for ``name``; the group of exactly that name, if listed."""
    case = Case(
        "listGroups",
        content_type,
        {"accountId": run.account_id},
        {"search_text": name, "count": "100"},
        note=f"is {name!r} listed?",
    )
    obs = run.send(case)
    if obs.status != 200 or obs.problem is not None:
        return None
    wanted = _nfc(name)
    for group in _items(obs.data, "groups"):
        if isinstance(group, dict) and _nfc(group.get("groupName")) == wanted:
            return obs, group
    return obs, None


def groups_example(run: RunContext, content_type: str) -> None:
    """The create-groups example of the documentation, in this account."""
    profile = discover_profile(run, content_type)
    names = [run.names.group_name(n) for n in ("montagues", "capulets", "nobles")]
    nobles: dict[str, JSONValue] = {"groupName": names[2]}
    if profile is not None:
        # the example sends the id as a JSON number (1597); so does diglot when it is digits
        nobles["permissionProfileId"] = int(profile) if profile.isdigit() else profile
    body: JSONValue = {"groups": [{"groupName": names[0]}, {"groupName": names[1]}, nobles]}
    obs = _create(
        run, content_type, "createGroups", body, note="the documentation's create-groups example"
    )
    created = _judge_example(obs, "groups", [{"groupName": n} for n in names])
    run.judged(obs, EXAMPLES.id)
    if not created:
        return
    # found again in every representation of the run: created in one, listed in each
    for name in names:
        if name not in created:
            continue
        for listed_in in dict.fromkeys((content_type, *run.content_types)):
            found = listed_as(run, listed_in, name)
            if found is None:
                continue
            list_obs, group = found
            sent = nobles if name == names[2] else {"groupName": name}
            _judge_found(list_obs, name, sent, group)
            run.judged(list_obs, FOUND_AGAIN.id)
            run.count("createGroups", content_type, FOUND_AGAIN.id)
    if profile is None:
        obs.inconclusive(
            FOUND_AGAIN.id,
            "no listed group has a permissionProfileId, so the example's profile could not be "
            "sent and found again",
        )
        run.record(obs)


def _judge_example(obs: Observation, key: str, sent: list[dict[str, str]]) -> set[str]:
    """Judge an example's answer: 201, every entry created as sent; the names created."""
    if obs.status != obs.operation.success_status:
        obs.report(
            EXAMPLES.id,
            f"the documentation's example request was answered {obs.status}",
            expected=str(obs.operation.success_status),
            actual=str(obs.status),
        )
        return set()
    answered = _items(obs.data, key)
    created: set[str] = set()
    for index, want in enumerate(sent):
        name_key = "groupName" if key == "groups" else "userName"
        entry: tuple[int, JSONValue] | None = next(
            (
                (i, a)
                for i, a in enumerate(answered)
                if isinstance(a, dict) and _nfc(a.get(name_key)) == _nfc(want[name_key])
            ),
            None,
        )
        if entry is None and index < len(answered) and isinstance(answered[index], dict):
            entry = (index, answered[index])
        if entry is None:
            obs.report(
                EXAMPLES.id,
                f"the example's {want[name_key]!r} has no entry in the answer",
                expected=f"an entry for {want[name_key]!r}",
                actual=f"{len(answered)} entries",
                location=f"/{key}",
            )
            continue
        at, answer = entry
        assert isinstance(answer, dict)
        if entry_failed(answer):
            obs.report(
                EXAMPLES.id,
                f"the example's {want[name_key]!r} was not created",
                expected="a created entry (no errorDetails)",
                actual=show(answer.get("errorDetails")),
                location=pointer(key, at, "errorDetails"),
            )
            continue
        for field, value in want.items():
            got = answer.get(field)
            same = (
                _nfc(got) == _nfc(value)
                if field != "email"
                else (_nfc(got) or "").casefold() == value.casefold()
            )
            if not same:
                obs.report(
                    EXAMPLES.id,
                    f"the example's entry answers another {field} than was sent",
                    expected=show(value),
                    actual=show(got),
                    location=pointer(key, at, field),
                )
        created.add(want[name_key])
    return created


def _judge_found(
    obs: Observation,
    name: str,
    sent: Mapping[str, JSONValue],
    group: Mapping[str, JSONValue] | None,
) -> None:
    if group is None:
        obs.report(
            FOUND_AGAIN.id,
            f"the group {name!r} was answered as created but searching for its name does "
            "not list it",
            expected=f"{name!r} listed",
            actual=f"{len(_items(obs.data, 'groups'))} groups listed, not that one",
        )
        return
    profile = _nfc(sent.get("permissionProfileId"))
    if profile is not None and _nfc(group.get("permissionProfileId")) != profile:
        obs.report(
            FOUND_AGAIN.id,
            f"the group {name!r} was created with permissionProfileId {profile}; the list "
            "shows another (or none)",
            expected=profile,
            actual=show(group.get("permissionProfileId")),
            location="/groups",
        )


def groups_mixed_batch(run: RunContext, content_type: str) -> None:
    """Two good groups around one with an unknown permission profile: outcomes are true."""
    names = [run.names.group_name(n) for n in ("batch ok", "batch bad", "batch ok")]
    entries: list[JSONValue] = [
        {"groupName": names[0]},
        {"groupName": names[1], "permissionProfileId": str(UNKNOWN_PROFILE)},
        {"groupName": names[2]},
    ]
    obs = _create(
        run,
        content_type,
        "createGroups",
        {"groups": entries},
        kind=CaseKind.BOUNDARY,
        expect=Expect.ENTRY_ERROR,
        rule="permissionProfile.unknown",
        note="a mixed batch: one group with an unknown permissionProfileId",
    )
    outcome: dict[str, bool] = {}
    if obs.status == 400:
        outcome = dict.fromkeys(names, False)
    elif obs.status == 201:
        for answer in _items(obs.data, "groups"):
            if isinstance(answer, dict) and (name := _nfc(answer.get("groupName"))) in names:
                outcome[name] = not entry_failed(answer)
    else:
        return
    run.record(obs)
    for name, created in outcome.items():
        found = listed_as(run, content_type, name)
        if found is None:
            continue
        list_obs, group = found
        if created and group is None:
            list_obs.report(
                BATCH.id,
                f"the group {name!r} was answered as created in a mixed batch but is not listed",
                expected=f"{name!r} listed",
                actual="not listed",
            )
        elif not created and group is not None:
            why = "the batch was refused with 400" if obs.status == 400 else "its entry failed"
            list_obs.report(
                BATCH.id,
                f"the group {name!r} is listed although {why}",
                expected="not listed: nothing was created for it",
                actual=show(dict(group)),
            )
        run.judged(list_obs, BATCH.id)
        run.count("createGroups", content_type, BATCH.id)


def users_example(run: RunContext, content_type: str) -> None:
    """The create-users example of the documentation, with unique names and addresses."""
    claire = {"userName": run.names.user_name("Claire Horace"), "email": run.names.email("claire")}
    tal = {"userName": run.names.user_name("Tal Mason"), "email": run.names.email("talmason")}
    body: JSONValue = {
        "newUsers": [
            dict(claire),
            {
                **tal,
                "company": "TeleSel",
                "userSettings": {"locale": "fr", "canSendEnvelope": True},
            },
        ]
    }
    obs = _create(
        run, content_type, "createUsers", body, note="the documentation's create-users example"
    )
    _judge_example(obs, "newUsers", [claire, tal])
    run.judged(obs, EXAMPLES.id)


def users_mixed_batch(run: RunContext, content_type: str) -> None:
    """Two good users around one without email: those answered as created exist."""
    good = [
        {"userName": run.names.user_name("batch ok"), "email": run.names.email("batch")}
        for _ in range(2)
    ]
    entries: list[JSONValue] = [
        dict(good[0]),
        {"userName": run.names.user_name("no email")},
        dict(good[1]),
    ]
    obs = _create(
        run,
        content_type,
        "createUsers",
        {"newUsers": entries},
        kind=CaseKind.BOUNDARY,
        expect=Expect.ENTRY_ERROR,
        note="a mixed batch: one user without email",
    )
    if obs.status not in (201, 400):
        return
    created: dict[str, bool] = {}
    if obs.status == 201:
        for answer in _items(obs.data, "newUsers"):
            if isinstance(answer, dict):
                email = (_nfc(answer.get("email")) or "").casefold()
                created[email] = not entry_failed(answer)
    run.record(obs)
    for user in good:
        was_created = created.get(user["email"].casefold(), False)
        again = _create(
            run,
            content_type,
            "createUsers",
            {"newUsers": [dict(user)]},
            kind=CaseKind.BOUNDARY,
            expect=Expect.ENTRY_ERROR if was_created else Expect.SUCCESS,
            rule="duplicates.user" if was_created else "",
            note="create again a user of the mixed batch",
        )
        if again.status != 201:
            continue
        entries_again = _items(again.data, "newUsers")
        entry = entries_again[0] if entries_again and isinstance(entries_again[0], dict) else None
        if entry is None:
            continue
        failed = entry_failed(entry)
        if was_created and not failed:
            again.report(
                BATCH.id,
                f"the user {user['userName']!r} was answered as created in a mixed batch, yet "
                "creating it again creates it (it did not exist)",
                expected="errorDetails USER_ALREADY_EXISTS_IN_ACCOUNT",
                actual=show(dict(entry)),
            )
        elif not was_created and failed:
            again.report(
                BATCH.id,
                f"the user {user['userName']!r} was not created by the mixed batch "
                f"({'refused with 400' if obs.status == 400 else 'not answered as created'}), "
                "yet creating it now fails",
                expected="a created user",
                actual=show(entry.get("errorDetails")),
            )
        run.judged(again, BATCH.id)
