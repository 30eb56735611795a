"""Request cases per operation and content type: valid, boundary and invalid.

Valid cases stay inside every documented constraint, so the documented success status is
due; boundary cases sit at and past the documented bounds; invalid cases break a documented
rule. Bodies are data (``Case.body``) encoded as JSON or, by the spec's XML codec, as XML
valid against the XSD, so both content types get the same generated content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from diglot.model import Case, CaseKind, Expect, JSONValue
from diglot.strategies._names import Names

IGNORED_MARKER = "diglot-ignored-"
"""Prefix of values put in properties the server must ignore (create groups uses only
groupName and permissionProfileId); the checks look for it in the answer."""

if TYPE_CHECKING:
    from diglot.specs import Spec
    from diglot.specs._model import Operation

GROUP_TYPES = ("AdminGroup", "EveryoneGroup", "CustomGroup")
SIGNING_GROUP_TYPES = ("adminstrators", "everyone", "customGroup")
USER_EXTRAS = ("company", "firstName", "lastName", "jobTitle", "userSettings")
LOCALES = ["en", "fr", "de", "es", "it", "nl", "ja", "pt_BR"]
"""Locales every implementation knows; a made-up one may rightly be refused."""
SAFE_STRING = "^[A-Za-z0-9][A-Za-z0-9 .&'-]{0,30}$"
MALFORMED = {
    "json": (b'{"groups": [', b"[1, 2", b"{'single': 'quotes'}", b"\xff\xfe{}"),
    "xml": (b"<groupInformation><groups>", b"<a><b></a>", b"not xml at all", b"<x>&undefined;</x>"),
}


BULK_ENTRIES = 50
"""A case whose body lists more entries than this is a bulk case (500 users in one request,
and 501): it may create hundreds of resources, so it is sent only to the embedded server or
with ``--bulk-cases``."""


def is_bulk(case: Case) -> bool:
    """Whether the case's body lists more than ``BULK_ENTRIES`` entries."""
    body = case.body
    return isinstance(body, dict) and any(
        isinstance(value, list) and len(value) > BULK_ENTRIES for value in body.values()
    )


CLEANUP_BATCH = 100
"""Groups or users named in one cleanup delete."""


def generates_cases(operation: Operation) -> bool:
    """Whether generated cases are sent to this operation: never to a DELETE.

    A generated delete could remove what is not diglot's own (a group of the account, a user
    of a colleague). The deletes are sent only by the cleanup (``cleanup_cases``), naming what
    the run itself created, and judged there by the generic checks.
    """
    return operation.method != "DELETE"


def cleanup_cases(
    operation: Operation, *, content_type: str, account_id: str, ids: list[str]
) -> list[Case]:
    """The requests that delete what a run created, at most ``CLEANUP_BATCH`` ids each.

    ``ids`` are the run's group ids (for ``deleteGroups``) or user ids (``deleteUsers``).

    Raises:
        ValueError: an operation that is not one of the two cleanup deletes.
    """
    shapes = {
        "deleteGroups": ("groups", "groupId", "group"),
        "deleteUsers": ("users", "userId", "user"),
    }
    if operation.operation_id not in shapes:
        raise ValueError(f"{operation.operation_id} is not a cleanup delete")
    key, id_key, what = shapes[operation.operation_id]
    make = _CaseMaker(operation.operation_id, content_type, account_id)
    return [
        make(
            body={key: [{id_key: each} for each in chunk]},
            note=f"cleanup: the {len(chunk)} {what}(s) this run created",
        )
        for chunk in (
            ids[start : start + CLEANUP_BATCH] for start in range(0, len(ids), CLEANUP_BATCH)
        )
    ]


def malformed_cleanup_case(operation: Operation, *, content_type: str, account_id: str) -> Case:
    """A delete whose body is not well-formed: it names nothing, so it removes nothing.

    Its 400 answer is what the generic checks judge the error shape of the deletes by.
    """
    make = _CaseMaker(operation.operation_id, content_type, account_id)
    return _malformed(make, {}, "")[0]


