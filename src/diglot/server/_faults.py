"""The reference server's faults: deliberate contract violations, one at a time.

``diglot serve --fault NAME`` (or ``running(fault=NAME)``) switches on exactly one of them;
everything else the server does stays faithful to the documentation. Each fault names the
check family that must catch it, which makes the server the bench that proves the checks:
the clean server must give zero findings, and every fault must be caught by its family.

Like the variants (``_variants``), a fault is a transformer of what the faithful logic
(``_app``) does, never a branch inside it. Each one carries its own hooks (``FaultHooks``),
at the layer where its deviation lives:

- ``answer``: rewrites the answer the faithful logic built (its body, shape or status), before
  a variant's hook sees it;
- ``xml_style``: how XML is written;
- ``middleware``: ASGI middleware that rewrites the request before the logic sees it (an
  ignored Accept header, a parameter read another way) or the response's headers;
- ``known_accounts``, ``known_profiles``, ``max_new_users``: what the server believes about
  the account (which ids exist, how many users one request may create);
- ``window``, ``search_key``, ``group_type_key``, ``check_group``, ``check_user``: the few
  deviations that choose *which* data answers or is stored (the slice of groups a page
  shows, how the filters match, what an entry of a create request becomes); the faithful
  logic calls them where it makes that choice, as it calls the variants' ``reorder``.

Every default is the faithful server's own behaviour (``NO_FAULT``). A variant applies on top
of a fault: after its answer hook, around its middleware, after its XML style.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeAlias, TypeVar
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from diglot.model import Family
from diglot.server._hooks import Answer, Body, Page, RewriteHeaders, look_up
from diglot.server._http import JSON_TYPE, XML_TYPE, ApiError, Json, xml_safe
from diglot.server._store import NewGroup, NewUser
from diglot.server._xml import XmlStyle

FIXED_GROUP_ID = "19999999"
"""The one groupId every created group gets under the ``duplicate-group-ids`` fault."""

AnswerRewrite: TypeAlias = Callable[[Answer], Answer]
GroupVerdict: TypeAlias = tuple[dict[str, Json] | None, NewGroup | None]
"""The faithful verdict on one create-groups entry: its error answer, or the group to store."""
UserVerdict: TypeAlias = tuple[dict[str, Json] | None, NewUser | None]
"""The faithful verdict on one create-users entry: its error answer, or the user to store."""

_V = TypeVar("_V")


def _same(value: _V) -> _V:
    return value


def _same_verdict(entry: Mapping[str, Json], verdict: _V) -> _V:
    return verdict


def _from_start(start: int, count: int, total: int) -> slice:
    """The faithful page: ``count`` matching groups from ``start``."""
    return slice(start, start + count)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultHooks:
    """Where a fault changes the faithful server; every default is the faithful behaviour.

    Attributes:
        answer: rewrites each answer the faithful logic built (body, shape, status).
        xml_style: adjusts how XML is written.
        middleware: ASGI middleware around the app (inside a variant's): rewrites requests
            before the logic sees them, or the responses' headers.
        known_accounts: the account ids the server answers for, given its own.
        known_profiles: the permission profile ids create groups accepts, given the stored
            ones.
        max_new_users: the most new users one create-users request may hold, given the
            documented limit.
        window: ``(start, count, total)`` -> the slice of the matching groups a list-groups
            page shows.
        search_key: normalises ``search_text`` and group names (list groups), after the
            variant's ``search_key``.
        group_type_key: normalises ``group_type`` and group types of list groups, after the
            variant's ``type_key`` (signing groups keep the variant's).
        check_group: ``(entry, verdict)`` -> the verdict on one create-groups entry: its
            error answer, or the group to store.
        check_user: ``(entry, verdict)`` -> the verdict on one create-users entry.
    """

    answer: AnswerRewrite = _same
    xml_style: Callable[[XmlStyle], XmlStyle] = _same
    middleware: tuple[Middleware, ...] = ()
    known_accounts: Callable[[Container[str]], Container[str]] = _same
    known_profiles: Callable[[Container[str]], Container[str]] = _same
    max_new_users: Callable[[int], int] = _same
    window: Callable[[int, int, int], slice] = _from_start
    search_key: Callable[[str], str] = _same
    group_type_key: Callable[[str], str] = _same
    check_group: Callable[[Mapping[str, Json], GroupVerdict], GroupVerdict] = _same_verdict
    check_user: Callable[[Mapping[str, Json], UserVerdict], UserVerdict] = _same_verdict


NO_FAULT = FaultHooks()
"""The clean server: every hook is the faithful behaviour."""


@dataclass(frozen=True, slots=True)
class Fault(FaultHooks):
    """One deliberate deviation from the documented contract, with the hooks that make it.

    Attributes:
        name: the name given to ``--fault``.
        family: the diglot check family that must catch it.
        description: what the server does wrong, in one sentence.
        warning_only: True when the deviation breaks a point the documentation leaves open,
            so the checks report it as a warning rather than a violation.

    Example:
        >>> FAULTS["ignore-accept"].family
        <Family.PROTOCOL: 'protocol'>
    """

    name: str
    family: Family
    description: str
    warning_only: bool = field(default=False)


# -- rewriting answers ---------------------------------------------------------------------


def _objects(value: Json) -> list[Body]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _list_pages(rewrite: Callable[[Page, Body], Body], *, fmt: str | None = None) -> AnswerRewrite:
    """An answer rewrite of list-groups pages (in one representation only)."""

    def hook(answer: Answer) -> Answer:
        if answer.page is None or fmt not in (None, answer.fmt):
            return answer
        return replace(answer, body=rewrite(answer.page, answer.body))

    return hook


def _each_group(change: Callable[[Body], Body]) -> Callable[[Page, Body], Body]:
    def rewrite(page: Page, body: Body) -> Body:
        return {**body, "groups": [change(group) for group in _objects(body.get("groups"))]}

    return rewrite


def _each_member(change: Callable[[Body], Body]) -> Callable[[Body], Body]:
    """Changes each member (``users``) of a group or signing group."""

    def rewrite(group: Body) -> Body:
        if "users" not in group:
            return group
        return {**group, "users": [change(user) for user in _objects(group["users"])]}

    return rewrite


def _signing_groups(change: Callable[[Body], Body]) -> AnswerRewrite:
    def hook(answer: Answer) -> Answer:
        if answer.shape != "signingGroupInformation":
            return answer
        groups = [change(group) for group in _objects(answer.body.get("groups"))]
        return replace(answer, body={**answer.body, "groups": groups})

    return hook


def _errors(rewrite: Callable[[Answer], Answer]) -> AnswerRewrite:
    """An answer rewrite of 400 ``errorDetails`` answers."""

    def hook(answer: Answer) -> Answer:
        if answer.shape != "errorDetails" or answer.status != 400:
            return answer
        return rewrite(answer)

    return hook


_PAGING = ("resultSetSize", "totalSetSize", "startPosition", "endPosition")


def _as_numbers(page: Page, body: Body) -> Body:
    return {key: int(str(value)) if key in _PAGING else value for key, value in body.items()}


def _renamed_group_name(group: Body) -> Body:
    return {("name" if key == "groupName" else key): value for key, value in group.items()}


def _keyed_by_id(page: Page, body: Body) -> Body:
    groups = _objects(body.get("groups"))
    return {**body, "groups": {str(group["groupId"]): group for group in groups}}


def _one_more_result(page: Page, body: Body) -> Body:
    return {**body, "resultSetSize": str(int(str(body["resultSetSize"])) + 1)}


def _total_below_result(page: Page, body: Body) -> Body:
    result_size = int(str(body["resultSetSize"]))
    return {**body, "totalSetSize": str(result_size - 1)} if result_size > 0 else body


def _next_after_last(page: Page, body: Body) -> Body:
    if body.get("nextUri") is not None:
        return body
    return {**body, "nextUri": page.link(page.start + page.count)}


def _previous_before_first(page: Page, body: Body) -> Body:
    return {**body, "previousUri": page.link(0)} if page.start == 0 else body


def _next_skipping_one(page: Page, body: Body) -> Body:
    if body.get("nextUri") is None:
        return body
    return {**body, "nextUri": page.link(page.start + page.count + 1)}


def _error_template(answer: Answer) -> Answer:
    """The documentation site's error template instead of errorDetails."""
    error: dict[str, Json] = {
        "code": answer.body.get("errorCode"),
        "message": answer.body.get("message"),
    }
    success: Json = False if answer.fmt == "json" else "false"
    return replace(answer, shape="response", body={"success": success, "error": error})


