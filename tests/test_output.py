"""The terminal output of ``diglot run`` / ``diglot check``: server text stays inert."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, datetime

import pytest
from rich.console import Console as RichConsole

from diglot.cli._console import Console
from diglot.engine._results import CheckResult, RunResult
from diglot.model import Family, Finding, Request, Severity

PAYLOAD = (
    "\x1b]52;c;dG91Y2ggfi9wd25lZA==\x07"  # OSC 52: the clipboard
    "\x1b[1A\x1b[2K\r"  # cursor up, erase the line
    "\n::add-mask::secret\n  ::error file=a::b ##[warning]c "
    "[bold red]markup[/] \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ exe.txt\u202e"
)
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours on a terminal


def hostile_run() -> RunResult:
    run = RunResult("http://127.0.0.1:9/restapi", "a", "0", 7, {}, datetime.now(UTC))
    failed = CheckResult("listGroups", "json", "schema.body", Family.SCHEMA, exchanges=2)
    url = "http://127.0.0.1:9/restapi/v2.1/accounts/a/groups?start_position=[1-100000]&q={a,b}"
    failed.add(
        Finding(
            "schema.body",
            Family.SCHEMA,
            Severity.VIOLATION,
            f"undocumented property {PAYLOAD}" + "k" * 100_000,
            "listGroups",
            "json",
            f"/groups/0/{PAYLOAD}",
            PAYLOAD,
            PAYLOAD,
            request=Request("GET", url, {"Accept": "application/json"}, b"", True),
            seed=7,
        )
    )
    quiet = CheckResult("listGroups", "json", "semantics.filters", Family.SEMANTICS)
    quiet.no_evidence("the filter matched no group")
    quiet.no_evidence("the filter matched no group")
    quiet.no_evidence(f"server said {PAYLOAD}")
    passed = CheckResult("listGroups", "json", "protocol.status_code", Family.PROTOCOL, exchanges=3)
    run.results = [failed, quiet, passed]
    run.errors = [f"listSigningGroups: {PAYLOAD}"]
    return run


def render(*, terminal: bool) -> str:
    console = Console(secrets=["s3cr3t"])
    buffer = io.StringIO()
    console.out = RichConsole(
        file=buffer, force_terminal=terminal, width=120, highlight=False, soft_wrap=True
    )
    console.summary(hostile_run(), {}, strict=False)
    console.line(PAYLOAD)
    return buffer.getvalue()


@pytest.mark.parametrize("terminal", [False, True], ids=["ci-log", "terminal"])
def test_server_text_reaches_the_screen_inert(terminal):
    out = render(terminal=terminal)
    shown = SGR.sub("", out) if terminal else out
    raw = [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c != "\n"]
    assert raw == []
    assert not [line for line in shown.splitlines() if line.lstrip().startswith("::")]
    assert "##[" not in shown
    assert "[bold red]markup[/]" in shown  # printed as it is, not interpreted
    assert "\\x1b]52;c;dG91Y2ggfi9wd25lZA==\\x07" in shown
    assert "exe.txt\\u202e" in shown
    assert "\\x3a:add-mask::secret" in shown  # the line printed by itself
    assert "more characters)" in shown  # the 100 kB message was cut, saying so
    assert len(shown) < 20_000
    assert "Reproduce: curl -sS --globoff --path-as-is -X GET " in shown


def test_inconclusive_checks_show_in_the_verdict_and_the_table():
    out = render(terminal=False)
    assert (
        "INCONCLUSIVE semantics.filters on listGroups [json]: nothing to judge: "
        "the filter matched no group (2×); server said \\x1b]52" in out
    )
    assert "┃ inconclusive ┃" in out
    assert "FAILED: 1 failed, 0 warnings, 1 passed, 1 inconclusive, 0 skipped checks" in out
