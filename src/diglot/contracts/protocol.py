"""Protocol checks: the exchange happened, with a documented status and content type."""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from diglot.contracts._observation import RESTAPI_NS, Observation, show
from diglot.contracts._registry import (
    CheckInfo,
    MultiCheck,
    RunContext,
    register_check,
    register_multi_check,
    rule_owner,
)
from diglot.model import CaseKind, Expect, Severity

if TYPE_CHECKING:
    from diglot.specs._model import Operation


@register_check(
    "protocol.transport",
    description="Every request gets a complete HTTP response within the time and size limits.",
)
def transport_complete(obs: Observation) -> bool:
    exchange = obs.exchange
    if exchange.response is None:
        obs.report(
            "protocol.transport",
            f"the request failed: {exchange.failure or 'no response'}",
            expected="a complete HTTP response",
            actual=str(exchange.failure or ""),
        )
    return True


@register_check(
    "protocol.status_code",
    description="The status code is the documented one: the success status for a valid request, "
    "400 for an invalid one.",
)
def status_code_conformance(obs: Observation) -> bool:
    if rule_owner(obs.case.rule) is not None:
        return False  # that check judges the status of its own rule's cases
    return judge_status(obs, "protocol.status_code")


def judge_status(obs: Observation, check_id: str) -> bool:
    """Judge the status of ``obs`` against what its case expects, reporting as ``check_id``.

    Shared by ``protocol.status_code`` and the checks that own a rule's cases (a limit, an
    unknown permission profile): the status verdict is the same, the claim is theirs.
    Returns whether it applied.
    """
    if obs.response is None:
        return False
    status = obs.status
    if status >= 500:
        return True  # protocol.server_error says it
    success = obs.operation.success_status
    expect = obs.case.expect
    reason = f" ({obs.case.note})" if obs.case.note else ""
    if expect is Expect.SUCCESS_PREFERRED and status == 400:
        obs.report(
            check_id,
            f"refused with 400{reason}; diglot reads the documentation as allowing it",
            expected=str(success),
            actual=f"400 {_error_text(obs)}".strip(),
            severity=Severity.WARNING,
        )
        return True
    if expect in (Expect.SUCCESS, Expect.SUCCESS_PREFERRED):
        if status == success:
            return True
        if 200 <= status < 300:
            obs.report(
                check_id,
                f"answered {status}; the documented success status is {success}",
                expected=str(success),
                actual=str(status),
            )
        elif 300 <= status < 400:
            obs.report(
                check_id,
                f"answered with a redirect ({status}), which the documentation does not "
                "describe; diglot never follows redirects",
                expected=str(success),
                actual=f"{status} Location: {obs.response.headers.get('location', '')}",
            )
        else:
            obs.report(
                check_id,
                f"a request within every documented constraint was refused with {status}{reason}",
                expected=str(success),
                actual=f"{status} {_error_text(obs)}".strip(),
            )
        return True
    allowed = {400} if expect in _REJECTING else {400, success}
    if status in allowed:
        return True
    if 200 <= status < 300 and expect is Expect.CLIENT_ERROR_PREFERRED:
        obs.report(
            check_id,
            f"accepted a request that should be refused, though no documented rule says so{reason}",
            expected="400",
            actual=str(status),
            severity=Severity.WARNING,
        )
        return True
    if 400 <= status < 500:
        obs.report(
            check_id,
            f"the documented error status is 400, got {status}{reason}",
            expected=" or ".join(str(s) for s in sorted(allowed)),
            actual=str(status),
            severity=Severity.WARNING,
        )
    elif 200 <= status < 300:
        obs.report(
            check_id,
            f"a request the documentation rules out was accepted{reason}",
            expected=" or ".join(str(s) for s in sorted(allowed)),
            actual=str(status),
        )
    else:
        obs.report(
            check_id,
            f"answered {status}, which the documentation does not describe{reason}",
            expected=" or ".join(str(s) for s in sorted(allowed)),
            actual=str(status),
        )
    return True


