"""Whole ``diglot run`` and ``diglot check`` against a server that injects hostile text everywhere.

The injecting target (``tests.hostile.injecting``) relays to a faithful reference server and
puts payloads into every string it controls: terminal escapes, CI workflow commands, bidi
controls, Markdown and HTML, curl globs and shell syntax in links. Whatever diglot prints or
writes must hold none of it raw: no control character but the newline, no line a CI runner
would take as a workflow command, every report parses, every curl line is one line that
bash accepts and that sends one request. And the payloads did reach every output (escaped):
the test proves that the path exists, not only that nothing came.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from markdown_it import MarkdownIt

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, running
from tests.hostile.injecting import MARK, Injector
from tests.hostile.server import HostileServer
from tests.hostile.test_hostile import TOKEN, assert_no_token
from tests.reports.conftest import JUNIT_XSD, assert_valid_report

pytestmark = pytest.mark.slow

UNSAFE = ("Cc", "Cf", "Cs", "Zl", "Zp")


def assert_inert(text: str, where: str) -> None:
    """No raw control/format/separator character but the newline; no workflow command."""
    raw = sorted(
        {f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in UNSAFE} - {"U+000A"}
    )
    assert raw == [], f"{where}: raw {raw}"
    commands = [
        line for line in text.split("\n") if line.lstrip().startswith("::") or "##[" in line
    ]
    assert commands == [], f"{where}: {commands[:3]}"
    assert "##vso[" not in text, where


def assert_curl_line(line: str) -> None:
    assert "\n" not in line
    if line.startswith("# no curl line"):
        return
    assert line.startswith("curl -sS --globoff --path-as-is -X "), line
    checked = subprocess.run(["bash", "-n", "-c", line], capture_output=True, timeout=10)
    assert checked.returncode == 0, (line, checked.stderr)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    reports: Path
    injector: Injector
    server_requests: int


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running() as base_url:
        yield base_url


@pytest.fixture(scope="module")
def injected(
    upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Run, HostileServer]]:
    """One whole ``diglot run`` against the injecting target; the server stays up for more."""
    reports = tmp_path_factory.mktemp("injected") / "reports"
    injector = Injector(upstream)
    with HostileServer(injector) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGLOT_TOKEN", TOKEN)
        patch.delenv("DIGLOT_DEBUG", raising=False)
        argv = ["run", "--base-url", server.base_url, "--account-id", DEFAULT_ACCOUNT_ID]
        argv += ["--max-examples", "2", "--seed", "3", "--timeout", "5"]
        argv += ["--report-dir", str(reports)]
        code, out, err = _main(argv)
        yield Run(code, out, err, reports, injector, len(server.requests)), server


def _main(argv: list[str]) -> tuple[int, str, str]:
    """``diglot …`` in-process, its stdout and stderr captured at the file-descriptor level."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_a_whole_run_ends_with_findings_and_prints_nothing_raw(injected):
    run, _ = injected
    output = run.stdout + run.stderr
    assert run.code == 1, output[-3000:]
    assert "Traceback" not in output
    assert "internal error" not in output
    # every kind of injection happened
    assert set(run.injector.kinds) >= {
        "json",
        "xml",
        "error-details",
        "server-error",
        "redirect",
        "content-type",
    }, run.injector.kinds
    assert_inert(output, "stdout+stderr")
    assert MARK in run.stdout  # the payloads reached the terminal, escaped
    assert "\\x1b]52;c;" in run.stdout
    assert_no_token(output)
    for line in run.stdout.splitlines():
        if line.lstrip().startswith("Reproduce: "):
            assert_curl_line(line.split("Reproduce: ", 1)[1])