_TEMPLATE_ORDER = {"response": ("success", "error"), "error": ("code", "message")}


def _internal_error(answer: Answer) -> Answer:
    if answer.error is None or not answer.error.malformed:
        return answer
    error = ApiError("INTERNAL_SERVER_ERROR", "An internal error occurred.", status=500)
    body = {"errorCode": error.code, "message": error.message}
    return replace(answer, status=error.status, body=body, error=error)


def _created_as_ok(answer: Answer) -> Answer:
    return replace(answer, status=200) if answer.status == 201 else answer


# -- rewriting requests and responses ------------------------------------------------------


class _RewriteRequest:
    """ASGI middleware: rewrites every request's scope before the app sees it."""

    def __init__(self, app: ASGIApp, rewrite: Callable[[Scope], Scope]) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = self.rewrite(scope)
        await self.app(scope, receive, send)


def _without_accept(scope: Scope) -> Scope:
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept"]}


def _query(path: str, rewrite: Callable[[list[tuple[str, str]]], dict[int, str]]) -> Middleware:
    """Middleware rewriting the query of requests to ``path`` (a regular expression).

    ``rewrite`` sees the parameters, one per ``&``-separated piece, decoded as the app
    decodes them, and gives new values by piece index; the other pieces stay as sent.
    A new index past the end appends a parameter (its value is ``name=value``).
    """
    pattern = re.compile(path)

    def rewriting(scope: Scope) -> Scope:
        if not pattern.fullmatch(scope["path"]):
            return scope
        query: bytes = scope.get("query_string", b"")
        pieces = query.decode("latin-1").split("&") if query else []
        params = [next(iter(parse_qsl(p, keep_blank_values=True)), ("", "")) for p in pieces]
        for index, value in sorted(rewrite(params).items()):
            if index < len(pieces):
                pieces[index] = f"{pieces[index].partition('=')[0]}={value}"
            else:
                pieces.append(value)
        return {**scope, "query_string": "&".join(pieces).encode("latin-1")}

    return Middleware(_RewriteRequest, rewrite=rewriting)