_REJECTING = frozenset({Expect.CLIENT_ERROR, Expect.CLIENT_ERROR_PREFERRED})


def _error_text(obs: Observation) -> str:
    data = obs.data
    if isinstance(data, dict):
        return " ".join(str(data.get(key, "")) for key in ("errorCode", "message")).strip()
    return ""


@register_check(
    "protocol.server_error",
    description="No input, however wrong, makes the server answer 5xx.",
)
def no_server_error(obs: Observation) -> bool:
    if obs.response is None:
        return False
    if obs.status >= 500:
        what = obs.case.note or f"a {obs.case.kind} request"
        obs.report(
            "protocol.server_error",
            f"server error {obs.status} for {what}",
            expected="a documented status (2xx, or 400 with errorDetails)",
            actual=f"{obs.status} {obs.response.body[:200].decode('utf-8', 'replace')}",
        )
    return True


_JSON_TYPES = ("application/json",)
_XML_TYPES = ("application/xml", "text/xml")


@register_check(
    "protocol.content_type",
    description="Content-Type is present and matches the representation asked for with Accept.",
)
def content_type_conformance(obs: Observation) -> bool:
    response = obs.response
    if response is None or obs.status >= 500 or 300 <= obs.status < 400 or obs.status == 204:
        return False
    if not response.body:
        return False
    media = response.media_type
    wanted = obs.case.content_type
    if not media:
        obs.report(
            "protocol.content_type",
            "the response has a body but no Content-Type header",
            expected="application/xml" if wanted == "xml" else "application/json",
            actual="(no Content-Type)",
        )
        return True
    ok = (
        media in _XML_TYPES or media.endswith("+xml")
        if wanted == "xml"
        else media in _JSON_TYPES or media.endswith("+json")
    )
    if not ok:
        obs.report(
            "protocol.content_type",
            f"asked for {wanted.upper()} with Accept, the response's Content-Type says {media}",
            expected="application/xml or text/xml" if wanted == "xml" else "application/json",
            actual=response.headers.get("content-type", ""),
        )
    _judge_charset(obs)
    return True


_CHARSET = re.compile(r';\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))', re.IGNORECASE)


def _judge_charset(obs: Observation) -> None:
    """The declared charset reads the body as the body reads itself (issue 13: the bytes).

    A client that honours ``charset`` (RFC 7303 puts it above the XML declaration; JSON is
    UTF-8, RFC 8259) must get the same text as the document's own encoding gives: a
    declaration that misreads a byte is a finding. Labels that read the same text (an
    ASCII body under any ASCII-compatible charset, ``UTF-8`` or ``"utf-8"``) are faithful.
    """
    response = obs.response
    if response is None or obs.problem is not None or obs.body_format is None:
        return
    found = _CHARSET.search(response.headers.get("content-type", ""))
    if found is None:
        return
    declared = (found.group(1) or found.group(2) or "").strip()
    own = "utf-8"
    if obs.body_format == "xml" and obs.root is not None:
        own = obs.root.getroottree().docinfo.encoding or "utf-8"
    try:
        codecs.lookup(declared)
        as_declared: str | None = response.body.decode(declared)
    except (LookupError, UnicodeDecodeError):
        as_declared = None
    try:
        as_read = response.body.decode(own)
    except (LookupError, UnicodeDecodeError):
        return  # schema.body says what is wrong with the bytes
    if as_declared != as_read:
        obs.report(
            "protocol.content_type",
            f"Content-Type declares charset={declared}, but the body is {own}: a client that "
            "honours the header reads other text",
            expected=f"charset={own} (or none)",
            actual=response.headers.get("content-type", ""),
        )