def from_operation(
    operation: Operation,
    *,
    spec: Spec,
    content_type: str,
    account_id: str,
    names: Names,
    kinds: tuple[CaseKind, ...] = (CaseKind.VALID, CaseKind.BOUNDARY, CaseKind.INVALID),
) -> st.SearchStrategy[Case]:
    """Cases for one operation in one content type.

    Args:
        operation: the operation from ``diglot.specs``.
        spec: the loaded spec (for schemas).
        content_type: ``json`` or ``xml``: what ``Accept`` asks for and how bodies are encoded.
        account_id: the account under test.
        names: the run's name factory (unique, prefixed names).
        kinds: which kinds of case to draw.

    Returns:
        A strategy of ``Case``. Valid cases are drawn most often; boundary and invalid ones
        come from short explicit lists. Shrinking goes towards fewer query parameters, fewer
        entries and shorter generated text.
    """
    make = _CaseMaker(operation.operation_id, content_type, account_id)
    parts, _explicit = _builder(operation)(make, spec, names)
    chosen = [parts[kind] for kind in kinds if kind in parts]
    if not chosen:
        raise ValueError(f"no cases of kinds {kinds} for {operation.operation_id}")
    weighted: list[st.SearchStrategy[Case]] = []
    for kind in kinds:
        if kind in parts:
            weighted += [parts[kind]] * (3 if kind is CaseKind.VALID else 1)
    return st.one_of(weighted)


def explicit_cases(
    operation: Operation,
    *,
    spec: Spec,
    content_type: str,
    account_id: str,
    names: Names,
    bulk: bool = True,
) -> list[Case]:
    """The boundary and invalid cases that every run sends once (hypothesis explicit examples).

    Each documented rule (count bounds, the 500-user limit, entry errors, malformed bodies,
    an unknown account...) is exercised on every run, however small ``max_examples`` is;
    the bulk ones (``is_bulk``: hundreds of entries) only when ``bulk``.
    """
    make = _CaseMaker(operation.operation_id, content_type, account_id)
    cases = _builder(operation)(make, spec, names)[1]
    return [case for case in cases if bulk or not is_bulk(case)]


def _unknown_account(make: _CaseMaker) -> Case:
    case = make(
        kind=CaseKind.INVALID,
        expect=Expect.CLIENT_ERROR,
        rule="accountId.unknown",
        note="an account that does not exist",
    )
    from dataclasses import replace

    return replace(case, path_parameters={"accountId": "00000000-d1g1-0000-0000-000000000000"})


Parts = tuple[dict[CaseKind, st.SearchStrategy[Case]], list[Case]]


class _CaseMaker:
    def __init__(self, operation: str, content_type: str, account_id: str) -> None:
        self.operation = operation
        self.content_type = content_type
        self.account_id = account_id

    def __call__(self, **fields: Any) -> Case:
        if "body" in fields and "body_format" not in fields and fields.get("raw_body") is None:
            fields["body_format"] = self.content_type
        return Case(
            operation=self.operation,
            content_type=self.content_type,
            path_parameters={"accountId": self.account_id},
            **fields,
        )


def _digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(str)