_DIGITS = re.compile(r"[0-9]+")


def _count_clamped(params: list[tuple[str, str]]) -> dict[int, str]:
    """count=0 becomes 1, a count above 100 becomes 100."""
    changed: dict[int, str] = {}
    for index, (name, value) in enumerate(params):
        if name != "count" or not _DIGITS.fullmatch(value):
            continue
        digits = value.lstrip("0")
        if not digits:
            changed[index] = "1"
        elif len(digits) > 3 or int(digits) > 100:
            changed[index] = "100"
    return changed


def _users_included(params: list[tuple[str, str]]) -> dict[int, str]:
    """include_users=false (or none) becomes include_users=true."""
    named = [index for index, (name, _) in enumerate(params) if name == "include_users"]
    if not named:
        return {len(params): "include_users=true"}
    return {index: "true" for index in named if params[index][1].lower() == "false"}


def _headers(rewrite: Callable[[MutableHeaders], None]) -> Middleware:
    return Middleware(RewriteHeaders, rewrite=rewrite)


def _xml_labelled_json(headers: MutableHeaders) -> None:
    if headers.get("content-type") == XML_TYPE:
        headers["content-type"] = JSON_TYPE


def _no_content_type(headers: MutableHeaders) -> None:
    del headers["content-type"]


# -- what the server believes, which data answers, what is stored ---------------------------


class _Anything:
    """A container that holds every id."""

    def __contains__(self, item: object) -> bool:
        return True


def _every_id(known: Container[str]) -> Container[str]:
    return _Anything()


def _no_limit(limit: int) -> int:
    return sys.maxsize


def _match_all(text: str) -> str:
    return ""


def _stored_group(
    change: Callable[[Mapping[str, Json], NewGroup], NewGroup],
) -> Callable[[Mapping[str, Json], GroupVerdict], GroupVerdict]:
    """A change of each group a create-groups entry stores (errors stay as they are)."""

    def check(entry: Mapping[str, Json], verdict: GroupVerdict) -> GroupVerdict:
        problem, group = verdict
        return verdict if group is None else (problem, change(entry, group))

    return check


def _ignored_properties_used(entry: Mapping[str, Json], group: NewGroup) -> NewGroup:
    group_type, group_id = entry.get("groupType"), entry.get("groupId")
    if isinstance(group_type, str) and xml_safe(group_type):
        group = replace(group, group_type=group_type)
    if isinstance(group_id, str) and xml_safe(group_id):
        group = replace(group, group_id=group_id)
    return group


