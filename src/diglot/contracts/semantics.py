"""Semantic checks: what the server did agrees with what was asked and what it holds."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from diglot.contracts._observation import Observation, pointer, show
from diglot.contracts._registry import register_check
from diglot.contracts.protocol import judge_status
from diglot.model import JSONValue, Severity
from diglot.strategies import IGNORED_MARKER


@register_check(
    "semantics.limits",
    description="Documented limits hold: at most 500 users per create-users request (501 is a "
    "400 and creates nobody).",
    operations={"createUsers"},
    rules=("limits.",),
)
def limits_hold(obs: Observation) -> bool:
    if not obs.case.rule.startswith("limits."):
        return False
    return judge_status(obs, "semantics.limits")


def _already_exists(entry: Mapping[str, JSONValue]) -> bool:
    details = entry.get("errorDetails")
    return (
        isinstance(details, dict) and details.get("errorCode") == "USER_ALREADY_EXISTS_IN_ACCOUNT"
    )


def entry_failed(entry: JSONValue | Mapping[str, JSONValue]) -> bool:
    """Whether a batch entry carries an error (errorDetails with a code other than SUCCESS)."""
    if not isinstance(entry, Mapping):
        return False
    details = entry.get("errorDetails")
    if not isinstance(details, dict):
        return False
    code = details.get("errorCode")
    return bool(code) and code != "SUCCESS"


def _items(data: JSONValue | Mapping[str, JSONValue], key: str) -> list[JSONValue]:
    if isinstance(data, Mapping):
        items = data.get(key)
        if isinstance(items, list):
            return items
    return []


def fold(text: str) -> str:
    """Text as a case-insensitive search compares it: NFC, then casefolded."""
    return unicodedata.normalize("NFC", text).casefold()


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def text_contains(name: str, search: str) -> bool:
    """Whether ``search`` is found in ``name`` as a case-insensitive search would find it.

    Canonically equivalent text is the same text (NFC), case does not matter (casefold), and
    a match that exists only once accents are ignored counts too: a database collation that
    is accent-insensitive finds "Café" for "e", and the documentation's "wild card search"
    does not say otherwise.
    """
    return fold(search) in fold(name) or _strip_accents(search) in _strip_accents(name)


def _text(value: JSONValue) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    return None


def _name(value: JSONValue) -> str | None:
    """A name as sent or answered, in NFC: canonically equivalent names are the same name."""
    text = _text(value)
    return text if text is None or text.isascii() else unicodedata.normalize("NFC", text)


@register_check(
    "semantics.filters",
    description="Filters are honoured: every group listed with search_text has it in its name "
    "(case-insensitive), every group listed with group_type is of that type.",
    operations={"listGroups", "listSigningGroups"},
)
def filters_honoured(obs: Observation) -> bool:
    if obs.status != 200 or obs.problem is not None:
        return False
    query = obs.case.query
    search = query.get("search_text")
    group_type = query.get("group_type")
    if not search and not group_type:
        return False
    # signing groups document no semantics for group_type: a mismatch there is a warning
    severity = (
        Severity.WARNING
        if obs.operation.operation_id == "listSigningGroups"
        else Severity.VIOLATION
    )
    groups = _items(obs.data, "groups")
    if not groups:
        return obs.inconclusive(
            "semantics.filters", "the filter matched no group, so no listed group could be judged"
        )
    for index, group in enumerate(groups):
        if not isinstance(group, dict):
            continue
        name = _text(group.get("groupName"))
        if search and name is not None and not text_contains(name, search):
            obs.report(
                "semantics.filters",
                f"search_text={search!r} listed a group whose name does not contain it",
                expected=f"a groupName containing {search!r}",
                actual=show(name),
                location=pointer("groups", index, "groupName"),
            )
        kind = _text(group.get("groupType"))
        if group_type and kind is not None and kind.casefold() != group_type.casefold():
            obs.report(
                "semantics.filters",
                f"group_type={group_type!r} listed a group of another type",
                expected=group_type,
                actual=show(kind),
                location=pointer("groups", index, "groupType"),
                severity=severity,
            )
    return True


@register_check(
    "semantics.identity",
    description="Every item of a list has its own id: no two groups (or signing groups) share one.",
    operations={"listGroups", "listSigningGroups", "createGroups"},
)
def ids_unique(obs: Observation) -> bool:
    if obs.status not in (200, 201) or obs.problem is not None:
        return False
    key = "signingGroupId" if obs.operation.operation_id == "listSigningGroups" else "groupId"
    seen: dict[str, int] = {}
    for index, group in enumerate(_items(obs.data, "groups")):
        if not isinstance(group, dict):
            continue
        value = _text(group.get(key))
        if not value:
            continue
        if value in seen:
            obs.report(
                "semantics.identity",
                f"{key} {value!r} is given to two items",
                expected="a distinct id per item",
                actual=f"items {seen[value]} and {index}",
                location=pointer("groups", index, key),
            )
        else:
            seen[value] = index
    return True


@register_check(
    "semantics.include_users",
    description="Signing-group members are listed when include_users=true; without it the documentation "
    "implies they are not (a warning).",
    operations={"listSigningGroups"},
)
def include_users_honoured(obs: Observation) -> bool:
    if obs.status != 200 or obs.problem is not None:
        return False
    if obs.case.query.get("include_users", "").lower() == "true":
        if any(isinstance(g, dict) and _items(g, "users") for g in _items(obs.data, "groups")):
            return True
        return obs.inconclusive(
            "semantics.include_users",
            "include_users=true listed no members: no signing group of the account has any, "
            "or members are not listed (the data cannot tell which)",
        )
    for index, group in enumerate(_items(obs.data, "groups")):
        if isinstance(group, dict) and _items(group, "users"):
            obs.report(
                "semantics.include_users",
                "members listed although include_users was not true",
                expected="no users",
                actual=f"{len(_items(group, 'users'))} users",
                location=pointer("groups", index, "users"),
                severity=Severity.WARNING,
            )
            break
    return True


def _batch(
    obs: Observation, key: str, check_id: str
) -> tuple[list[JSONValue], list[JSONValue]] | None:
    """The entries sent and answered by a successful batch create; one answer per entry."""
    if obs.status != obs.operation.success_status or obs.problem is not None:
        return None
    sent = _items(obs.case.body, key)
    answered = _items(obs.data, key)
    if not sent:
        return None
    if len(answered) != len(sent):
        obs.report(
            check_id,
            f"{len(sent)} entries sent, {len(answered)} answered",
            expected=f"{len(sent)} {key} entries",
            actual=f"{len(answered)} entries",
            location=f"/{key}",
        )
    return sent, answered


@register_check(
    "semantics.create_groups",
    description="Create groups answers one entry per group sent, echoing its groupName with a new "
    "groupId, uses only groupName and permissionProfileId (other properties are ignored), "
    "and an unknown permissionProfileId is an error.",
    operations={"createGroups"},
    rules=("permissionProfile.",),
)
def groups_created_as_asked(obs: Observation) -> bool:
    status_judged = obs.case.rule.startswith("permissionProfile.") and judge_status(
        obs, "semantics.create_groups"
    )
    batch = _batch(obs, "groups", "semantics.create_groups")
    if batch is None:
        return status_judged
    sent, answered = batch
    by_name = {
        _name(a.get("groupName")): (i, a) for i, a in enumerate(answered) if isinstance(a, dict)
    }
    for index, request in enumerate(sent):
        if not isinstance(request, dict):
            continue
        name = _name(request.get("groupName"))
        found = by_name.get(name) if name else None
        if found is None and index < len(answered) and isinstance(answered[index], dict):
            found = (index, answered[index])  # type: ignore[assignment]
        if found is None:
            continue
        at, entry = found
        assert isinstance(entry, dict)
        _judge_group_entry(obs, request, entry, at)
    return True


def _judge_group_entry(
    obs: Observation, request: Mapping[str, JSONValue], entry: Mapping[str, JSONValue], at: int
) -> None:
    failed = entry_failed(entry)
    profile = _text(request.get("permissionProfileId"))
    if obs.case.rule == "permissionProfile.unknown" and profile is not None:
        if not failed:
            obs.report(
                "semantics.create_groups",
                f"a group was created with permissionProfileId {profile}, which does not "
                "exist; the documentation says that is an error",
                expected="400, or errorDetails on the entry",
                actual=show(dict(entry)),
                location=pointer("groups", at),
            )
        return
    if failed or "groupName" not in request:
        return
    if _name(entry.get("groupName")) != _name(request.get("groupName")):
        obs.report(
            "semantics.create_groups",
            "the created group's groupName is not the one sent",
            expected=show(request.get("groupName")),
            actual=show(entry.get("groupName")),
            location=pointer("groups", at, "groupName"),
        )
    if not _text(entry.get("groupId")):
        obs.report(
            "semantics.create_groups",
            "a created group has no groupId",
            expected="a new groupId",
            actual=show(dict(entry)),
            location=pointer("groups", at),
        )
    for key, value in request.items():
        if key in ("groupName", "permissionProfileId"):
            continue
        if isinstance(value, str) and value.startswith(IGNORED_MARKER) and entry.get(key) == value:
            obs.report(
                "semantics.create_groups",
                f"the property {key!r} was used, though the documentation says create groups "
                "ignores every property but groupName and permissionProfileId",
                expected=f"{key} not taken from the request",
                actual=show(entry.get(key)),
                location=pointer("groups", at, key),
            )
        if key == "users" and value and _items(entry, "users"):
            obs.report(
                "semantics.create_groups",
                "the users sent with a new group were added to it, though create groups "
                "ignores every property but groupName and permissionProfileId",
                expected="no users",
                actual=show(entry.get("users")),
                location=pointer("groups", at, "users"),
            )
    if profile is not None and _text(entry.get("permissionProfileId")) not in (None, profile):
        obs.report(
            "semantics.create_groups",
            "the created group's permissionProfileId is not the one sent",
            expected=profile,
            actual=show(entry.get("permissionProfileId")),
            location=pointer("groups", at, "permissionProfileId"),
            severity=Severity.WARNING,
        )


@register_check(
    "semantics.create_users",
    description="Create users answers one newUsers entry per user sent: created ones with a userId and "
    "the userName and email sent; one without userName or email, or already in the account, "
    "with errorDetails (USER_ALREADY_EXISTS_IN_ACCOUNT for an existing one).",
    operations={"createUsers"},
)
def users_created_as_asked(obs: Observation) -> bool:
    batch = _batch(obs, "newUsers", "semantics.create_users")
    if batch is None:
        return False
    sent, answered = batch
    duplicate = obs.case.rule == "duplicates.user"
    for index, request in enumerate(sent):
        if not isinstance(request, dict) or index >= len(answered):
            continue
        entry = _match_user(request, answered, index)
        if entry is None:
            continue
        at, answer = entry
        failed = entry_failed(answer)
        where = pointer("newUsers", at)
        email = _text(request.get("email"))
        name = _text(request.get("userName"))
        if not email or not name:
            if not failed:
                missing = "email" if not email else "userName"
                obs.report(
                    "semantics.create_users",
                    f"a user without {missing} was created; the documentation requires "
                    "userName and email for each new user",
                    expected="errorDetails on the entry (or 400)",
                    actual=show(answer),
                    location=where,
                )
            continue
        if duplicate:
            if not failed:
                obs.report(
                    "semantics.create_users",
                    "a user whose userName and email already exist was created again",
                    expected="errorDetails USER_ALREADY_EXISTS_IN_ACCOUNT",
                    actual=show(answer),
                    location=where,
                )
            else:
                details = answer.get("errorDetails")
                code = details.get("errorCode") if isinstance(details, dict) else None
                if code != "USER_ALREADY_EXISTS_IN_ACCOUNT":
                    obs.report(
                        "semantics.create_users",
                        "an existing user is reported with another error code than documented",
                        expected="USER_ALREADY_EXISTS_IN_ACCOUNT",
                        actual=show(code),
                        location=where + "/errorDetails/errorCode",
                        severity=Severity.WARNING,
                    )
            continue
        if failed and obs.case.note == "recorded" and _already_exists(answer):
            continue  # recorded traffic: diglot cannot know the user was new, the answer may be right
        if failed:
            obs.report(
                "semantics.create_users",
                "a new user with a userName and a valid email was not created",
                expected="a created user (userId, no errorDetails)",
                actual=show(answer.get("errorDetails")),
                location=where + "/errorDetails",
            )
            continue
        if not _text(answer.get("userId")):
            obs.report(
                "semantics.create_users",
                "a created user has no userId",
                expected="a userId",
                actual=show(answer),
                location=where,
            )
        got_email = _text(answer.get("email"))
        if got_email is not None and got_email.casefold() != email.casefold():
            obs.report(
                "semantics.create_users",
                "the created user's email is not the one sent",
                expected=email,
                actual=got_email,
                location=where + "/email",
            )
        got_name = _name(answer.get("userName"))
        if got_name is not None and got_name != _name(name):
            obs.report(
                "semantics.create_users",
                "the created user's userName is not the one sent",
                expected=name,
                actual=got_name,
                location=where + "/userName",
            )
    return True


def _match_user(
    request: Mapping[str, JSONValue], answered: list[JSONValue], index: int
) -> tuple[int, dict[str, JSONValue]] | None:
    email = _text(request.get("email"))
    if email:
        for at, entry in enumerate(answered):
            if (
                isinstance(entry, dict)
                and (_text(entry.get("email")) or "").casefold() == email.casefold()
            ):
                return at, entry
    entry = answered[index]
    return (index, entry) if isinstance(entry, dict) else None
