"""The promise inventory: every promise of the four documentation pages a response can be held to.

Each :class:`Promise` quotes the seed page's own words, names the checks that judge it and the
reference-server faults that prove those checks catch its violation, or says why there is
none (``gap``). A promise without a check or without a fault is the work list.

It lives beside the specs because it *is* the documentation, read sentence by sentence; the
check ids and fault names are plain strings (``tests/contracts/test_promises.py`` proves each
exists, that each fault is of the family of one of the promise's checks, and that every
built-in check judges at least one promise). ``diglot checks --promises`` prints it, and
every report derives the run's **promise coverage** from its check rows
(:func:`coverage`): which promises were judged, which failed, which were not and why.

Example:
    >>> from diglot.specs.promises import PROMISES
    >>> next(p for p in PROMISES if p.id == "createUsers.max_500").checks
    ('semantics.limits',)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

BOTH = ("json", "xml")


@dataclass(frozen=True, slots=True)
class Promise:
    """One promise of the documentation.

    Attributes:
        id: ``page.claim``: the operation (or ``all``) and a short name.
        words: the seed page's own words (whitespace aside, found verbatim in the page).
        checks: the check ids that judge it; empty when none can.
        faults: reference-server faults whose violation of it a check catches.
        content_types: where it is judged.
        gap: why there is no check or no fault, when there is none.
    """

    id: str
    words: str
    checks: tuple[str, ...]
    faults: tuple[str, ...]
    content_types: tuple[str, ...] = BOTH
    gap: str = ""


P = Promise
_NOT_IN_RESPONSES = "nothing in the four operations' responses shows it"

PROMISES: tuple[Promise, ...] = (
    # -- every operation -------------------------------------------------------------------
    P(
        "all.account_id",
        "The external account number (int) or account ID GUID.",
        ("protocol.status_code",),
        ("unknown-account-accepted",),
        gap="only the unknown-account side is judged: diglot is given one id of the account "
        "and cannot know its other form",
    ),
    P(
        "all.documented_statuses",
        "200 Successful response. Groups 400 Error encountered. errorDetails",
        ("protocol.status_code", "protocol.server_error"),
        ("create-returns-200", "count-out-of-range-accepted", "server-error-on-bad-input"),
    ),
    P(
        "all.error_details",
        "errorDetails This object describes errors that occur. It is only valid for responses, "
        "and ignored in requests. errorCodestring An error code associated with the error. "
        "messagestring A short error message.",
        ("protocol.error_shape",),
        ("error-envelope", "error-missing-message"),
    ),
    P(
        "all.content_negotiation",
        "--header 'accept: application/json'",
        ("protocol.content_type", "protocol.transport"),
        ("ignore-accept", "wrong-content-type", "missing-content-type", "xml-charset-mislabelled"),
    ),
    P(
        "all.json_and_xml_agree",
        "Generic JSON Response",
        ("equivalence.json_xml",),
        ("xml-json-disagree", "xml-drops-users", "json-member-email-dropped"),
    ),
    P(
        "all.xml_shape",
        'xmlns="http://www.docusign.com/restapi"',
        ("schema.body",),
        (
            "xml-wrong-namespace",
            "xml-wrong-root",
            "xml-wrong-item-name",
            "xml-child-order",
            "xml-nil-without-namespace",
            "xml-unescaped",
        ),
        content_types=("xml",),
    ),
    P(
        "all.defined_properties",
        "Definitions",
        ("schema.body", "schema.unknown_property"),
        ("json-renamed-field", "json-groups-not-array"),
    ),
    # -- list groups -----------------------------------------------------------------------
    P(
        "listGroups.retrieves",
        "Retrieves information about groups associated with the account.",
        ("pagination.walk", "semantics.persistence"),
        ("created-not-listed",),
    ),
    P(
        "listGroups.v2_path",
        "GET /v2/accounts/{accountId}/groups",
        ("protocol.v2_path",),
        ("v2-path-not-served",),
        gap="a warning only: whether an implementation of v2.1 must still serve /v2 the "
        "documentation leaves open",
    ),
    P(
        "listGroups.count",
        "Number of records to return. The number must be greater than 1 and less than or "
        "equal to 100.",
        ("pagination.page", "protocol.status_code"),
        ("count-ignored", "count-out-of-range-accepted"),
    ),
    P(
        "listGroups.start_position",
        "start_positionstring Starting value for the list.",
        ("pagination.page", "pagination.walk"),
        ("start-position-one-based", "start-position-ignored"),
    ),
    P(
        "listGroups.search_text_sound",
        "The search_text provided in the call automatically performs a wild card search on "
        "group_name.",
        ("semantics.filters",),
        ("search-text-ignored",),
    ),
    P(
        "listGroups.search_text_complete",
        "The search_text provided in the call automatically performs a wild card search on "
        "group_name.",
        ("semantics.filter_complete",),
        ("search-text-suffix-only",),
    ),
    P(
        "listGroups.group_type",
        "group_typestring",
        ("semantics.filters", "semantics.filter_complete"),
        ("group-type-ignored",),
    ),
    P(
        "listGroups.groups",
        "A collection group objects containing information about the groups returned.",
        ("schema.body", "semantics.identity"),
        ("json-groups-not-array", "duplicate-group-ids"),
    ),
    P(
        "listGroups.group_id",
        "groupIdstring The DocuSign group ID for the group.",
        ("semantics.identity", "semantics.persistence"),
        ("duplicate-group-ids",),
    ),
    P(
        "listGroups.group_name",
        "groupNamestring The name of the group.",
        ("schema.body", "equivalence.json_xml"),
        ("json-renamed-field", "xml-json-disagree"),
    ),
    P(
        "listGroups.group_type_field",
        "groupTypestring The group type.",
        ("schema.body",),
        (),
        gap="a free string: any type a server names is one; only its presence and type are "
        "judged, and no fault breaks that alone",
    ),
    P(
        "listGroups.permission_profile",
        "The ID of the permission profile associated with the group.",
        ("semantics.found_again",),
        ("profile-not-stored",),
    ),
    P(
        "listGroups.members",
        "users[userInfo] List of users in the group.",
        ("schema.body", "equivalence.json_xml"),
        ("xml-drops-users", "user-status-unknown"),
        gap="which users a group has cannot be set through these operations, so only the "
        "members' shape and their agreement across JSON and XML are judged",
    ),
    P(
        "listGroups.user_status",
        "Status of the user's account. One of: ActivationRequired ActivationSent Active "
        "Closed Disabled",
        ("schema.body",),
        ("user-status-unknown",),
    ),
    P(
        "listGroups.user_id",
        "The user ID of the user being accessed.",
        ("schema.body",),
        (),
        gap=f"which id a member has: {_NOT_IN_RESPONSES} to compare it with",
    ),
    P(
        "listGroups.result_set_size",
        "The number of results returned in this response.",
        ("pagination.page",),
        ("result-set-size-wrong", "count-ignored"),
    ),
    P(
        "listGroups.total_set_size",
        "The total number of items in the search's result set. It will always be greater "
        "than or equal to the value of the resultSetSize field.",
        (
            "pagination.page",
            "pagination.walk",
            "pagination.filtered_pages",
            "semantics.filter_complete",
        ),
        (
            "total-less-than-result",
            "past-end-total-zero",
            "past-end-last-page",
            "search-text-suffix-only",
        ),
    ),
    P(
        "listGroups.start_position_field",
        "Starting position of the current result set.",
        ("pagination.page",),
        ("start-position-one-based",),
    ),
    P(
        "listGroups.end_position",
        "The last position in the result set.",
        ("pagination.page",),
        ("end-position-past-last",),
    ),
    P(
        "listGroups.next_uri",
        "The URI for the next chunk of records based on the search request. It is null if "
        "this is the last set of results for the search.",
        ("pagination.page", "pagination.links", "pagination.filtered_pages"),
        ("next-uri-on-last-page", "next-uri-skips", "links-drop-search", "links-page-aligned"),
    ),
    P(
        "listGroups.previous_uri",
        "The URI for the prior chunk of records based on the search request. It is null if "
        "this is the first set of results for the search.",
        ("pagination.page", "pagination.links"),
        ("previous-uri-on-first-page", "links-drop-search"),
    ),
    P(
        "listGroups.numbers_as_strings",
        '"resultSetSize": "sample string 1"',
        ("schema.body",),
        ("json-numbers-as-numbers",),
        content_types=("json",),
    ),
    # -- create groups ---------------------------------------------------------------------
    P(
        "createGroups.creates",
        "Creates one or more groups for the account.",
        ("semantics.create_groups", "semantics.persistence", "semantics.found_again"),
        ("created-not-listed", "duplicate-group-ids", "group-name-truncated"),
    ),
    P(
        "createGroups.permission_profile",
        "You can associate a group with a permission profile",
        ("semantics.found_again",),
        ("profile-not-stored",),
    ),
    P(
        "createGroups.profile_optional",
        "You are not required to set permission profiles for a group",
        ("semantics.examples", "semantics.create_groups"),
        ("profile-required",),
    ),
    P(
        "createGroups.only_two_properties",
        "properties in the request body. All other properties are ignored.",
        ("semantics.create_groups",),
        ("ignored-properties-used",),
    ),
    P(
        "createGroups.example",
        '{ "groups": [ { "groupName": "montagues" }, { "groupName": "capulets" }, { '
        '"groupName": "nobles", "permissionProfileId": 1597 } ] }',
        ("semantics.examples",),
        ("numeric-profile-rejected",),
    ),
    P(
        "createGroups.unknown_profile",
        "It is an error if the `permissionProfileId` does not exist.",
        ("semantics.create_groups",),
        ("unknown-profile-accepted",),
    ),
    P(
        "createGroups.entry_outcome",
        "errorDetailserrorDetails",
        ("semantics.batch_outcome",),
        ("batch-reported-failed",),
    ),
    P(
        "createGroups.user_settings_not_needed",
        "which sets the user permissions for users in that group without having to set the "
        "`userSettings` property for each user.",
        (),
        (),
        gap=f"users' effective permissions: {_NOT_IN_RESPONSES}",
    ),
    # -- create users ----------------------------------------------------------------------
    P(
        "createUsers.adds",
        "Adds new users to an account.",
        ("semantics.create_users", "semantics.persistence", "semantics.batch_outcome"),
        ("duplicate-user-accepted",),
    ),
    P(
        "createUsers.required",
        "For each new user, you must provide at least the `userName` and `email` properties.",
        ("semantics.create_users",),
        ("missing-email-accepted",),
    ),
    P(
        "createUsers.max_500",
        "The maximum number of users you can create in one request is 500 users.",
        ("semantics.limits",),
        ("users-limit-ignored",),
    ),
    P(
        "createUsers.user_settings",
        "The `userSettings` property specifies the actions users can perform.",
        (),
        (),
        gap=f"what a user may do: {_NOT_IN_RESPONSES} (no operation reads a user's settings)",
    ),
    P(
        "createUsers.locale",
        "the activation email will be in French because the `locale` is set to `fr`.",
        (),
        (),
        gap="an activation email is not a response",
    ),
    P(
        "createUsers.example",
        '{ "userName": "Tal Mason", "email": "talmason@example.com", "company": "TeleSel", '
        '"userSettings": { "locale": "fr", "canSendEnvelope": true } }',
        ("semantics.examples",),
        ("user-name-from-email",),
    ),
    P(
        "createUsers.answer",
        "A successful response is a `newUsers` array with information about the newly "
        "created users.",
        ("semantics.create_users", "schema.body", "protocol.status_code"),
        ("user-name-from-email", "create-returns-200"),
    ),
    P(
        "createUsers.entry_error",
        "If there was a problem in creating a user, that user entry will contain an "
        "`errorDetails` property that describes what went wrong.",
        ("semantics.create_users", "semantics.batch_outcome"),
        ("missing-email-accepted", "duplicate-user-accepted"),
    ),
    P(
        "createUsers.duplicate",
        '"errorCode": "USER_ALREADY_EXISTS_IN_ACCOUNT", "message": "Username and email '
        'combination already exists for this account."',
        ("semantics.create_users", "semantics.persistence"),
        ("duplicate-user-accepted",),
    ),
    # -- list signing groups ---------------------------------------------------------------
    P(
        "listSigningGroups.retrieves",
        "Retrieves a list of all signing groups in the specified account.",
        ("schema.body", "semantics.identity"),
        (),
        gap="signing groups cannot be created through these operations, so no list of them "
        "can be compared with what the account holds",
    ),
    P(
        "listSigningGroups.include_users",
        "When set to true, the response includes the signing group members.",
        ("semantics.include_users",),
        ("include-users-ignored",),
    ),
    P(
        "listSigningGroups.group_type",
        "group_typestring include_usersstring",
        ("semantics.filters",),
        (),
        gap="group_type's meaning for signing groups is not documented: a mismatch is only "
        "a warning, and no fault is fair",
    ),
    P(
        "listSigningGroups.user_name_length",
        "Maximum Length: 100 characters.",
        ("schema.body",),
        ("signing-user-name-too-long",),
    ),
    P(
        "listSigningGroups.group_type_values",
        "Potential values for POST and PUT requests include: adminstrators everyone customGroup",
        (),
        (),
        gap="values for POST and PUT requests, which these operations do not send",
    ),
    P(
        "listSigningGroups.dates_and_ids",
        "The UTC DateTime when the workspace user authorization was created.",
        ("schema.body",),
        (),
        gap="the strings' format is not fixed by the page (an example is one ISO 8601 "
        "spelling of many); only their presence and type are judged",
    ),
)
"""Every promise of the four seed pages, in page order."""


class Row(Protocol):
    """What coverage reads of one check row of a run (``engine.CheckResult`` is one)."""

    @property
    def check(self) -> str: ...
    @property
    def exchanges(self) -> int: ...
    @property
    def skip_reason(self) -> str: ...
    @property
    def inconclusive(self) -> Mapping[str, int]: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Coverage:
    """What one run showed of one promise.

    Attributes:
        promise: the promise.
        state: ``judged`` (its checks judged it and found nothing), ``broken`` (a check
            found a violation or warning), ``inconclusive`` (exercised, no evidence),
            ``not judged`` (its checks did not run: read-only, budget, not selected),
            ``no check`` (nothing can judge it from responses).
        reasons: why it was not judged, or inconclusive.
    """

    promise: Promise
    state: str
    reasons: tuple[str, ...] = ()


def coverage(rows: Iterable[Row]) -> list[Coverage]:
    """The run's promise coverage, derived from its check rows alone."""
    by_check: dict[str, list[Row]] = {}
    for row in rows:
        by_check.setdefault(row.check, []).append(row)
    out = []
    for promise in PROMISES:
        if not promise.checks:
            out.append(Coverage(promise, "no check", (promise.gap,)))
            continue
        mine = [row for check in promise.checks for row in by_check.get(check, [])]
        statuses = {str(row.status) for row in mine}
        if statuses & {"failed", "warning"}:
            out.append(Coverage(promise, "broken"))
        elif any(row.exchanges for row in mine):
            out.append(Coverage(promise, "judged"))
        elif any(row.inconclusive for row in mine):
            reasons = sorted({r for row in mine for r in row.inconclusive})
            out.append(Coverage(promise, "inconclusive", tuple(reasons)))
        else:
            reasons = sorted({row.skip_reason for row in mine if row.skip_reason})
            out.append(
                Coverage(
                    promise,
                    "not judged",
                    tuple(reasons) or ("its checks did not run in this run",),
                )
            )
    return out