def _stored_user(
    change: Callable[[Mapping[str, Json], NewUser], NewUser],
) -> Callable[[Mapping[str, Json], UserVerdict], UserVerdict]:
    def check(entry: Mapping[str, Json], verdict: UserVerdict) -> UserVerdict:
        problem, user = verdict
        return verdict if user is None else (problem, change(entry, user))

    return check


def _without_email(entry: Mapping[str, Json], verdict: UserVerdict) -> UserVerdict:
    """A user without email is created instead of refused (a bad email still is)."""
    problem, _ = verdict
    details = problem.get("errorDetails") if problem is not None else None
    if (
        entry.get("email") is None
        and isinstance(details, Mapping)
        and details.get("errorCode") == "INVALID_EMAIL_ADDRESS_FOR_USER"
    ):
        return None, NewUser(str(entry["userName"]), None)
    return verdict


def _suffix_only(text: str) -> str:
    """A key under which ``needle in name`` holds only when name ends with needle."""
    return text + "\uffff"


_FILTER_PARAMS = ("search_text=", "group_type=")


def _without_filters(link: Json) -> Json:
    if not isinstance(link, str) or "?" not in link:
        return link
    path, _, query = link.partition("?")
    kept = [p for p in query.split("&") if not p.startswith(_FILTER_PARAMS)]
    return f"{path}?{'&'.join(kept)}"


def _links_without_filters(page: Page, body: Body) -> Body:
    return {
        **body,
        "nextUri": _without_filters(body.get("nextUri")),
        "previousUri": _without_filters(body.get("previousUri")),
    }


def _past_end_total_zero(page: Page, body: Body) -> Body:
    if page.start > 0 and not _objects(body.get("groups")):
        return {**body, "totalSetSize": "0"}
    return body


def _numeric_profile_rejected(entry: Mapping[str, Json], verdict: GroupVerdict) -> GroupVerdict:
    """A permissionProfileId sent as a JSON number (as the example does) is refused."""
    raw = entry.get("permissionProfileId")
    if isinstance(raw, int) and not isinstance(raw, bool) and verdict[1] is not None:
        details: dict[str, Json] = {
            "errorCode": "INVALID_PERMISSION_PROFILE_ID",
            "message": "The permissionProfileId must be a string.",
        }
        return {"groupName": entry.get("groupName"), "errorDetails": details}, None
    return verdict


def _batch_reported_failed(answer: Answer) -> Answer:
    """A create-groups batch with one failing entry reports every entry failed (all stored)."""
    if answer.shape != "groupInformation" or answer.status != 201:
        return answer
    groups = _objects(answer.body.get("groups"))
    if not any("errorDetails" in g for g in groups):
        return answer
    failed = {"errorCode": "BATCH_FAILED", "message": "Another group of the request failed."}
    groups = [g if "errorDetails" in g else {**g, "errorDetails": dict(failed)} for g in groups]
    return replace(answer, body={**answer.body, "groups": groups})


def _end_one_past(page: Page, body: Body) -> Body:
    end = body.get("endPosition")
    return {**body, "endPosition": str(int(str(end)) + 1)} if end is not None else body


def _profile_required(entry: Mapping[str, Json], verdict: GroupVerdict) -> GroupVerdict:
    """A group without a permissionProfileId is refused, though the profile is optional."""
    if entry.get("permissionProfileId") in (None, "") and verdict[1] is not None:
        details: dict[str, Json] = {
            "errorCode": "INVALID_PERMISSION_PROFILE_ID",
            "message": "A group needs a permission profile.",
        }
        return {"groupName": entry.get("groupName"), "errorDetails": details}, None
    return verdict


def _last_page_past_the_end(start: int, count: int, total: int) -> slice:
    return slice(max(0, total - count), total) if start >= total else slice(start, start + count)


def _xml_labelled_latin1(headers: MutableHeaders) -> None:
    if headers.get("content-type", "").startswith(XML_TYPE.split(";")[0]):
        headers["content-type"] = "application/xml; charset=iso-8859-1"


def _links_by_page_number(page: Page, body: Body) -> Body:
    """Links from the page number (start // count): wrong for a start between multiples."""
    number = page.start // page.count
    changed = dict(body)
    if body.get("nextUri") is not None:
        changed["nextUri"] = page.link((number + 1) * page.count)
    if body.get("previousUri") is not None:
        changed["previousUri"] = page.link(max(0, (number - 1) * page.count))
    return changed