def _list_groups(make: _CaseMaker, spec: Spec, names: Names) -> Parts:
    query = st.fixed_dictionaries(
        {},
        optional={
            "count": _digits(1, 100),
            "start_position": _digits(0, 60),
            "search_text": st.one_of(
                st.sampled_from(["a", "e", "Group", "&", "é", names.prefix]),
                st.text(st.sampled_from(list("aeiourstln")), min_size=1, max_size=3),
            ),
            "group_type": st.sampled_from(GROUP_TYPES),
        },
    )
    valid = query.map(lambda q: make(query=q, note=_describe(q)))
    boundary = [
        make(
            query={"count": "1"},
            kind=CaseKind.BOUNDARY,
            expect=Expect.SUCCESS_PREFERRED,
            note='count=1: "greater than 1" read as at least 1',
        ),
        make(query={"count": "100"}, kind=CaseKind.BOUNDARY, note="count=100, the largest"),
        make(
            query={"start_position": "3", "count": "2"},
            kind=CaseKind.BOUNDARY,
            note="a page between multiples of count: its links lead to the adjacent pages",
        ),
        make(
            query={"count": "0"},
            kind=CaseKind.BOUNDARY,
            expect=Expect.CLIENT_ERROR,
            rule="count.range",
            note="count=0, below the documented minimum",
        ),
        make(
            query={"count": "101"},
            kind=CaseKind.BOUNDARY,
            expect=Expect.CLIENT_ERROR,
            rule="count.range",
            note="count=101, above the documented maximum of 100",
        ),
        make(
            query={"start_position": "1000000", "count": "10"},
            kind=CaseKind.BOUNDARY,
            expect=Expect.EITHER,
            note="start_position past the end: an empty page, or 400 (not documented)",
        ),
    ] + [
        make(query={"group_type": kind}, kind=CaseKind.BOUNDARY, note=f"group_type={kind}")
        for kind in GROUP_TYPES
    ]
    invalid = [
        make(
            query={"count": value},
            kind=CaseKind.INVALID,
            expect=Expect.CLIENT_ERROR,
            rule="count.type",
            note=f"count={value!r}, not a number",
        )
        for value in ("abc", "-1", "1.5")
    ] + [
        make(
            query={"start_position": value},
            kind=CaseKind.INVALID,
            expect=Expect.CLIENT_ERROR_PREFERRED,
            rule="start_position.type",
            note=f"start_position={value!r}, not a position",
        )
        for value in ("-1", "x")
    ]
    invalid.append(_unknown_account(make))
    parts = {
        CaseKind.VALID: valid,
        CaseKind.BOUNDARY: st.sampled_from(boundary),
        CaseKind.INVALID: st.sampled_from(invalid),
    }
    return parts, boundary + invalid


def _describe(query: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items()) or "no query"


def _create_groups(make: _CaseMaker, spec: Spec, names: Names) -> Parts:
    ignored = st.fixed_dictionaries(
        {},
        optional={
            "groupId": st.just(IGNORED_MARKER + "id"),
            "groupType": st.just(IGNORED_MARKER + "type"),
        },
    )
    group = st.builds(lambda name, extra: {"groupName": name, **extra}, names.groups(), ignored)
    valid = st.lists(group, min_size=1, max_size=3).map(
        lambda groups: make(body={"groups": groups}, note=f"create {len(groups)} group(s)")
    )
    unknown_profile = st.builds(
        lambda name, profile: make(
            body={"groups": [{"groupName": name, "permissionProfileId": profile}]},
            kind=CaseKind.BOUNDARY,
            expect=Expect.ENTRY_ERROR,
            rule="permissionProfile.unknown",
            note=f"permissionProfileId {profile!r} does not exist",
        ),
        names.groups(),
        st.one_of(st.integers(10**14, 10**15 - 1), st.integers(10**14, 10**15 - 1).map(str)),
    )
    malformed = _malformed(make, {"groups": "not a list"}, "groups is not an array")
    explicit = [
        make(
            body={"groups": [{"groupName": names.group_name("profile 1597")}]},
            kind=CaseKind.BOUNDARY,
            note="the seed example's shape: one group",
        ),
        make(
            body={"groups": [{"groupName": names.group_name(), "permissionProfileId": 10**14 + 7}]},
            kind=CaseKind.BOUNDARY,
            expect=Expect.ENTRY_ERROR,
            rule="permissionProfile.unknown",
            note="permissionProfileId 100000000000007 (a JSON number) does not exist",
        ),
        make(
            body={
                "groups": [
                    {
                        "groupName": names.group_name("ignored"),
                        "groupId": IGNORED_MARKER + "id",
                        "groupType": IGNORED_MARKER + "type",
                    }
                ]
            },
            kind=CaseKind.BOUNDARY,
            note="properties create groups must ignore (groupId, groupType)",
        ),
        *malformed,
    ]
    parts = {
        CaseKind.VALID: valid,
        CaseKind.BOUNDARY: unknown_profile,
        CaseKind.INVALID: st.sampled_from(malformed),
    }
    return parts, explicit


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SAFE_TEXT = st.builds(
    str.__add__, st.sampled_from(_ALNUM), st.text(st.sampled_from(_ALNUM + " .&'-"), max_size=30)
)
"""Strings matching ``SAFE_STRING``, drawn directly (faster than ``st.from_regex``)."""


