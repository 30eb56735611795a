"""report.json: the machine-readable record of a run, and the way back to a ``RunResult``."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from diglot._display import inert
from diglot.engine._results import CheckResult, Resource, Resources, RunResult
from diglot.errors import ReportError
from diglot.model import Family, Finding, Request, Response, Severity
from diglot.reports._bodies import FiledRequest, file_bytes, file_name, needs_file, report_line
from diglot.reports._promises import promise_coverage
from diglot.reports._scrub import (
    NAME_LIMIT,
    SHORT_LIMIT,
    TEXT_LIMIT,
    URL_LIMIT,
    Scrubber,
)

if TYPE_CHECKING:
    from diglot.model import JSONValue
    from diglot.transport._redact import Redactor

REPORT_VERSION = "1.3"
"""Version of the report.json layout, MAJOR.MINOR.

A minor version adds members, optional in the schema so that older reports of the same
major still validate, or values (1.1: the status ``inconclusive``, the results'
``inconclusive`` reasons and the summary's count; 1.2: the status ``known``, the results'
``known`` findings, the run's ``fixed`` baseline entries and the summary's counts of both;
the run's ``promises``, its promise coverage; 1.3: a request's ``body_file``, the file
beside the report that holds a body too long for its curl line).
A reader reads every report of its major
version up to its own minor; a report of a newer minor that uses something the reader does
not know is refused with a message to upgrade diglot, never misread. The major changes when a
member changes its meaning or goes away; another major is refused outright.
"""

SCHEMA_RESOURCE = "report.schema.json"


def to_json(run: RunResult, *, redactor: Redactor | None = None) -> dict[str, JSONValue]:
    """The run as a ``report.json`` document, every string redacted and every body an excerpt.

    Args:
        run: the run to record.
        redactor: knows the bearer token; without one, only token-looking values and
            credential headers are redacted.

    Returns:
        A JSON-ready dict valid against ``report.schema.json`` (see ``report_schema()``).

    Example:
        >>> doc = to_json(run, redactor=Redactor([token]))  # doctest: +SKIP
        >>> doc["summary"]["failed"]  # doctest: +SKIP
        2
    """
    scrub = Scrubber(redactor)
    return {
        "version": REPORT_VERSION,
        "target": scrub.text(run.target, limit=URL_LIMIT),
        "account_id": scrub.text(run.account_id, limit=NAME_LIMIT),
        "diglot_version": run.diglot_version,
        "seed": run.seed,
        "options": cast("dict[str, JSONValue]", scrub.value(dict(run.options))),
        "started_at": run.started_at.isoformat(),
        "duration": run.duration,
        "requests": run.requests,
        "summary": cast("dict[str, JSONValue]", run.summary()),
        "errors": [scrub.text(error, limit=TEXT_LIMIT) for error in run.errors],
        "fixed": [
            {key: scrub.text(value, limit=SHORT_LIMIT) for key, value in entry.items()}
            for entry in run.fixed
        ],
        "incomplete": [scrub.text(reason, limit=TEXT_LIMIT) for reason in run.incomplete],
        "resources": [_resources(entry, scrub) for entry in run.resources],
        "results": [_result(result, scrub) for result in run.results],
        "promises": promise_coverage(run, lambda text: scrub.text(text, limit=SHORT_LIMIT)),
    }


def _resources(entry: Resources, scrub: Scrubber) -> JSONValue:
    # ids and names are kept whole: they are what a later cleanup sends back to the target
    return {
        "run_id": entry.run_id,
        "name_prefix": entry.name_prefix,
        "cleanup": entry.cleanup,
        "requests": entry.requests,
        "notes": [scrub.text(note, limit=TEXT_LIMIT) for note in entry.notes],
        "created": [
            {
                "kind": r.kind,
                "id": r.id,
                "name": r.name,
                "content_type": r.content_type,
                "removed": r.removed,
            }
            for r in entry.created
        ],
    }


def _read_resources(item: Mapping[str, Any]) -> Resources:
    return Resources(
        run_id=item["run_id"],
        name_prefix=item["name_prefix"],
        created=[
            Resource(r["kind"], r["id"], r["name"], r["content_type"], r["removed"])
            for r in item["created"]
        ],
        cleanup=item["cleanup"],
        notes=list(item["notes"]),
        requests=item.get("requests", 0),  # optional: absent before it existed
    )


def _result(result: CheckResult, scrub: Scrubber) -> JSONValue:
    return {
        "operation": scrub.text(result.operation, limit=NAME_LIMIT),
        "content_type": scrub.text(result.content_type, limit=NAME_LIMIT),
        "check": scrub.text(result.check, limit=NAME_LIMIT),
        "family": str(result.family),
        "description": scrub.text(result.description, limit=SHORT_LIMIT),
        "status": result.status.value,
        "exchanges": result.exchanges,
        "elapsed": round(result.elapsed, 6),
        "found_at": result.found_at,
        "occurrences": result.occurrences,
        "omitted": result.omitted,
        "skip_reason": scrub.text(result.skip_reason, limit=SHORT_LIMIT),
        "inconclusive": cast("dict[str, JSONValue]", scrub.reasons(result.inconclusive)),
        "findings": [_finding(f, result.count_of(f) or 1, scrub) for f in result.findings],
        "known": [i for i, f in enumerate(result.findings) if f.signature in result.known],
    }


def _finding(finding: Finding, count: int, scrub: Scrubber) -> JSONValue:
    request: JSONValue = None
    curl: JSONValue = None
    if finding.request is not None:
        raw = finding.request
        body = scrub.raw_body(raw.body)
        # A credential header means the request was authenticated: the curl line then
        # reads the token from the environment instead of repeating "[REDACTED]".
        headers = {k: v for k, v in raw.headers.items() if k.lower() != "authorization"}
        # A body too long for a curl line (or not UTF-8 text) is in a file beside the
        # report (``write_bodies``); the curl line reads it from there.
        if isinstance(raw, FiledRequest):
            body_file = raw.body_file
        elif raw.body and needs_file(raw.body):
            body_file = file_name(file_bytes(raw.body, scrub.redactor), raw.headers)
        else:
            body_file = ""
        clean = FiledRequest(
            method=scrub.text(raw.method, limit=NAME_LIMIT),
            url=scrub.text(raw.url, limit=URL_LIMIT),
            headers=scrub.headers(headers),
            body=body.encode("utf-8"),
            authenticated=raw.authenticated or len(headers) < len(raw.headers),
            body_file=body_file,
        )
        # From the redacted request, so the curl line never holds half a token where
        # its body is cut.
        curl = scrub.text(report_line(clean))
        request = {
            "method": clean.method,
            "url": clean.url,
            "headers": cast("dict[str, JSONValue]", dict(clean.headers)),
            "body": scrub.body(clean.body, pretty=False),
            "authenticated": clean.authenticated,
        }
        if body_file:
            request["body_file"] = body_file
    response: JSONValue = None
    if finding.response is not None:
        res = finding.response
        response = {
            "status": res.status,
            "headers": cast("dict[str, JSONValue]", scrub.headers(res.headers)),
            "body": scrub.body(res.body, res.media_type, pretty=not res.truncated),
            "elapsed": res.elapsed,
            "truncated": res.truncated,
        }
    return {
        "check": scrub.text(finding.check, limit=NAME_LIMIT),
        "family": str(finding.family),
        "severity": finding.severity.value,
        "message": scrub.text(finding.message, limit=TEXT_LIMIT),
        "location": scrub.text(finding.location, limit=SHORT_LIMIT),
        "expected": scrub.text(finding.expected, limit=TEXT_LIMIT),
        "actual": scrub.text(finding.actual, limit=TEXT_LIMIT),
        "count": count,
        "seed": finding.seed,
        "request": request,
        "response": response,
        "curl": curl,
    }


def prepare(run: RunResult, redactor: Redactor | None) -> tuple[RunResult, Scrubber]:
    """The run as its report records it: redacted, excerpts in place of bodies.

    Every renderer draws from this, so all four files show the same redacted excerpts.
    """
    return build(to_json(run, redactor=redactor)), Scrubber(redactor)


@functools.cache
def report_schema() -> dict[str, JSONValue]:
    """The JSON Schema (2020-12) of ``report.json``, as shipped in the package."""
    text = resources.files("diglot.reports").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    return cast("dict[str, JSONValue]", json.loads(text))


def validate(document: Mapping[str, JSONValue], *, source: str = "report") -> None:
    """Check a document against ``report.schema.json``.

    Raises:
        ReportError: naming ``source``, the place in the document, and what is wrong there.
    """
    version = document.get("version")
    major, _, minor = REPORT_VERSION.partition(".")
    newer = False
    if isinstance(version, str):
        their_major, _, their_minor = version.partition(".")
        if their_major != major:
            raise ReportError(
                f"{source}: report version {inert(version, limit=20)} cannot be read by this "
                f"diglot, which reads version {major}.x; re-render it with the diglot that wrote it"
            )
        newer = their_minor.isdigit() and int(their_minor) > int(minor)
    errors = list(_validator().iter_errors(dict(document)))
    if errors:
        # The deepest error is the most specific one ("at /results/3/status", not "at /").
        error = max(errors, key=lambda e: len(e.instance_path))
        where = "/" + "/".join(str(part) for part in error.instance_path)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        # The file is anyone's: what it says is shown inert and short.
        what = f"at {inert(where, limit=200)}: {inert(error.message, limit=300)}{more}"
        if newer:
            raise ReportError(
                f"{source}: report version {version} is newer than this diglot reads "
                f"({REPORT_VERSION}) and uses what it does not know ({what}); upgrade diglot"
            )
        raise ReportError(
            f"{source} is not a valid diglot report: {what}; "
            "pass a report.json written by `diglot run` or `diglot report merge`"
        )


@functools.cache
def _validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(report_schema())


def load(data: Mapping[str, JSONValue] | str | Path) -> tuple[dict[str, JSONValue], str]:
    """Read a document from a mapping, JSON text, or a file path; return it and its name."""
    if isinstance(data, Mapping):
        return dict(data), "report"
    if isinstance(data, str) and data.lstrip().startswith("{"):
        source, text = "report", data
    else:
        path = Path(data)
        source = str(path)
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise ReportError(
                f"{source}: no such file; pass the report.json that a diglot run wrote"
            ) from None
        except IsADirectoryError:
            raise ReportError(
                f"{source} is a directory; pass the report.json file inside it"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ReportError(f"{source} cannot be read: {exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{source} is not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "is it a report.json written by diglot?"
        ) from None
    if not isinstance(document, dict):
        raise ReportError(
            f"{source} holds a JSON {type(document).__name__}, not a report object; "
            "pass a report.json written by diglot"
        )
    return document, source


def from_json(data: Mapping[str, JSONValue] | str | Path) -> RunResult:
    """Read a report back into a ``RunResult``.

    Findings' requests and responses come back as ``Request`` and ``Response`` holding the
    excerpts that the report kept, so ``to_json(from_json(doc)) == doc``.

    Args:
        data: a ``report.json`` document, its JSON text (a string starting with ``{``),
            or the path of the file.

    Raises:
        ReportError: the file cannot be read, is not JSON, or is not a valid report; the
            message names the file and the place in it.

    Example:
        >>> run = from_json(Path("reports/report.json"))  # doctest: +SKIP
        >>> run.summary()["failed"]  # doctest: +SKIP
        2
    """
    document, source = load(data)
    validate(document, source=source)
    origin = "" if isinstance(data, Mapping) or source == "report" else str(Path(source).parent)
    return build(document, source=source, origin=origin)


def build(document: Mapping[str, Any], *, source: str = "report", origin: str = "") -> RunResult:
    """A ``RunResult`` from an already validated document.

    ``origin`` is the folder the document was read from: the bodies its curl lines read
    (``bodies/…``) are there, and a report written elsewhere copies them.
    """
    try:
        started_at = datetime.fromisoformat(document["started_at"])
    except ValueError:
        raise ReportError(
            f"{source}: started_at {inert(repr(document['started_at']), limit=100)} is not an "
            "ISO 8601 date-time"
        ) from None
    run = RunResult(
        target=document["target"],
        account_id=document["account_id"],
        diglot_version=document["diglot_version"],
        seed=document["seed"],
        options=dict(document["options"]),
        started_at=started_at,
        duration=document["duration"],
        requests=document["requests"],
        errors=list(document["errors"]),
        fixed=[dict(entry) for entry in document.get("fixed", [])],  # since 1.2
        incomplete=list(document.get("incomplete", [])),  # optional: absent before it existed
        resources=[_read_resources(item) for item in document.get("resources", [])],
    )
    for index, item in enumerate(document["results"]):
        result = CheckResult(
            operation=item["operation"],
            content_type=item["content_type"],
            check=item["check"],
            family=_family(item["family"]),
            description=item["description"],
            exchanges=item["exchanges"],
            elapsed=item.get("elapsed", 0.0),  # optional: absent before it existed
            found_at=item.get("found_at", 0),  # optional: absent before it existed
            occurrences=item["occurrences"],
            omitted=item["omitted"],
            skip_reason=item["skip_reason"],
            inconclusive=dict(item.get("inconclusive", {})),  # since report version 1.1
        )
        for entry in item["findings"]:
            finding = _read_finding(entry, result, origin)
            result.findings.append(finding)
            result.counts[finding.signature] = entry["count"]
        for known in item.get("known", []):  # since report version 1.2
            if known < len(result.findings):
                result.known.add(result.findings[known].signature)
        if result.status.value != item["status"]:
            raise ReportError(
                f"{source}: at /results/{index}: status {inert(repr(item['status']))} contradicts its "
                f"findings and exchanges (they make it {result.status.value!r}); "
                "the file was edited or damaged"
            )
        run.results.append(result)
    return run


def _read_finding(entry: Mapping[str, Any], result: CheckResult, origin: str = "") -> Finding:
    request = entry["request"]
    response = entry["response"]
    body_file = "" if request is None else request.get("body_file", "")  # since 1.3
    return Finding(
        check=entry["check"],
        family=_family(entry["family"]),
        severity=Severity(entry["severity"]),
        message=entry["message"],
        operation=result.operation,
        content_type=result.content_type,
        location=entry["location"],
        expected=entry["expected"],
        actual=entry["actual"],
        request=None
        if request is None
        else Request(
            method=request["method"],
            url=request["url"],
            headers=dict(request["headers"]),
            body=request["body"].encode("utf-8"),
            authenticated=request["authenticated"],
        )
        if not body_file
        else FiledRequest(
            method=request["method"],
            url=request["url"],
            headers=dict(request["headers"]),
            body=request["body"].encode("utf-8"),
            authenticated=request["authenticated"],
            body_file=body_file,
            origin=origin,
        ),
        response=None
        if response is None
        else Response(
            status=response["status"],
            headers=dict(response["headers"]),
            body=response["body"].encode("utf-8"),
            elapsed=response["elapsed"],
            truncated=response["truncated"],
        ),
        seed=entry["seed"],
    )


def _family(name: str) -> str:
    """A built-in family as its enum member, a user's family as its name."""
    try:
        return Family(name)
    except ValueError:
        return name