def test_every_report_parses_and_holds_nothing_raw(injected):
    run, _ = injected
    texts = {p.name: p.read_text("utf-8") for p in sorted(run.reports.iterdir())}
    # the failing exchanges are saved for replay (failures.har) beside the four reports
    assert sorted(texts) == ["failures.har", "index.html", "junit.xml", "report.json", "summary.md"]
    # the HAR keeps the exchanges byte for byte (a replay needs them): it is data, not
    # display — all ASCII JSON, every control or bidi character a \u escape, and no token
    har = texts.pop("failures.har")
    assert json.loads(har)["log"]["entries"]
    assert har.isascii()
    assert_no_token(har)
    for name, text in texts.items():
        assert_inert(text, name)
        assert MARK in text, name
        assert_no_token(text)
    document = json.loads(texts["report.json"])
    assert_valid_report(document)
    assert any(MARK in json.dumps(f, ensure_ascii=False) for f in _findings(document))
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    junit = etree.fromstring(texts["junit.xml"].encode(), etree.XMLParser(resolve_entities=False))
    assert schema.validate(junit), schema.error_log
    _assert_html(texts["index.html"])
    _assert_markdown(texts["summary.md"])


def test_every_curl_line_is_one_line_and_sends_one_request(injected):
    run, server = injected
    document = json.loads((run.reports / "report.json").read_text("utf-8"))
    lines = [str(f["curl"]) for f in _findings(document) if f["curl"]]
    assert lines
    globbed = [line for line in lines if "[1-100000]" in line]
    assert globbed, "a followed link with globs should have a curl line"
    for line in lines:
        assert_curl_line(line)
    # run one built from a server link: one request reaches the server, exactly as diglot sent
    line = globbed[0]
    sent = [r.target for r in server.requests if "[1-100000]" in r.target]
    before = len(server.requests)
    env = {**os.environ, "DIGLOT_TOKEN": TOKEN}
    done = subprocess.run(["bash", "-c", line], capture_output=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert len(server.requests) == before + 1
    assert server.requests[-1].target in sent


@pytest.mark.parametrize("fmt", ["md", "html", "junit", "json"])
def test_re_rendered_reports_hold_nothing_raw(injected, fmt):
    run, _ = injected
    code, out, err = _main(["report", str(run.reports / "report.json"), "--format", fmt])
    assert code == 0, err
    assert_inert(out + err, f"diglot report --format {fmt}")
    assert MARK in out


def test_diglot_check_of_recorded_hostile_answers_prints_nothing_raw(injected, tmp_path):
    _, server = injected
    url = f"{server.base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    files = []
    with httpx.Client(timeout=10) as client:
        for accept, suffix in (("application/json", "json"), ("application/xml", "xml")):
            for attempt in range(12):  # until each kind of answer was recorded once
                response = client.get(url, headers={"Accept": accept})
                path = tmp_path / f"{suffix}-{attempt}-{response.status_code}.{suffix}"
                path.write_bytes(response.content)
                files.append((path, response.status_code))
    assert {status for _, status in files} >= {200, 500}
    for path, status in files:
        argv = ["check", str(path), "--operation", "listGroups", "--status", str(status)]
        code, out, err = _main(argv)
        assert code in (0, 1), err
        assert "Traceback" not in out + err
        assert_inert(out + err, f"diglot check {path.name}")
    code, out, _ = _main(
        ["check", *(str(p) for p, s in files if s == 200), "--operation", "listGroups"]
    )
    assert code == 1
    assert MARK in out


def _findings(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for result in document["results"]:
        yield from result["findings"]


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_html(page: str) -> None:
    tags = _Tags()
    tags.feed(page)
    assert [t for t, _ in tags.tags].count("script") == 1  # diglot's own, by CSP hash
    for _, attrs in tags.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), value
    assert "evil.example" in page  # shown, as text


def _assert_markdown(text: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1
    fenced = fences[0].content.splitlines()
    assert fenced[0].startswith("diglot run --base-url ")
    assert all(line.startswith(("diglot run ", "curl ", "# ")) for line in fenced), fenced
    start = text.index(fences[0].markup + "sh\n")
    assert text[start:].count(fences[0].markup) == 2  # opened and closed once, by diglot
    inline = [t for t in tokens if t.type == "inline"]
    links = [c for t in inline for c in (t.children or []) if c.type == "link_open"]
    assert links == []  # nothing the server wrote became a link
    assert "<script>" not in text
    assert "https\\://evil.example" in text or "evil.example" not in text.split("```")[0]
    assert not re.search(r"(?<!\\)https?://evil", text.split(fences[0].markup)[0])
