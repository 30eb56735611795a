"""The reference server's ASGI application: the four documented operations, faithfully.

Decisions where the documentation leaves room (each one is what the contract checks accept):

- ``count`` "greater than 1 and less than or equal to 100" is read as 1..100; absent, 100.
  ``start_position`` is any 0-based digit string; past the end gives 200 with an empty page.
- ``nextUri`` / ``previousUri`` are server-absolute paths with the query (the other filters
  kept); in JSON a missing one is ``null``, in XML ``i:nil="true"``. ``endPosition`` is omitted
  on an empty page. Listed groups carry no ``errorDetails`` (the example's ``SUCCESS`` one is
  optional).
- An unknown ``group_type`` value filters everything out (200, empty page); the query
  parameter is a free string in the documentation. ``include_users`` must be true or false.
- Create groups reports a bad entry (no ``groupName``, unknown ``permissionProfileId``) in
  that entry's ``errorDetails`` and still creates the others (201), like create users. An
  empty ``permissionProfileId`` counts as absent. Group names may repeat.
- A request body with another media type than JSON or XML gets 400 ``INVALID_CONTENT_TYPE``
  (400 is the documented error status); a body without ``Content-Type`` is read as JSON.
- Text that XML 1.0 cannot carry (control characters, lone surrogates) is refused in names and
  e-mail addresses, so that every resource can be answered in both content types.
- Nothing answers 5xx: every unexpected error becomes 400 ``errorDetails``.
- The two deletes of DocuSign's published OpenAPI description (not on the documentation
  pages; diglot cleans up with them) answer 200 with one entry per group or user named, in
  order: a deleted group as created groups are answered, a closed user with ``userStatus``
  ``Closed``; an id that names nothing (or the Administrators and Everyone groups, which an
  account cannot lose) gets that entry's ``errorDetails`` and the others still go. A closed
  user leaves its groups, and a new user may take its name and e-mail again.

Other faithful readings of these points are variants (``_variants``), and deliberate breaks of
the documentation are faults (``_faults``). Neither is written into this logic: each is applied
to what it produces (the answer, its writing, the HTTP exchange) or to the request before it
sees it, or plugged in where the logic makes a choice (which ids exist, which groups a page
shows, how the filters match, list order, what an entry becomes, batch errors). Every hook's
default is the above; a fault's hooks apply first, a variant's on top of them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias, cast
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from diglot.server import _seed, _xml
from diglot.server._faults import NO_FAULT, FaultHooks, GroupVerdict, UserVerdict, get_fault
from diglot.server._hooks import Answer, Page
from diglot.server._http import (
    JSON_TYPE,
    XML_TYPE,
    ApiError,
    Json,
    negotiate,
    read_body,
    show,
    xml_safe,
)
from diglot.server._oauth import OAuth, OAuthSettings
from diglot.server._store import GroupRow, NewGroup, NewUser, Store
from diglot.server._variants import FAITHFUL, Variant, get_variant

_log = logging.getLogger("diglot.server")

MAX_NEW_USERS = 500
DEFAULT_COUNT = 100
DUPLICATE_TIME = "0001-01-01T08:00:00.0000000Z"


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_DIGITS = re.compile(r"[0-9]+")

Handler: TypeAlias = Callable[[Request, str], Awaitable[Response]]


class _Api:
    def __init__(
        self,
        store: Store,
        fault: FaultHooks,
        variant: Variant,
        account_id: str,
        account_ids: frozenset[str],
    ) -> None:
        self.store = store
        self.fault = fault
        self.variant = variant
        self.account_id = account_id
        # what the account holds, as the fault (if any) believes it
        self.account_ids = fault.known_accounts(account_ids)
        self.profile_ids = fault.known_profiles(store.profile_ids)
        self.max_new_users = fault.max_new_users(MAX_NEW_USERS)
        # how list groups matches its filters: the variant's reading, then the fault's
        self.search_key = _then(variant.search_key, fault.search_key)
        self.group_type_key = _then(variant.type_key, fault.group_type_key)
        self.xml_style = variant.xml_style(fault.xml_style(_xml.XmlStyle()))

    # -- plumbing ---------------------------------------------------------------------------

    @staticmethod
    def format_of(request: Request) -> str:
        return negotiate(request.headers.get("accept", ""))

    def guard(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fmt = self.format_of(request)
            try:
                self.check_account(request)
                return await handler(request, fmt)
            except ApiError as exc:
                return self.error(request, fmt, exc)
            except Exception:  # never a 5xx, whatever the input
                _log.exception("unexpected error on %s %s", request.method, request.url.path)
                return self.error(
                    request,
                    fmt,
                    ApiError(
                        "INVALID_REQUEST",
                        "The request could not be processed. Check its parameters and body "
                        "against the documentation.",
                    ),
                )

        return endpoint

    def check_account(self, request: Request) -> None:
        account = str(request.path_params.get("accountId", ""))
        if account.lower() in self.account_ids:
            return
        raise ApiError(
            "INVALID_ACCOUNT_ID",
            f"Account {show(account)} does not exist on this server. Use the account ID "
            "GUID or the external account number.",
        )

    def respond(
        self,
        request: Request,
        fmt: str,
        status: int,
        shape: str,
        body: Mapping[str, Json],
        *,
        error: ApiError | None = None,
        page: Page | None = None,
    ) -> Response:
        answer = Answer(request, fmt, status, shape, body, self.account_id, error, page)
        answer = self.fault.answer(answer)
        data = self.variant.answer(answer)
        if fmt == "xml":
            content = _xml.render(answer.shape, cast(_xml.Node, data), self.xml_style)
            media = XML_TYPE
        else:
            content = self.variant.json_writer(data)
            media = JSON_TYPE
        return Response(content, status_code=answer.status, headers={"content-type": media})

    def error(
        self,
        request: Request,
        fmt: str,
        exc: ApiError,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        body: dict[str, Json] = {"errorCode": exc.code, "message": exc.message}
        response = self.respond(request, fmt, exc.status, "errorDetails", body, error=exc)
        response.headers.update(headers or {})
        return response

    # -- list groups ------------------------------------------------------------------------

    @staticmethod
    def parse_count(raw: str | None) -> int:
        if raw is None:
            return DEFAULT_COUNT
        if not _DIGITS.fullmatch(raw):
            raise ApiError(
                "INVALID_REQUEST_PARAMETER",
                f"count={show(raw)} is not a number. Send digits from 1 to 100.",
                malformed=True,
            )
        value = int(raw.lstrip("0") or "0") if len(raw.lstrip("0")) <= 6 else 10**6
        if 1 <= value <= 100:
            return value
        raise ApiError(
            "INVALID_REQUEST_PARAMETER",
            f"count={show(raw)} is out of range. Send a count from 1 to 100.",
        )

    @staticmethod
    def parse_start(raw: str | None) -> int:
        if raw is None:
            return 0
        if not _DIGITS.fullmatch(raw) or len(raw.lstrip("0")) > 4000:
            raise ApiError(
                "INVALID_REQUEST_PARAMETER",
                f"start_position={show(raw)} is not a valid position. Send a 0-based "
                "number (digits).",
            )
        return int(raw)

    async def list_groups(self, request: Request, fmt: str) -> Response:
        query = request.query_params
        count = self.parse_count(query.get("count"))
        start = self.parse_start(query.get("start_position"))
        search = query.get("search_text") or ""
        group_type = query.get("group_type") or ""
        groups = self.variant.reorder(self.store.list_groups())
        if search:
            key = self.search_key
            needle = key(search)
            groups = [group for group in groups if needle in key(group.name)]
        if group_type:
            kind = self.group_type_key
            wanted = kind(group_type)
            groups = [group for group in groups if kind(group.group_type) == wanted]
        total = len(groups)
        page = groups[self.fault.window(start, count, total)]  # count groups from start

        def page_uri(position: int) -> str:
            params = {"start_position": str(position), "count": str(count)}
            if search:
                params["search_text"] = search
            if group_type:
                params["group_type"] = group_type
            version = request.url.path.split("/")[2]
            account = quote(str(request.path_params["accountId"]), safe="")
            return (
                f"/restapi/{version}/accounts/{account}/groups?{urlencode(params, quote_via=quote)}"
            )

        last = start + len(page) >= total
        body: dict[str, Json] = {
            "groups": [self.group_json(group, listed=True) for group in page],
            "resultSetSize": str(len(page)),
            "totalSetSize": str(total),
            "startPosition": str(start),
        }
        if page:
            body["endPosition"] = str(start + len(page) - 1)
        body["nextUri"] = None if last else page_uri(start + count)
        body["previousUri"] = page_uri(max(0, start - count)) if start > 0 else None
        return self.respond(
            request, fmt, 200, "groupInformation", body, page=Page(start, count, page_uri)
        )

    def group_json(self, group: GroupRow, *, listed: bool) -> dict[str, Json]:
        body: dict[str, Json] = {"groupId": group.group_id, "groupName": group.name}
        if group.profile_id is not None:
            body["permissionProfileId"] = group.profile_id
        body["groupType"] = group.group_type
        if listed and group.members:
            body["users"] = [
                {
                    "userName": user.user_name,
                    "userId": user.user_id,
                    "email": user.email or "",
                    "userType": user.user_type,
                    "userStatus": user.status,
                    "uri": f"/users/{user.user_id}",
                }
                for user in group.members
            ]
        return body

    # -- create groups ----------------------------------------------------------------------

    async def create_groups(self, request: Request, fmt: str) -> Response:
        data = await read_body(request, "groupInformation")
        entries = data.get("groups")
        if not isinstance(entries, list) or not entries:
            raise ApiError(
                "INVALID_REQUEST_BODY",
                "The body needs a non-empty 'groups' array of groups, each with a 'groupName'.",
            )
        answers: list[dict[str, Json] | None] = []
        new_groups: list[NewGroup] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ApiError(
                    "INVALID_REQUEST_BODY",
                    f"groups[{index}] is a {type(entry).__name__}; each group is an object.",
                )
            problem, new_group = self.fault.check_group(entry, self.check_group(entry))
            if problem is not None:
                answers.append(problem)
            else:
                assert new_group is not None
                answers.append(None)
                new_groups.append(new_group)
        self.variant.check_batch(answers)
        created = iter(self.store.create_groups(new_groups))
        groups: list[Json] = [
            answer if answer is not None else self.group_json(next(created), listed=False)
            for answer in answers
        ]
        return self.respond(request, fmt, 201, "groupInformation", {"groups": groups})

    def check_group(self, entry: Mapping[str, Json]) -> GroupVerdict:
        name = entry.get("groupName")
        raw_profile = entry.get("permissionProfileId")
        profile: str | None = None
        if isinstance(raw_profile, bool):
            profile = str(raw_profile).lower()
        elif isinstance(raw_profile, int):
            profile = str(raw_profile)
        elif isinstance(raw_profile, float):
            profile = str(int(raw_profile)) if raw_profile.is_integer() else str(raw_profile)
        elif isinstance(raw_profile, str) and raw_profile.strip():
            profile = raw_profile.strip()
        elif raw_profile not in (None, ""):
            profile = json.dumps(raw_profile)[:40]

        def failed(code: str, message: str) -> tuple[dict[str, Json], None]:
            answer: dict[str, Json] = {}
            if isinstance(name, str) and xml_safe(name):
                answer["groupName"] = name
            if profile is not None and xml_safe(profile):
                answer["permissionProfileId"] = profile
            answer["errorDetails"] = {"errorCode": code, "message": message}
            return answer, None

        if not isinstance(name, str) or not name.strip():
            return failed("INVALID_GROUP_NAME", "A group needs a non-empty groupName.")
        if not xml_safe(name):
            return failed(
                "INVALID_GROUP_NAME",
                "The groupName holds characters that XML cannot carry (control characters).",
            )
        if profile is not None and profile not in self.profile_ids:
            return failed(
                "INVALID_PERMISSION_PROFILE_ID",
                f"Permission profile {show(profile)} does not exist. Use "
                "AccountPermissionProfiles: list to get the profile ids.",
            )
        if profile is not None and not xml_safe(profile):
            return failed("INVALID_PERMISSION_PROFILE_ID", "The permissionProfileId is invalid.")
        return None, NewGroup(name, "CustomGroup", profile)  # groupType and groupId are ignored

    # -- create users -----------------------------------------------------------------------

    async def create_users(self, request: Request, fmt: str) -> Response:
        data = await read_body(request, "newUsersDefinition")
        entries = data.get("newUsers")
        if not isinstance(entries, list) or not entries:
            raise ApiError(
                "INVALID_REQUEST_BODY",
                "The body needs a non-empty 'newUsers' array, each user with 'userName' and "
                "'email'.",
            )
        if len(entries) > self.max_new_users:
            raise ApiError(
                "TOO_MANY_USERS_IN_REQUEST",
                f"The request has {len(entries)} new users; at most {self.max_new_users} can be "
                "created in one request. Split it.",
            )
        answers: list[dict[str, Json] | None] = []
        users: list[NewUser | None] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ApiError(
                    "INVALID_REQUEST_BODY",
                    f"newUsers[{index}] is a {type(entry).__name__}; each user is an object.",
                )
            problem, user = self.fault.check_user(entry, self.check_user(entry))
            answers.append(problem)
            users.append(user)
        self.variant.check_batch(answers)
        results = self.store.create_users(users)
        summary: list[Json] = []
        for answer, user, result in zip(answers, users, results, strict=True):
            if answer is not None or result is None or user is None:
                summary.append(answer)
                continue
            row, created = result
            entry_body: dict[str, Json] = {"userId": row.user_id, "uri": f"/users/{row.user_id}"}
            if user.email is not None:
                entry_body["email"] = user.email
            entry_body["userName"] = user.user_name
            if created:
                entry_body["userStatus"] = row.status
                entry_body["createdDateTime"] = row.created
            else:
                entry_body["createdDateTime"] = DUPLICATE_TIME
                entry_body["errorDetails"] = {
                    "errorCode": "USER_ALREADY_EXISTS_IN_ACCOUNT",
                    "message": "Username and email combination already exists for this account.",
                }
            summary.append(entry_body)
        return self.respond(request, fmt, 201, "newUsersSummary", {"newUsers": summary})

    @staticmethod
    def check_user(entry: Mapping[str, Json]) -> UserVerdict:
        name = entry.get("userName")
        email = entry.get("email")

        def failed(code: str, message: str) -> tuple[dict[str, Json], None]:
            answer: dict[str, Json] = {}
            if isinstance(email, str) and xml_safe(email):
                answer["email"] = email
            if isinstance(name, str) and xml_safe(name):
                answer["userName"] = name
            answer["errorDetails"] = {"errorCode": code, "message": message}
            return answer, None

        if not isinstance(name, str) or not name.strip() or not xml_safe(name):
            return failed(
                "INVALID_USER_NAME",
                "Each new user needs a userName (a non-empty string of printable characters).",
            )
        if not isinstance(email, str) or not _EMAIL.fullmatch(email) or not xml_safe(email):
            return failed(
                "INVALID_EMAIL_ADDRESS_FOR_USER",
                "Each new user needs a valid email address, like name@example.com.",
            )
        settings = entry.get("userSettings")
        locale: str | None = None
        can_send: bool | None = None
        if isinstance(settings, dict):
            if isinstance(settings.get("locale"), str):
                locale = str(settings["locale"])
            flag = settings.get("canSendEnvelope")
            if isinstance(flag, bool):
                can_send = flag
            elif isinstance(flag, str) and flag.lower() in ("true", "false"):
                can_send = flag.lower() == "true"
        return None, NewUser(name, email, locale=locale, can_send_envelope=can_send)

    # -- delete groups, delete users (cleanup) --------------------------------------------

    @staticmethod
    def ids_of(data: Mapping[str, Json], key: str, id_key: str) -> list[str | None]:
        entries = data.get(key)
        if not isinstance(entries, list) or not entries:
            raise ApiError(
                "INVALID_REQUEST_BODY",
                f"The body needs a non-empty {key!r} array, each entry with its {id_key!r}.",
            )
        ids: list[str | None] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ApiError(
                    "INVALID_REQUEST_BODY",
                    f"{key}[{index}] is a {type(entry).__name__}; each entry is an object.",
                )
            value = entry.get(id_key)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            ids.append(value.strip() if isinstance(value, str) and value.strip() else None)
        return ids

    async def delete_groups(self, request: Request, fmt: str) -> Response:
        data = await read_body(request, "groupInformation")
        ids = self.ids_of(data, "groups", "groupId")
        results = iter(self.store.delete_groups([i for i in ids if i is not None]))
        groups: list[Json] = []
        for group_id in ids:
            result = None if group_id is None else next(results)
            if result is None or isinstance(result, str):
                entry: dict[str, Json] = {}
                if group_id is not None and xml_safe(group_id):
                    entry["groupId"] = group_id
                entry["errorDetails"] = (
                    {
                        "errorCode": "INVALID_GROUP_ID",
                        "message": "The group cannot be deleted: "
                        "the Administrators and Everyone groups belong to the account.",
                    }
                    if result == "protected"
                    else {"errorCode": "INVALID_GROUP_ID", "message": "No group has this groupId."}
                )
                groups.append(entry)
            else:
                groups.append(self.group_json(result, listed=False))
        return self.respond(request, fmt, 200, "groupInformation", {"groups": groups})

    async def delete_users(self, request: Request, fmt: str) -> Response:
        data = await read_body(request, "userInfoList")
        ids = self.ids_of(data, "users", "userId")
        results = iter(self.store.close_users([i for i in ids if i is not None]))
        users: list[Json] = []
        for user_id in ids:
            row = None if user_id is None else next(results)
            if row is None:
                entry: dict[str, Json] = {}
                if user_id is not None and xml_safe(user_id):
                    entry["userId"] = user_id
                entry["errorDetails"] = {
                    "errorCode": "INVALID_USERID",
                    "message": "No open user of the account has this userId.",
                }
                users.append(entry)
                continue
            closed: dict[str, Json] = {"userId": row.user_id, "uri": f"/users/{row.user_id}"}
            if row.email is not None:
                closed["email"] = row.email
            closed["userName"] = row.user_name
            closed["userStatus"] = row.status
            users.append(closed)
        return self.respond(request, fmt, 200, "usersResponse", {"users": users})

    # -- signing groups ---------------------------------------------------------------------

    async def list_signing_groups(self, request: Request, fmt: str) -> Response:
        query = request.query_params
        raw_include = query.get("include_users")
        if raw_include is not None and raw_include.lower() not in ("true", "false"):
            raise ApiError(
                "INVALID_REQUEST_PARAMETER",
                f"include_users={show(raw_include)} is not valid. Send true or false.",
            )
        include = raw_include is not None and raw_include.lower() == "true"
        group_type = query.get("group_type") or ""
        kind = self.variant.type_key
        groups: list[Json] = []
        for row in self.variant.reorder(self.store.list_signing_groups()):
            if group_type and kind(row.group_type) != kind(group_type):
                continue
            body: dict[str, Json] = {
                "signingGroupId": row.signing_group_id,
                "groupName": row.name,
                "groupType": row.group_type,
                "groupEmail": row.group_email,
                "created": row.created,
                "createdBy": row.created_by,
                "modified": row.modified,
                "modifiedBy": row.modified_by,
            }
            if include:
                body["users"] = [
                    {"userName": user_name, "email": email} for user_name, email in row.members
                ]
            groups.append(body)
        return self.respond(request, fmt, 200, "signingGroupInformation", {"groups": groups})


def _then(first: Callable[[str], str], second: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: second(first(text))


def create_app(
    *,
    account_id: str = _seed.DEFAULT_ACCOUNT_ID,
    db_path: str | None = None,
    fault: str | None = None,
    account_number: str = _seed.DEFAULT_ACCOUNT_NUMBER,
    permission_profiles: Mapping[str, str] | None = None,
    variant: str | None = None,
    require_auth: OAuthSettings | None = None,
) -> Starlette:
    """Build the reference server's ASGI application.

    Args:
        account_id: the account's id (a GUID); requests for another account get 400.
        db_path: an SQLite file that keeps the data across restarts; None keeps it in memory.
        fault: the name of one fault of ``FAULTS`` to switch on, or None for the clean server.
        account_number: the account's external number, the other accepted account id.
        permission_profiles: id -> name of the permission profiles of a fresh database;
            defaults to ``PERMISSION_PROFILES``.
        variant: the name of one variant of ``VARIANTS`` (a faithful but different way to
            answer), or None for the server's own; it applies on top of a fault.
        require_auth: the OAuth side (``diglot.server._oauth``): ``POST /oauth/token`` grants
            tokens by DocuSign's JWT bearer grant, and the API answers 401 without a live one.

    Returns:
        A Starlette application; its ``state.store`` holds the database (closed by
        ``running()`` on exit).

    Raises:
        UsageError: an unknown fault or variant, or a database file that cannot be opened.

    Example:
        >>> app = create_app(fault="ignore-accept", variant="xml-prefixed")
    """
    import sqlite3

    from diglot.errors import UsageError

    hooks = get_fault(fault) or NO_FAULT
    chosen = get_variant(variant) or FAITHFUL
    try:
        store = Store(db_path or ":memory:", permission_profiles or _seed.PERMISSION_PROFILES)
    except sqlite3.Error as exc:
        raise UsageError(
            f"cannot use {db_path!r} as the server's database: {exc}. Give --db a writable "
            "SQLite file path (it is created if missing)."
        ) from None
    api = _Api(
        store, hooks, chosen, account_id, frozenset({account_id.lower(), account_number.lower()})
    )
    base = "/restapi/v2.1/accounts/{accountId}"
    list_groups = api.guard(api.list_groups)
    create_groups = api.guard(api.create_groups)
    delete_groups = api.guard(api.delete_groups)
    create_users = api.guard(api.create_users)
    delete_users = api.guard(api.delete_users)

    async def groups(request: Request) -> Response:
        handler = {"POST": create_groups, "DELETE": delete_groups}.get(request.method)
        return await (handler or list_groups)(request)

    async def users(request: Request) -> Response:
        return await (delete_users if request.method == "DELETE" else create_users)(request)

    routes = [
        Route(f"{base}/groups", groups, methods=["GET", "POST", "DELETE"]),
        Route("/restapi/v2/accounts/{accountId}/groups", list_groups, methods=["GET"]),
        Route(f"{base}/users", users, methods=["POST", "DELETE"]),
        Route(f"{base}/signing_groups", api.guard(api.list_signing_groups), methods=["GET"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        fmt = api.format_of(request)
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            error = ApiError(
                "METHOD_NOT_ALLOWED",
                f"{request.method} is not allowed on {show(request.url.path, 120)}.",
                status=405,
            )
            return api.error(request, fmt, error, headers=exc.headers)
        if isinstance(exc, HTTPException) and exc.status_code == 404:
            error = ApiError(
                "RESOURCE_NOT_FOUND",
                f"No operation at {show(request.url.path, 120)}. The documented paths are "
                "/restapi/v2.1/accounts/{accountId}/groups, /users and /signing_groups.",
                status=404,
            )
            return api.error(request, fmt, error)
        _log.error("unexpected error on %s %s: %r", request.method, request.url.path, exc)
        return api.error(
            request, fmt, ApiError("INVALID_REQUEST", "The request could not be processed.")
        )

    guard: list[Middleware] = []
    if require_auth is not None:
        oauth = OAuth(require_auth)
        routes.append(Route("/oauth/token", oauth.token, methods=["POST"]))
        guard.append(Middleware(oauth.middleware))  # outermost: a 401 comes before any fault
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error},
        # the variant's outside the fault's
        middleware=[*guard, *chosen.middleware, *hooks.middleware],
    )
    app.router.redirect_slashes = False
    app.state.store = store
    app.state.fault = fault
    app.state.variant = variant
    return app