def from_property(
    schema: Mapping[str, Any], components: Mapping[str, Any]
) -> st.SearchStrategy[Any]:
    """A strategy for one documented property, built once from its schema.

    Enumerations draw from their values; free strings from ``SAFE_STRING`` (what every
    implementation must accept); objects from their documented properties, each optional
    (shrinks to the empty object). Plain hypothesis strategies built once are about ten
    times faster than hypothesis-jsonschema's ``from_schema``, which rebuilds on every draw.
    """
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return from_property(components[ref.rsplit("/", 1)[-1]], components)
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        optional = {
            key: st.sampled_from(LOCALES) if key == "locale" else from_property(value, components)
            for key, value in properties.items()
        }
        return st.fixed_dictionaries({}, optional=optional)
    if kind == "boolean":
        return st.booleans()
    return SAFE_TEXT


def _create_users(make: _CaseMaker, spec: Spec, names: Names) -> Parts:
    components = {name: spec.component(name) for name in ("userInformation", "userSettings")}
    properties: Any = components["userInformation"].get("properties")
    extras = st.fixed_dictionaries(
        {},
        optional={
            key: from_property(properties[key], components)
            for key in USER_EXTRAS
            if key in properties
        },
    )
    user = st.builds(
        lambda name, email, extra: {"userName": name, "email": email, **extra},
        names.users(),
        names.emails(),
        extras,
    )
    valid = st.lists(user, min_size=1, max_size=3).map(
        lambda users: make(body={"newUsers": users}, note=f"create {len(users)} user(s)")
    )

    def many(n: int) -> Callable[[int], Case]:
        def build(_: int) -> Case:
            users = [{"userName": names.user_name(), "email": names.email()} for _ in range(n)]
            over = n > 500
            return make(
                body={"newUsers": users},
                kind=CaseKind.BOUNDARY,
                expect=Expect.CLIENT_ERROR if over else Expect.SUCCESS,
                rule="limits.newUsers" if over else "",
                note=f"{n} users in one request (the documented maximum is 500)",
            )

        return build

    def incomplete(missing: str) -> Callable[[str, str], Case]:
        def build(name: str, email: str) -> Case:
            good = {"userName": names.user_name(), "email": names.email()}
            bad = {"userName": name} if missing == "email" else {"email": email}
            return make(
                body={"newUsers": [good, bad]},
                kind=CaseKind.INVALID,
                expect=Expect.ENTRY_ERROR,
                rule=f"entry.{missing}",
                note=f"a new user without {missing}, beside a complete one",
            )

        return build

    malformed = _malformed(make, {"newUsers": "not a list"}, "newUsers is not an array")
    invalid = st.one_of(
        st.builds(incomplete("email"), names.users(), names.emails()),
        st.builds(incomplete("userName"), names.users(), names.emails()),
        st.sampled_from(malformed),
    )
    explicit = [
        many(500)(0),
        many(501)(0),
        incomplete("email")(names.user_name("no email"), ""),
        incomplete("userName")("", names.email("noname")),
        *malformed,
    ]
    # the 500/501-user bodies are sent once each (explicit), not drawn again and again
    parts = {CaseKind.VALID: valid, CaseKind.INVALID: invalid}
    return parts, explicit


