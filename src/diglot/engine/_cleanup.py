"""What a run creates on the target, and removing it again.

Every answer to a create request passes the ``Ledger``: each group or user it reports created
whose name carries the run's stem (prefix and run id) is recorded. At the end of the run
(``run_cleanup``) the groups are deleted (``deleteGroups``) and the users closed
(``deleteUsers``), in the content type each was created in, so that the deletes are judged in
JSON and XML by the generic checks like any other exchange. ``remove`` does the same for
``diglot cleanup`` from a report or a name prefix.

The deletes are never generated (``diglot.strategies.generates_cases``): they name only what
the run itself created. A target that answers them 404 or 405 does not offer them: the report
says so and what is left; the conformance verdict does not change.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from diglot.contracts import Observation
from diglot.engine._results import Resource, Resources
from diglot.model import Case, Exchange, Request
from diglot.strategies import CLEANUP_BATCH, Names, cleanup_cases, malformed_cleanup_case
from diglot.transport._failures import NotSent

if TYPE_CHECKING:
    from diglot.engine._options import RunOptions
    from diglot.engine._session import Session
    from diglot.specs import Spec
    from diglot.specs._model import Operation

CREATES = {
    "createGroups": ("group", "groups", "groupId", "groupName"),
    "createUsers": ("user", "newUsers", "userId", "userName"),
}
"""Per create operation: the kind it creates, its answer's list, id and name properties."""

DELETES = {
    "group": ("deleteGroups", "groups", "groupId", "DELETE …/groups"),
    "user": ("deleteUsers", "users", "userId", "DELETE …/users"),
}
"""Per kind: the operation that removes it, its answer's list and id property, its name."""


class Ledger:
    """The resources a run created, from the answers to its create requests."""

    def __init__(self) -> None:
        self.created: list[Resource] = []
        self._seen: set[tuple[str, str]] = set()
        self.bulk_skipped: dict[tuple[str, str, str], str] = {}
        """(operation, content type, check) -> why the check's bulk cases were not sent."""

    def note(self, spec: Spec, stem: str, exchange: Exchange) -> None:
        """Record what one answer reports created (only names that start with ``stem``)."""
        shape = CREATES.get(exchange.case.operation)
        response = exchange.response
        if shape is None or response is None or not 200 <= response.status < 300:
            return
        kind, key, id_key, name_key = shape
        data = Observation(spec, exchange).data
        entries = data.get(key) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            return
        body = exchange.case.body
        sent = body.get(key) if isinstance(body, dict) else None
        requested = sent if isinstance(sent, list) else []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or _failed(entry):
                continue
            ident = entry.get(id_key)
            name = entry.get(name_key)
            asked = requested[index] if index < len(requested) else None
            if isinstance(asked, dict) and asked.get(name_key) == name:
                name = asked[name_key]  # the name as diglot wrote it
            if not isinstance(ident, str) or not ident or not isinstance(name, str):
                continue
            if len(ident) > 200 or not ident.isprintable():
                continue
            if not name.startswith(stem) or (kind, ident) in self._seen:
                continue  # never anything that is not this run's own
            self._seen.add((kind, ident))
            self.created.append(Resource(kind, ident, name, exchange.case.content_type))


def _failed(entry: Mapping[str, object]) -> bool:
    details = entry.get("errorDetails")
    if not isinstance(details, dict):
        return False
    return details.get("errorCode") not in (None, "", "SUCCESS")


Send = Callable[[Case], Exchange]
Judge = Callable[[Exchange], object]