@register_check(
    "protocol.error_shape",
    description="A 400 answer is an errorDetails object with an errorCode and a message, in the "
    "representation asked for.",
)
def error_shape_conformance(obs: Observation) -> bool:
    if obs.response is None or obs.status != 400:
        return False
    if obs.problem is not None:
        return True  # schema.body reports an unreadable body
    if obs.body_format == "xml" and obs.root is not None:
        root = obs.root
        expected_tag = f"{{{RESTAPI_NS}}}errorDetails"
        if root.tag != expected_tag:
            obs.report(
                "protocol.error_shape",
                "the 400 body is not an errorDetails element",
                expected=expected_tag,
                actual=str(root.tag),
                location="/" + str(root.tag),
            )
            return True
    data = obs.data
    if not isinstance(data, dict):
        obs.report(
            "protocol.error_shape",
            "the 400 body is not an errorDetails object",
            expected='{"errorCode": "...", "message": "..."}',
            actual=show(data),
        )
        return True
    missing = [key for key in ("errorCode", "message") if key not in data]
    if missing:
        obs.report(
            "protocol.error_shape",
            f"the 400 body lacks {' and '.join(missing)}",
            expected="errorDetails with errorCode and message",
            actual=show(data),
            location="",
        )
    elif not isinstance(data.get("errorCode"), str) or not data["errorCode"]:
        obs.report(
            "protocol.error_shape",
            "errorCode is empty or not a string",
            expected="a non-empty errorCode",
            actual=show(data.get("errorCode")),
            location="/errorCode",
        )
    return True


V2_PATH = CheckInfo(
    "protocol.v2_path",
    "The list-groups page documents GET /v2/accounts/{accountId}/groups: the same list answers "
    "there, as at /v2.1 (a warning when /v2 is not served: an implementation of v2.1 alone is "
    "a reading the documentation leaves open).",
    operations=frozenset({"listGroups"}),
    rules=("v2path.",),
)


@register_multi_check
class V2Path(MultiCheck):
    """Ask the list at the /v2 path the list-groups page shows, and compare it with /v2.1."""

    checks = (V2_PATH,)
    phase = "pagination"

    def drives(self, run: RunContext, operation: Operation, content_type: str) -> bool:
        return run.stateful and operation.operation_id == "listGroups"

    def glance(self, run: RunContext, operation: Operation, content_type: str) -> None:
        # a handful of requests: all of it early
        from dataclasses import replace

        from diglot.model import Case

        account = {"accountId": run.account_id}
        query = {"count": "100"}
        current = run.fetch(Case("listGroups", content_type, account, query))
        case = Case(
            "listGroups",
            content_type,
            account,
            query,
            kind=CaseKind.BOUNDARY,
            rule="v2path.list",
            note="the /v2 path of the list-groups page",
        )
        request = run.request_for(case)
        if "/v2.1/accounts/" not in request.url:
            run.skip("listGroups", content_type, V2_PATH.id, "the operation's path is not /v2.1")
            return
        v2 = run.send(case, replace(request, url=request.url.replace("/v2.1/", "/v2/", 1)))
        if v2.response is None or v2.status >= 500:
            run.record(v2)
            return
        if v2.status != 200:
            v2.report(
                V2_PATH.id,
                f"GET /v2/accounts/{{accountId}}/groups, which the list-groups page documents, "
                f"answered {v2.status}",
                expected="200, the same list as /v2.1",
                actual=f"{v2.status} {_error_text(v2)}".strip(),
                severity=Severity.WARNING,
            )
        elif current.status == 200 and v2.problem is None:
            mine, theirs = _ids(current.data), _ids(v2.data)
            again = run.fetch(Case("listGroups", content_type, account, query))
            if mine != theirs and _ids(again.data) == mine:
                v2.report(
                    V2_PATH.id,
                    "the list at /v2 holds other groups than the same request at /v2.1",
                    expected=f"{len(mine)} groups, as /v2.1 lists",
                    actual=f"{len(theirs)} groups; not at /v2.1: {sorted(theirs - mine)[:5]}; "
                    f"missing: {sorted(mine - theirs)[:5]}",
                    location="/groups",
                )
        run.judged(v2, V2_PATH.id)


def _ids(data: object) -> set[str]:
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        return set()
    return {str(g.get("groupId")) for g in groups if isinstance(g, dict)}
