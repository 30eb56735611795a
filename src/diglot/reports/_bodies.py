"""Request bodies a curl line cannot carry, written beside the reports and read with ``@file``.

A curl line repeats a body inline up to ``CURL_BODY_LIMIT`` bytes (``Request.to_curl``); a
longer one (a createUsers of 500 users) would be cut, and one that is not UTF-8 text cannot be
kept exactly in a report. Such a body is written, redacted, to ``bodies/<hash>.json`` (``.xml``,
``.bin``) in the report folder, and the curl line reads it with ``--data-binary @…``:

- in report.json, summary.md, index.html and junit.xml the path is relative to the report
  folder (``@bodies/….json``), so the folder works wherever it is copied (a CI artifact): the
  line says to run it there;
- in the terminal (``diglot run``) and in pytest failure messages the path is the report
  folder as given (``--report-dir``) joined with ``bodies/…``: relative to the directory the
  run started in, or absolute when the folder was given so.

Without a report folder (``--no-reports``) the line stays as ``to_curl`` makes it, with the
body cut, and says that the body was too long to print.

The file name is the body's SHA-256 (16 hex digits): the same body is one file, and a
re-rendered report names the same file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from diglot._display import shell_word
from diglot.model import CURL_BODY_LIMIT, Finding, Request

if TYPE_CHECKING:
    from diglot.engine._results import RunResult
    from diglot.transport._redact import Redactor

BODIES = "bodies"
"""The folder, inside the report folder, that holds the bodies."""
INLINE_LIMIT = CURL_BODY_LIMIT
"""Body bytes a curl line carries inline; a longer body goes to a file."""
_NAME = re.compile(r"[0-9a-f]{16}\.(?:json|xml|bin)")
"""A file diglot wrote into ``bodies/`` (only such files are ever removed from there)."""
_PLACEHOLDER = "diglot-body-file-" + "x" * 1024
"""A body ``to_curl`` writes as one plain word, long enough for its ``Expect:`` header (curl
would otherwise ask ``Expect: 100-continue``) and longer than anything a note holds."""
REPORT_NOTE = "run it in the report folder: it reads the body from {path}"


@dataclass(frozen=True, slots=True)
class FiledRequest(Request):
    """A request read back from a report whose whole body is in a file beside it.

    ``body`` is the report's excerpt; ``body_file`` the file, relative to the report folder;
    ``origin`` the folder of the report it was read from (where the file is, when it is).
    """

    body_file: str = ""
    origin: str = field(default="", compare=False)


def needs_file(body: bytes) -> bool:
    """Whether a curl line cannot carry ``body`` itself: too long, or not UTF-8 text."""
    if len(body) > INLINE_LIMIT:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def file_bytes(body: bytes, redactor: Redactor) -> bytes:
    """The body as its file holds it: every known secret redacted (as bytes, then as text)."""
    data = redactor.bytes(body)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return redactor.text(text).encode("utf-8")


def file_name(data: bytes, headers: Mapping[str, str]) -> str:
    """``bodies/<hash>.<ext>``: the file of ``data`` (already redacted), by its content type."""
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    try:
        data.decode("utf-8")
        text = True
    except UnicodeDecodeError:
        text = False
    ext = "json" if text and "json" in media else "xml" if text and "xml" in media else "bin"
    return f"{BODIES}/{hashlib.sha256(data).hexdigest()[:16]}.{ext}"


def curl_line(request: Request, path: str, *, note: str = "") -> str:
    """``request.to_curl()`` with the body read from the file ``path`` (``--data-binary @path``).

    Everything else is ``to_curl``'s: the quoting, the headers, ``Content-Type:`` when the
    request had none, ``Expect:``, the notes on what the line cannot repeat; ``note`` is added
    to them.
    """
    line = replace(request, body=_PLACEHOLDER.encode("ascii")).to_curl()
    data = f"--data-raw {_PLACEHOLDER}"
    head, found, tail = line.rpartition(data)
    if not found:  # no curl line at all (a URL that cannot be sent): it says why
        return line
    line = f"{head}--data-binary {shell_word('@' + path)}{tail}"
    if note:
        line += f"; {note}" if tail.startswith(" # ") else f" # {note}"
    return line


def reproduce(request: Request, *, folder: Path | None = None, redactor: Redactor) -> str:
    """The curl line of a request, for the terminal and pytest messages.

    A body the line cannot carry reads from ``folder/bodies/…`` (where ``write_bodies``
    writes it for the same run and redactor); without a folder the line cuts the body and
    says that it was too long to print.
    """
    if isinstance(request, FiledRequest):
        return report_line(request)
    if not request.body or not needs_file(request.body):
        return request.to_curl()
    if folder is None:
        line = request.to_curl()
        if len(request.body) > INLINE_LIMIT:
            line += (
                f"; the body ({len(request.body)} bytes) is too long to print: with a report "
                f"folder (--report-dir) it is written to {BODIES}/ and this line reads it whole"
            )
        return line
    name = file_name(file_bytes(request.body, redactor), request.headers)
    return curl_line(request, str(folder / name))


def report_line(request: Request) -> str:
    """The curl line of a request as a report shows it (a filed body: relative to the folder)."""
    if isinstance(request, FiledRequest) and request.body_file:
        path = request.body_file
        return curl_line(request, path, note=REPORT_NOTE.format(path=path))
    return request.to_curl()


def describe(finding: Finding, *, folder: Path | None = None, redactor: Redactor) -> str:
    """``finding.describe()`` with its Reproduce line from ``reproduce`` (a body file)."""
    text = finding.describe()
    if finding.request is None:
        return text
    lines = text.split("\n")  # describe() lays out its lines; no field holds a newline
    for index, line in enumerate(lines):
        if line.startswith("  Reproduce: "):
            line = reproduce(finding.request, folder=folder, redactor=redactor)
            lines[index] = f"  Reproduce: {line}"
    return "\n".join(lines)


def report_describe(finding: Finding) -> str:
    """``finding.describe()`` as a report shows it (a filed body: relative to the folder)."""
    request = finding.request
    if not isinstance(request, FiledRequest) or not request.body_file:
        return finding.describe()
    lines = finding.describe().split("\n")
    for index, line in enumerate(lines):
        if line.startswith("  Reproduce: "):
            lines[index] = f"  Reproduce: {report_line(request)}"
    return "\n".join(lines)


def _requests(run: RunResult) -> Iterator[Request]:
    for result in run.results:
        for finding in result.findings:
            if finding.request is not None:
                yield finding.request


def write_bodies(
    run: RunResult, directory: Path, *, redactor: Redactor, prune: bool = True
) -> list[Path]:
    """Write into ``directory/bodies`` every body of ``run``'s findings a curl line reads.

    A body read back from a report (``FiledRequest``) is copied from the folder of that
    report when it is there. With ``prune``, files of earlier runs that this run does not
    name are removed, so the folder holds this report's bodies only (not where several
    writers share the folder: pytest-xdist workers' parts). Returns the files written or kept.
    """
    wanted: dict[str, Path | bytes] = {}
    for request in _requests(run):
        if isinstance(request, FiledRequest):
            if request.body_file and request.origin:
                source = Path(request.origin) / request.body_file
                if source.is_file():
                    wanted.setdefault(request.body_file, source)
        elif request.body and needs_file(request.body):
            data = file_bytes(request.body, redactor)
            wanted.setdefault(file_name(data, request.headers), data)
    folder = directory / BODIES
    kept: list[Path] = []
    for name, content in wanted.items():
        target = directory / name
        kept.append(target)
        if isinstance(content, Path):
            if target.exists() and target.resolve() == content.resolve():
                continue
            folder.mkdir(parents=True, exist_ok=True)
            _atomic(target, content.read_bytes())
        elif not (target.is_file() and target.stat().st_size == len(content)):
            folder.mkdir(parents=True, exist_ok=True)
            _atomic(target, content)
    if prune and folder.is_dir():
        names = {path.name for path in kept}
        for stale in folder.iterdir():
            if _NAME.fullmatch(stale.name) and stale.name not in names:
                stale.unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()
    return kept


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
