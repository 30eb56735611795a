"""The baseline: findings a team has accepted, so that a run fails only on new ones.

``diglot run --baseline diglot-baseline.json`` reads it: a finding in it is *known* (its
row's status is ``known``, which fails nothing), a finding not in it counts as usual, and an
entry that no longer occurs where the run looked is *fixed*. ``--baseline-update`` writes the
run's findings to it.

Findings are matched by a stable signature, not by their text: the check, the operation, the
content type, the location (list indexes kept: ``/groups/1/groupName`` is another place than
``/groups/2/groupName``) and a *kind*, the message with what changes between runs taken out
(quoted values, numbers, ids, and the names a run creates, which carry its run id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diglot.errors import UsageError
from diglot.model import Finding

if TYPE_CHECKING:
    from diglot.engine._results import RunResult

BASELINE_VERSION = 1
Signature = tuple[str, str, str, str, str]
"""check, operation, content type, location, kind."""

_VOLATILE = [
    (
        re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "<id>",
    ),
    (re.compile(r"'[^']*'|\"[^\"]*\"|«[^»]*»"), "<value>"),
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "<n>"),
]


def kind_of(message: str) -> str:
    """The message's shape: what varies between runs replaced by placeholders."""
    kind = message
    for pattern, placeholder in _VOLATILE:
        kind = pattern.sub(placeholder, kind)
    return " ".join(kind.split())


def signature(finding: Finding) -> Signature:
    """The finding's stable identity (see the module's docstring)."""
    return (
        finding.check,
        finding.operation,
        finding.content_type,
        finding.location,
        kind_of(finding.message),
    )


@dataclass(frozen=True, slots=True)
class Baseline:
    """The accepted findings of one file."""

    path: Path
    entries: frozenset[Signature]

    def __contains__(self, finding: object) -> bool:
        return isinstance(finding, Finding) and signature(finding) in self.entries


_FIELDS = ("check", "operation", "content_type", "location", "kind")


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file (``UsageError`` naming the file when it cannot be used)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"--baseline {path}: no such file; write one with --baseline-update"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"--baseline {path}: not a diglot baseline ({exc})") from None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise UsageError(
            f"--baseline {path}: not a diglot baseline of version {BASELINE_VERSION}; "
            "write it again with --baseline-update"
        )
    entries = []
    for index, entry in enumerate(document.get("findings", [])):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(name), str) for name in _FIELDS
        ):
            raise UsageError(
                f"--baseline {path}: findings[{index}] needs the strings " + ", ".join(_FIELDS)
            )
        check, operation, content_type, location, kind = (entry[name] for name in _FIELDS)
        entries.append((check, operation, content_type, location, kind))
    return Baseline(path, frozenset(entries))


def write_baseline(path: Path, run: RunResult, *, redact: Iterable[str | None] = ()) -> int:
    """Write every finding of the run to ``path``; the number of entries written.

    Each entry keeps one example message for people reading the file (secrets redacted);
    only the signature fields are matched.
    """
    secrets = [s for s in redact if s]
    seen: dict[Signature, Finding] = {}
    for result in run.results:
        for finding in result.findings:
            seen.setdefault(signature(finding), finding)
    entries = []
    for sig in sorted(seen):
        example = seen[sig].message
        for secret in secrets:
            example = example.replace(secret, "[REDACTED]")
        entry: dict[str, str] = dict(zip(_FIELDS, sig, strict=True))
        entry["severity"] = seen[sig].severity.value
        entry["example"] = example[:300]
        entries.append(entry)
    document = {
        "version": BASELINE_VERSION,
        "about": "findings accepted by the team: diglot run --baseline FILE fails only on "
        "others; rewrite with --baseline-update",
        "findings": entries,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise UsageError(f"--baseline {path}: cannot be written ({exc})") from None
    return len(entries)


def fixed_entries(baseline: Baseline, run: RunResult) -> list[dict[str, str]]:
    """Baseline entries that no longer occur where this run looked.

    An entry counts as fixed only when the run judged its check on its operation and
    content type (a row with exchanges, not skipped, every distinct finding kept): a run of
    other operations or another shard fixes nothing.
    """
    from diglot.engine._results import Status

    judged = {
        (r.check, r.operation, r.content_type)
        for r in run.results
        if r.exchanges and r.status is not Status.SKIPPED and not r.omitted
    }
    found = {signature(f) for r in run.results for f in r.findings}
    return [
        dict(zip(_FIELDS, sig, strict=True))
        for sig in sorted(baseline.entries)
        if sig not in found and (sig[0], sig[1], sig[2]) in judged
    ]


def settle(
    path: Path | None, baseline: Baseline | None, update: bool, run: RunResult, secrets: list[str]
) -> None:
    """The run's end: write the baseline (``--baseline-update``) or list what it fixed."""
    if path is not None and update:
        write_baseline(path, run, redact=secrets)
    elif baseline is not None:
        run.fixed = fixed_entries(baseline, run)