def _malformed(make: _CaseMaker, wrong_shape: JSONValue, shape_note: str) -> list[Case]:
    fmt = make.content_type
    media = "application/xml" if fmt == "xml" else "application/json"
    cases = [
        make(
            raw_body=raw,
            headers={"Content-Type": media},
            kind=CaseKind.INVALID,
            expect=Expect.CLIENT_ERROR,
            rule="body.malformed",
            note=f"a malformed {fmt.upper()} body",
        )
        for raw in MALFORMED[fmt]
    ]
    cases.append(
        make(
            body=wrong_shape,
            kind=CaseKind.INVALID,
            expect=Expect.CLIENT_ERROR,
            rule="body.shape",
            note=shape_note,
        )
    )
    cases.append(
        make(
            raw_body=b"groupName=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            kind=CaseKind.INVALID,
            expect=Expect.CLIENT_ERROR,
            rule="body.media_type",
            note="a body in an unsupported media type",
        )
    )
    return cases


def _list_signing_groups(make: _CaseMaker, spec: Spec, names: Names) -> Parts:
    query = st.fixed_dictionaries(
        {},
        optional={
            "include_users": st.sampled_from(["true", "false"]),
            "group_type": st.sampled_from(SIGNING_GROUP_TYPES),
        },
    )
    valid = query.map(lambda q: make(query=q, note=_describe(q)))
    explicit = [
        make(query={"include_users": "true"}, kind=CaseKind.BOUNDARY, note="include_users=true"),
        make(query={}, note="the plain list: members only with include_users=true"),
        _unknown_account(make),
    ]
    return {CaseKind.VALID: valid}, explicit


_BUILDERS: dict[str, Callable[[_CaseMaker, Spec, Names], Parts]] = {
    "listGroups": _list_groups,
    "createGroups": _create_groups,
    "createUsers": _create_users,
    "listSigningGroups": _list_signing_groups,
}


def _builder(operation: Operation) -> Callable[[_CaseMaker, Spec, Names], Parts]:
    """The operation's own builder, or else the schema-driven one.

    An operation of a user's extended spec has no dedicated builder: its cases come from its
    schemas alone.
    """
    return _BUILDERS.get(operation.operation_id, _from_schema)


def _from_schema(make: _CaseMaker, spec: Spec, names: Names) -> Parts:
    """Cases for any documented operation, from its schemas alone (hypothesis-jsonschema).

    Valid cases fill every required parameter and some optional ones from their JSON
    Schemas (as the strings a query carries) and, when the operation takes a body, a body
    valid against its request schema with keys XML can carry; the one invalid case names an
    account that does not exist. The generic checks (protocol, schema, equivalence) judge
    the answers; nothing operation-specific is assumed.
    """
    from hypothesis_jsonschema import from_schema

    operation = spec.operation(make.operation)
    required: dict[str, st.SearchStrategy[str]] = {}
    optional: dict[str, st.SearchStrategy[str]] = {}
    paths: dict[str, st.SearchStrategy[str]] = {}
    for parameter in operation.parameters:
        if parameter.name == "accountId":
            continue
        text = from_schema(dict(parameter.schema)).map(_as_text)
        if parameter.location == "path":
            paths[parameter.name] = text
        elif parameter.required:
            required[parameter.name] = text
        else:
            optional[parameter.name] = text
    query = st.fixed_dictionaries(required, optional=optional)
    path = st.fixed_dictionaries(paths)
    body: st.SearchStrategy[Any] = st.none()
    if operation.request_body is not None:
        body = from_schema(dict(spec.request_schema(operation.operation_id))).filter(
            lambda data: not isinstance(data, dict) or all(map(spec.codec.is_xml_name, data))
        )

    def build(q: dict[str, str], p: dict[str, str], b: Any) -> Case:
        case = make(query=q, note=_describe(q)) if b is None else make(query=q, body=b)
        if not p:
            return case
        from dataclasses import replace

        return replace(case, path_parameters={**case.path_parameters, **p})

    valid = st.builds(build, query, path, body)
    return {CaseKind.VALID: valid}, [_unknown_account(make)]


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
