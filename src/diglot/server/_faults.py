"""The reference server's faults: deliberate contract violations, one at a time.

``diglot serve --fault NAME`` (or ``running(fault=NAME)``) switches on exactly one of them;
everything else the server does stays faithful to the documentation. Each fault names the
check family that must catch it, which makes the server the bench that proves the checks:
the clean server must give zero findings, and every fault must be caught by its family.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from diglot.errors import UsageError
from diglot.model import Family


@dataclass(frozen=True, slots=True)
class Fault:
    """One deliberate deviation from the documented contract.

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
    warning_only: bool = False


_S, _P, _G, _M, _E = (
    Family.SCHEMA,
    Family.PROTOCOL,
    Family.PAGINATION,
    Family.SEMANTICS,
    Family.EQUIVALENCE,
)

_TABLE: tuple[Fault, ...] = (
    # schema: JSON
    Fault(
        "json-numbers-as-numbers",
        _S,
        "JSON list groups: resultSetSize, totalSetSize, startPosition and endPosition are "
        "JSON numbers instead of digit strings",
    ),
    Fault("json-renamed-field", _S, "JSON list groups: each group's groupName is written as name"),
    Fault(
        "json-groups-not-array",
        _S,
        "JSON list groups: groups is an object keyed by groupId instead of an array",
    ),
    Fault(
        "user-status-unknown",
        _S,
        "userInfo.userStatus of group members is 'active', outside the documented enumeration "
        "(JSON and XML)",
    ),
    Fault(
        "signing-user-name-too-long",
        _S,
        "signing-group members' userName is padded past the documented 100 characters "
        "(JSON and XML)",
    ),
    # schema: XML
    Fault(
        "xml-wrong-namespace",
        _S,
        "XML: root and child elements are in no namespace instead of "
        "http://www.docusign.com/restapi",
    ),
    Fault("xml-wrong-root", _S, "XML list groups: root element is groupsInformation"),
    Fault("xml-wrong-item-name", _S, "XML: items of <groups> are <groupInfo> instead of <group>"),
    Fault("xml-child-order", _S, "XML: the children of <group> come in reverse order"),
    Fault(
        "xml-nil-without-namespace",
        _S,
        'XML: a null nextUri/previousUri is written <nextUri nil="true"/>, without the '
        "XML Schema instance namespace",
    ),
    Fault(
        "xml-unescaped",
        _S,
        "XML: '&' in text is not escaped ('Sales & Marketing'), so the body is malformed",
    ),
    # protocol
    Fault("ignore-accept", _P, "Accept is ignored: always JSON, even when XML is asked for"),
    Fault("wrong-content-type", _P, "XML bodies are labelled Content-Type: application/json"),
    Fault("missing-content-type", _P, "no Content-Type header on any response"),
    Fault(
        "error-envelope",
        _P,
        'errors answer 400 with the documentation site\'s template {"success": false, '
        '"error": {"code": ..., "message": ...}} instead of errorDetails (XML likewise)',
    ),
    Fault("error-missing-message", _P, "400 errorDetails bodies have no message"),
    Fault(
        "server-error-on-bad-input",
        _P,
        "a malformed JSON/XML body or a non-digit count is answered 500 instead of 400",
    ),
    Fault("create-returns-200", _P, "create groups and create users answer 200 instead of 201"),
    Fault(
        "count-out-of-range-accepted",
        _P,
        "count=0 and count=101 are accepted with 200 (clamped to 1..100) instead of 400",
    ),
    Fault(
        "unknown-account-accepted",
        _P,
        "an unknown accountId is answered 200/201 with the default account's data "
        "instead of 400 errorDetails",
    ),
    # pagination
    Fault(
        "result-set-size-wrong",
        _G,
        "resultSetSize is one more than the number of groups returned",
    ),
    Fault("total-less-than-result", _G, "totalSetSize is smaller than resultSetSize"),
    Fault("next-uri-on-last-page", _G, "nextUri is not null on the last page"),
    Fault("previous-uri-on-first-page", _G, "previousUri is not null on the first page"),
    Fault("next-uri-skips", _G, "nextUri points one item too far, skipping one group"),
    Fault(
        "count-ignored",
        _G,
        "count is ignored: every matching group is returned (and resultSetSize says so)",
    ),
    Fault(
        "start-position-one-based",
        _G,
        "start_position is read as 1-based: the page starts one item later while "
        "startPosition echoes the request",
    ),
    Fault(
        "start-position-ignored",
        _G,
        "start_position is ignored: every request gets the first page, while startPosition "
        "echoes the request",
    ),
    # semantics
    Fault("search-text-ignored", _M, "search_text is ignored: every group is listed"),
    Fault("group-type-ignored", _M, "group_type is ignored: groups of every type are listed"),
    Fault(
        "ignored-properties-used",
        _M,
        "create groups copies groupType and groupId from the request body when given",
    ),
    Fault(
        "unknown-profile-accepted",
        _M,
        "create groups accepts and stores an unknown permissionProfileId",
    ),
    Fault("users-limit-ignored", _M, "more than 500 new users in one request are accepted (201)"),
    Fault(
        "duplicate-user-accepted",
        _M,
        "an existing userName+email combination is created again, without an entry error",
    ),
    Fault(
        "missing-email-accepted",
        _M,
        "a new user without email is created (entry with userId, no errorDetails)",
    ),
    Fault(
        "created-not-listed",
        _M,
        "created groups are answered 201 but never appear in list groups",
    ),
    Fault("duplicate-group-ids", _M, "every group created gets the same groupId"),
    Fault(
        "include-users-ignored",
        _M,
        "signing-group members are listed even when include_users is not true",
        warning_only=True,
    ),
    # equivalence
    Fault(
        "xml-json-disagree",
        _E,
        "XML list groups gives groupName upper-cased; JSON is correct",
    ),
    Fault("xml-drops-users", _E, "XML list groups omits the users of groups; JSON lists them"),
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
    if name is None:
        return None
    try:
        return FAULTS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(FAULTS), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UsageError(
            f"unknown fault {name!r}.{hint} Run 'diglot serve --list-faults' to see all "
            f"{len(FAULTS)} faults."
        ) from None