def remove(
    resources: Resources,
    spec: Spec,
    account_id: str,
    send: Send,
    judge: Judge | None = None,
    *,
    content_types: Iterable[str] = ("json", "xml"),
) -> None:
    """Delete every resource of ``resources`` not yet removed; record the outcome in it.

    Args:
        resources: what to remove; each removed one is marked, and ``cleanup`` and ``notes``
            say how it went.
        spec: the spec whose ``deleteGroups`` / ``deleteUsers`` are sent.
        account_id: the account the resources are in.
        send: sends one case, returns the exchange (never raises for an HTTP answer).
        judge: gives an answered delete to the checks (a run's cleanup); None judges nothing.
        content_types: the content types the deletes may be sent in; a resource created in
            another is removed in the first of these.
    """
    allowed = tuple(content_types) or ("json",)
    judged_errors: set[tuple[str, str]] = set()
    notes = resources.notes
    problems = False
    for kind, (op_id, key, id_key, shown) in DELETES.items():
        pending = [r for r in resources.left if r.kind == kind]
        if not pending:
            continue
        if op_id not in {op.operation_id for op in spec.operations}:
            notes.append(f"the spec has no {op_id}: {len(pending)} {kind}(s) left")
            problems = True
            continue
        operation = spec.operation(op_id)
        by_type: dict[str, list[Resource]] = {}
        for resource in pending:
            ct = resource.content_type if resource.content_type in allowed else allowed[0]
            by_type.setdefault(ct, []).append(resource)
        offered = True
        for content_type, group in by_type.items():
            index = {r.id: r for r in group}
            for case in cleanup_cases(
                operation, content_type=content_type, account_id=account_id, ids=list(index)
            ):
                exchange = send(case)
                response = exchange.response
                if response is None:
                    notes.append(f"{shown} [{content_type}] failed: {exchange.failure}")
                    problems = True
                    continue
                if response.status in (404, 405):
                    notes.append(
                        f"the target answers {shown} with {response.status}: it does not offer "
                        f"{op_id}, so diglot cannot remove what it created there"
                    )
                    resources.cleanup = "unsupported"
                    offered = False
                    break
                if judge is not None:
                    judge(exchange)
                    if (op_id, content_type) not in judged_errors:
                        # one body that names nothing: the deletes' 400 gets judged too
                        judged_errors.add((op_id, content_type))
                        bad = malformed_cleanup_case(
                            operation, content_type=content_type, account_id=account_id
                        )
                        answered = send(bad)
                        if answered.response is not None:
                            judge(answered)
                data = Observation(spec, exchange).data
                if not 200 <= response.status < 300:
                    problems = True
                    message = data.get("message") if isinstance(data, dict) else None
                    notes.append(
                        f"{shown} [{content_type}] answered {response.status}"
                        + (f": {str(message)[:200]}" if message else "")
                    )
                    continue
                entries = data.get(key) if isinstance(data, dict) else None
                for entry in entries if isinstance(entries, list) else []:
                    if not isinstance(entry, dict) or _failed(entry):
                        continue
                    ident = entry.get(id_key)
                    if isinstance(ident, str) and ident in index:
                        index[ident].removed = True
            if not offered:
                break
    left = resources.left
    if left:
        problems = True
        kinds = ", ".join(
            f"{sum(r.kind == kind for r in left)} {kind}(s)"
            for kind in DELETES
            if any(r.kind == kind for r in left)
        )
        notes.append(f"left on the target: {kinds} (listed under created, removed: false)")
    if resources.cleanup != "unsupported":
        if not left:
            resources.cleanup = "done"
        else:
            removed = any(r.removed for r in resources.created)
            resources.cleanup = "partial" if removed or not problems else "failed"


def run_cleanup(session: Session) -> None:
    """The run's last phase: remove what it created (unless ``--no-cleanup``)."""
    if not session.result.resources:
        return
    resources = session.result.resources[-1]
    resources.created = list(session.ledger.created)
    if not resources.created:
        resources.cleanup = "not run"
        return
    stopped = session.transport.stopped
    if stopped is not None:
        resources.notes.append(
            f"not attempted: the target throttles ({stopped}); `diglot cleanup REPORT.json` "
            "removes what is left after the reset"
        )
        return
    if not session.config.cleanup:
        resources.cleanup = "kept"
        resources.notes.append(
            f"kept ({len(resources.created)} resources, --no-cleanup): `diglot cleanup "
            "REPORT.json` removes them"
        )
        return

    def send(case: Case) -> Exchange:
        # within the budget: the run stops its tests early enough to leave room for it
        request = session.request_for(case)
        if session.transport.spent:  # retries ate the reserve: the cap is a promise
            return Exchange(case, request, None, NotSent("not sent: --max-requests is spent"))
        before = session.transport.stats.requests
        response, failure = session.transport.send(request)
        session.sent = session.transport.stats.requests  # on the wire: retries count
        resources.requests += session.sent - before
        return Exchange(case, request, response, failure)

    remove(
        resources,
        session.spec,
        session.account_id,
        send,
        session.observe,
        content_types=session.config.content_types,
    )