def _v2_not_served(scope: Scope) -> Scope:
    """Requests to the /v2 paths go nowhere (an implementation of v2.1 alone)."""
    path = str(scope.get("path", ""))
    if path.startswith("/restapi/v2/"):
        moved = "/restapi/unserved/" + path[len("/restapi/v2/") :]
        return {**scope, "path": moved, "raw_path": moved.encode("latin-1")}
    return scope


_S, _P, _G, _M, _E = (
    Family.SCHEMA,
    Family.PROTOCOL,
    Family.PAGINATION,
    Family.SEMANTICS,
    Family.EQUIVALENCE,
)

_LIST_GROUPS = r"/restapi/v2(?:\.1)?/accounts/[^/]+/groups"
_SIGNING_GROUPS = r"/restapi/v2\.1/accounts/[^/]+/signing_groups"

_TABLE: tuple[Fault, ...] = (
    # schema: JSON
    Fault(
        "json-numbers-as-numbers",
        _S,
        "JSON list groups: resultSetSize, totalSetSize, startPosition and endPosition are "
        "JSON numbers instead of digit strings",
        answer=_list_pages(_as_numbers, fmt="json"),
    ),
    Fault(
        "json-renamed-field",
        _S,
        "JSON list groups: each group's groupName is written as name",
        answer=_list_pages(_each_group(_renamed_group_name), fmt="json"),
    ),
    Fault(
        "json-groups-not-array",
        _S,
        "JSON list groups: groups is an object keyed by groupId instead of an array",
        answer=_list_pages(_keyed_by_id, fmt="json"),
    ),
    Fault(
        "user-status-unknown",
        _S,
        "userInfo.userStatus of group members is 'active', outside the documented enumeration "
        "(JSON and XML)",
        answer=_list_pages(
            _each_group(_each_member(lambda user: {**user, "userStatus": "active"}))
        ),
    ),
    Fault(
        "signing-user-name-too-long",
        _S,
        "signing-group members' userName is padded past the documented 100 characters "
        "(JSON and XML)",
        answer=_signing_groups(
            _each_member(lambda user: {**user, "userName": f"{user['userName']} {'x' * 101}"})
        ),
    ),
    # schema: XML
    Fault(
        "xml-wrong-namespace",
        _S,
        "XML: root and child elements are in no namespace instead of "
        "http://www.docusign.com/restapi",
        xml_style=lambda style: replace(style, namespace=False),
    ),
    Fault(
        "xml-wrong-root",
        _S,
        "XML list groups: root element is groupsInformation",
        xml_style=lambda style: replace(
            style, root_names={"groupInformation": "groupsInformation"}
        ),
    ),
    Fault(
        "xml-wrong-item-name",
        _S,
        "XML: items of <groups> are <groupInfo> instead of <group>",
        xml_style=lambda style: replace(style, item_names={"group": "groupInfo"}),
    ),
    Fault(
        "xml-child-order",
        _S,
        "XML: the children of <group> come in reverse order",
        xml_style=lambda style: replace(style, reversed_shapes=frozenset({"group"})),
    ),
    Fault(
        "xml-nil-without-namespace",
        _S,
        'XML: a null nextUri/previousUri is written <nextUri nil="true"/>, without the '
        "XML Schema instance namespace",
        xml_style=lambda style: replace(style, nil_in_xsi=False),
    ),
    Fault(
        "xml-unescaped",
        _S,
        "XML: '&' in text is not escaped ('Sales & Marketing'), so the body is malformed",
        xml_style=lambda style: replace(style, escape=False),
    ),
    # protocol
    Fault(
        "ignore-accept",
        _P,
        "Accept is ignored: always JSON, even when XML is asked for",
        middleware=(Middleware(_RewriteRequest, rewrite=_without_accept),),
    ),
    Fault(
        "wrong-content-type",
        _P,
        "XML bodies are labelled Content-Type: application/json",
        middleware=(_headers(_xml_labelled_json),),
    ),
    Fault(
        "missing-content-type",
        _P,
        "no Content-Type header on any response",
        middleware=(_headers(_no_content_type),),
    ),
    Fault(
        "error-envelope",
        _P,
        'errors answer 400 with the documentation site\'s template {"success": false, '
        '"error": {"code": ..., "message": ...}} instead of errorDetails (XML likewise)',
        answer=_errors(_error_template),
        xml_style=lambda style: replace(style, orders=_TEMPLATE_ORDER),
    ),
    Fault(
        "error-missing-message",
        _P,
        "400 errorDetails bodies have no message",
        answer=_errors(
            lambda answer: replace(
                answer, body={k: v for k, v in answer.body.items() if k != "message"}
            )
        ),
    ),
    Fault(
        "server-error-on-bad-input",
        _P,
        "a malformed JSON/XML body or a non-digit count is answered 500 instead of 400",
        answer=_internal_error,
    ),
    Fault(
        "create-returns-200",
        _P,
        "create groups and create users answer 200 instead of 201",
        answer=_created_as_ok,
    ),
    Fault(
        "count-out-of-range-accepted",
        _P,
        "count=0 and count=101 are accepted with 200 (clamped to 1..100) instead of 400",
        middleware=(_query(_LIST_GROUPS, _count_clamped),),
    ),
    Fault(
        "unknown-account-accepted",
        _P,
        "an unknown accountId is answered 200/201 with the default account's data "
        "instead of 400 errorDetails",
        known_accounts=_every_id,
    ),
    # pagination
    Fault(
        "result-set-size-wrong",
        _G,
        "resultSetSize is one more than the number of groups returned",
        answer=_list_pages(_one_more_result),
    ),
    Fault(
        "total-less-than-result",
        _G,
        "totalSetSize is smaller than resultSetSize",
        answer=_list_pages(_total_below_result),
    ),
    Fault(
        "next-uri-on-last-page",
        _G,
        "nextUri is not null on the last page",
        answer=_list_pages(_next_after_last),
    ),
    Fault(
        "previous-uri-on-first-page",
        _G,
        "previousUri is not null on the first page",
        answer=_list_pages(_previous_before_first),
    ),
    Fault(
        "next-uri-skips",
        _G,
        "nextUri points one item too far, skipping one group",
        answer=_list_pages(_next_skipping_one),
    ),
    Fault(
        "count-ignored",
        _G,
        "count is ignored: every matching group is returned (and resultSetSize says so)",
        window=lambda start, count, total: slice(start, start + total),
    ),
    Fault(
        "start-position-one-based",
        _G,
        "start_position is read as 1-based: the page starts one item later while "
        "startPosition echoes the request",
        window=lambda start, count, total: slice(start + 1, start + 1 + count),
    ),
    Fault(
        "start-position-ignored",
        _G,
        "start_position is ignored: every request gets the first page, while startPosition "
        "echoes the request",
        window=lambda start, count, total: slice(0, count),
    ),
    # semantics
    Fault(
        "search-text-ignored",
        _M,
        "search_text is ignored: every group is listed",
        search_key=_match_all,
    ),
    Fault(
        "group-type-ignored",
        _M,
        "group_type is ignored: groups of every type are listed",
        group_type_key=_match_all,
    ),
    Fault(
        "ignored-properties-used",
        _M,
        "create groups copies groupType and groupId from the request body when given",
        check_group=_stored_group(_ignored_properties_used),
    ),
    Fault(
        "unknown-profile-accepted",
        _M,
        "create groups accepts and stores an unknown permissionProfileId",
        known_profiles=_every_id,
    ),
    Fault(
        "users-limit-ignored",
        _M,
        "more than 500 new users in one request are accepted (201)",
        max_new_users=_no_limit,
    ),
    Fault(
        "duplicate-user-accepted",
        _M,
        "an existing userName+email combination is created again, without an entry error",
        check_user=_stored_user(lambda entry, user: replace(user, unique=False)),
    ),
    Fault(
        "missing-email-accepted",
        _M,
        "a new user without email is created (entry with userId, no errorDetails)",
        check_user=_without_email,
    ),
    Fault(
        "created-not-listed",
        _M,
        "created groups are answered 201 but never appear in list groups",
        check_group=_stored_group(lambda entry, group: replace(group, listed=False)),
    ),
    Fault(
        "duplicate-group-ids",
        _M,
        "every group created gets the same groupId",
        check_group=_stored_group(lambda entry, group: replace(group, group_id=FIXED_GROUP_ID)),
    ),
    Fault(
        "include-users-ignored",
        _M,
        "signing-group members are listed even when include_users is not true",
        warning_only=True,
        middleware=(_query(_SIGNING_GROUPS, _users_included),),
    ),
    # equivalence
    Fault(
        "xml-json-disagree",
        _E,
        "XML list groups gives groupName upper-cased; JSON is correct",
        answer=_list_pages(
            _each_group(lambda group: {**group, "groupName": str(group["groupName"]).upper()}),
            fmt="xml",
        ),
    ),
    Fault(
        "xml-drops-users",
        _E,
        "XML list groups omits the users of groups; JSON lists them",
        answer=_list_pages(
            _each_group(lambda group: {k: v for k, v in group.items() if k != "users"}),
            fmt="xml",
        ),
    ),
    # issue 13: deeper oracles
    Fault(
        "search-text-suffix-only",
        _M,
        "search_text matches only at the end of group names (a LIKE '%text' bug): groups "
        "that contain it elsewhere are left out, and totalSetSize counts only the others",
        search_key=_suffix_only,
    ),
    Fault(
        "links-drop-search",
        _G,
        "nextUri and previousUri of a filtered list drop search_text and group_type, so "
        "following them leaves the search",
        answer=_list_pages(_links_without_filters),
    ),
    Fault(
        "past-end-total-zero",
        _G,
        "a page past the end of the list says totalSetSize 0 (counted from the empty page)",
        answer=_list_pages(_past_end_total_zero),
    ),
    Fault(
        "numeric-profile-rejected",
        _M,
        "create groups refuses a permissionProfileId sent as a JSON number, as the "
        "documentation's own example sends it (1597), with an entry error",
        check_group=_numeric_profile_rejected,
    ),
    Fault(
        "profile-not-stored",
        _M,
        "create groups accepts a permissionProfileId but stores the group without it",
        check_group=_stored_group(lambda entry, group: replace(group, profile_id=None)),
    ),
    Fault(
        "batch-reported-failed",
        _M,
        "in a create-groups batch with one failing entry, every entry is answered with "
        "errorDetails, though the others were created",
        answer=_batch_reported_failed,
    ),
    Fault(
        "user-name-from-email",
        _M,
        "create users stores and answers the email address as the new user's userName",
        check_user=_stored_user(lambda entry, user: replace(user, user_name=str(user.email))),
    ),
    Fault(
        "past-end-last-page",
        _G,
        "a page past the end shows the last groups of the list, while startPosition echoes "
        "the position asked for",
        window=_last_page_past_the_end,
    ),
    Fault(
        "group-name-truncated",
        _M,
        "create groups stores (and answers) groupName cut at 20 characters",
        check_group=_stored_group(lambda entry, group: replace(group, name=group.name[:20])),
    ),
    Fault(
        "xml-charset-mislabelled",
        _P,
        "XML answers say charset=iso-8859-1 while their bytes are UTF-8",
        middleware=(_headers(_xml_labelled_latin1),),
    ),
    Fault(
        "json-member-email-dropped",
        _E,
        "JSON list groups: group members carry no email; XML gives it",
        answer=_list_pages(
            _each_group(_each_member(lambda u: {k: v for k, v in u.items() if k != "email"})),
            fmt="json",
        ),
    ),
    Fault(
        "links-page-aligned",
        _G,
        "nextUri and previousUri are computed from a page number (start // count), so from "
        "a page between multiples of count they skip or repeat records",
        answer=_list_pages(_links_by_page_number),
    ),
    Fault(
        "v2-path-not-served",
        _P,
        "GET /v2/accounts/{accountId}/groups, the path the list-groups page shows, answers 404 "
        "(only /v2.1 is served)",
        warning_only=True,
        middleware=(Middleware(_RewriteRequest, rewrite=_v2_not_served),),
    ),
    Fault(
        "end-position-past-last",
        _G,
        "endPosition is one past the last group of the page",
        answer=_list_pages(_end_one_past),
    ),
    Fault(
        "profile-required",
        _M,
        "create groups refuses a group without a permissionProfileId (an entry error), "
        "though the documentation says a profile is not required",
        check_group=_profile_required,
    ),
)

FAULTS: Mapping[str, Fault] = MappingProxyType({fault.name: fault for fault in _TABLE})
"""Every fault the reference server can inject, by name, in a stable order."""


def get_fault(name: str | None) -> Fault | None:
    """Look a fault up by name.

    Args:
        name: a key of ``FAULTS``, or None for the clean server.

    Returns:
        The fault, or None when ``name`` is None.

    Raises:
        UsageError: the name is not a known fault; the message suggests close matches.
    """
    return look_up(FAULTS, name, kind="fault", listing="--list-faults")
