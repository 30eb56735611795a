"""index.html in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diglot.reports import write_reports
from tests.reports.builders import finding, make_run

HOSTILE = "<script>document.title='pwned';document.body.dataset.pwned='1'</script>"
INSTALL = (
    "chromium is not installed, so index.html cannot be tested in a browser. Install it "
    "with `apt-get install -y chromium` (Debian/Ubuntu; scripts/setup does this when run as "
    "root), or put a chromium/chrome binary on PATH."
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(INSTALL)


def browse(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def console(stderr: str) -> list[str]:
    """What the page wrote to the console: uncaught errors, CSP refusals, anything."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = make_run()
    run.results[0].add(finding(message=HOSTILE, body=HOSTILE.encode()))
    folder = tmp_path_factory.mktemp("browser")
    return write_reports(run, folder, formats=["html"])["html"]


@pytest.mark.slow
def test_page_loads_without_errors_and_a_failure_expands(page, tmp_path):
    done = browse(f"{page.as_uri()}#expand-first", tmp_path / "profile", "--dump-dom")
    dom = done.stdout
    assert console(done.stderr) == []
    assert 'data-ready="1"' in dom  # the script ran to its end
    assert '<table class="matrix">' in dom
    assert dom.count("<tr><th>") >= 4
    details = re.findall(r"<details [^>]*>", dom)
    assert details[0] == '<details class="finding f-violation" open="">'
    # each failed check opens on its first violation; warnings and the rest stay closed
    opened = [tag for tag in details if "open" in tag]
    assert len(opened) == len(
        re.findall(r'<div class="result [^"]*" id="r\d+" data-status="failed"', dom)
    )
    assert all("f-violation" in tag for tag in opened)
    assert any("f-warning" in tag and "open" not in tag for tag in details)
    # hostile text stayed text
    assert "<title>diglot: 4 of 32 checks failed</title>" in dom
    assert "data-pwned" not in dom
    assert "&lt;script&gt;document.title='pwned'" in dom


@pytest.mark.slow
def test_filter_hides_other_statuses(page, tmp_path):
    done = browse(
        f"{page.as_uri()}#status=failed&family=schema", tmp_path / "profile", "--dump-dom"
    )
    assert console(done.stderr) == []
    shown = re.findall(
        r'<div class="result [^"]*" id="r\d+" data-status="(\w+)" data-family="(\w+)">', done.stdout
    )
    hidden = re.findall(r'data-status="\w+" data-family="\w+" hidden=""', done.stdout)
    assert shown == [("failed", "schema"), ("failed", "schema")]
    assert len(hidden) == 32 - 2
    assert "2 of 32 checks shown" in done.stdout


@pytest.mark.slow
def test_screenshot_is_kept_as_an_artifact(page, tmp_path):
    shot = tmp_path / "index.png"
    browse(
        f"{page.as_uri()}#expand-first",
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,1600",
        "--hide-scrollbars",
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    print(f"screenshot of index.html: {shot}")