def cleanup_cost(session: Session) -> int:
    """Requests the cleanup would send now: reserved within ``--max-requests``.

    One delete per ``CLEANUP_BATCH`` resources of a kind and content type, and the one
    malformed delete per operation × content type whose 400 the checks judge.
    """
    if not session.config.cleanup:
        return 0
    allowed = session.config.content_types or ("json",)
    counts: dict[tuple[str, str], int] = {}
    for resource in session.ledger.created:
        ct = resource.content_type if resource.content_type in allowed else allowed[0]
        counts[(resource.kind, ct)] = counts.get((resource.kind, ct), 0) + 1
    return sum(-(-n // CLEANUP_BATCH) + 1 for n in counts.values())


def why_not_sent(session: Session, operation_id: str, content_type: str) -> str:
    """Why a check of a cleanup delete has no exchange in this run."""
    if any(
        row.exchanges
        for (op, ct, _), row in session.table.items()
        if op == operation_id and ct == content_type
    ):
        return "the cleanup's deletes gave no answer this check applies to"
    resources = session.result.resources
    status = resources[-1].cleanup if resources else "not run"
    if status == "kept":
        return "sent only by the cleanup at the end of the run, which --no-cleanup switched off"
    if status == "unsupported":
        return "the target does not offer it (404/405): see the report's resources"
    return (
        "sent only by the cleanup at the end of the run, naming what the run created; there "
        "was nothing of this kind to remove"
    )


def sends_bulk(session: Session) -> bool:
    """Whether bulk cases (hundreds of users in one request) go to this run's target."""
    return session.config.bulk_cases or session.config.base_url is None


def note_bulk_skipped(session: Session, operation: Operation, content_type: str) -> None:
    """Remember, for the checks that own them, that this operation's bulk cases were held back."""
    from diglot.contracts._registry import rule_owner
    from diglot.strategies import explicit_cases, is_bulk

    cases = explicit_cases(
        operation,
        spec=session.spec,
        content_type=content_type,
        account_id=session.account_id,
        names=Names(session.names.prefix, session.names.run_id),
    )
    for case in cases:
        owner = rule_owner(case.rule) if is_bulk(case) else None
        if owner is not None:
            session.ledger.bulk_skipped[(operation.operation_id, content_type, owner)] = (
                f"not exercised: its case ({case.note}) would create hundreds of users on "
                "the target; it is sent only to the embedded server or with --bulk-cases"
            )


def request_for(
    spec: Spec,
    base_url: str,
    case: Case,
    *,
    authenticated: bool,
    extra: Iterable[str] = (),
) -> Request:
    """The HTTP request of a cleanup case.

    A delete (a JSON or XML body naming ids), or the list groups search that finds leftovers
    by name. ``extra`` are the user's ``-H 'Name: value'`` headers, as a run sends them.
    """
    operation = spec.operation(case.operation)
    path = operation.path
    for name, value in case.path_parameters.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    url = base_url.rstrip("/") + path
    if case.query:
        url += "?" + urlencode(dict(case.query))
    media = "application/xml" if case.content_type == "xml" else "application/json"
    headers = {"Accept": media}
    for line in extra:  # -H: the user's extra headers, never diglot's own (the table refuses)
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    body = b""
    if isinstance(case.body, dict) and operation.request_body is not None:
        if case.content_type == "xml":
            body = spec.codec.encode(operation.request_body.xml_root, case.body)
        else:
            body = json.dumps(case.body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = media
    return Request(operation.method, url, headers, body, authenticated=authenticated)


@contextlib.contextmanager
def sender(spec: Spec, base_url: str, options: RunOptions) -> Iterator[Send]:
    """A ``Send`` for ``remove`` outside a run (``diglot cleanup``), over its own transport.

    Connected as a run is (``diglot.engine._config``): the token (``DIGLOT_TOKEN``), or the
    JWT grant or ``DIGLOT_TOKEN_COMMAND`` (``auth_for``), the proxy (``proxy_for``), the CA
    bundle (``tls_verify``), the extra headers, the timeout and the staging manners (rate
    limit, ``--max-wait``, ``--rate-limit-margin``) of ``options``.

    Raises:
        UsageError: half a JWT configuration, an unreadable key or CA bundle.
        TargetUnreachable: the grant was refused or the token command failed.
    """
    from diglot.engine._config import auth_for, proxy_for, tls_verify
    from diglot.transport._client import Limits, Transport

    auth = auth_for(options)
    authenticated = options.token is not None or auth is not None
    transport = Transport(
        base_url,
        token=options.token,
        auth=auth,
        verify=tls_verify(options),
        proxy=proxy_for(options, base_url),
        limits=Limits(timeout=options.timeout, max_body=options.max_body),
        rate_limit=options.rate_limit,
        max_wait=options.max_wait,
        rate_limit_margin=options.rate_limit_margin,
    )
    with transport:

        def send(case: Case) -> Exchange:
            request = request_for(
                spec, base_url, case, authenticated=authenticated, extra=options.header
            )
            response, failure = transport.send(request)
            return Exchange(case, request, response, failure)

        yield send
