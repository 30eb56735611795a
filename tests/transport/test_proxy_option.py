"""--proxy: every request through a real forward proxy process; the environment only with
--proxy env (HTTPS_PROXY/HTTP_PROXY and NO_PROXY), never by default."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diglot.cli import main
from diglot.engine import RunOptions
from diglot.engine._config import proxy_for
from diglot.server import DEFAULT_ACCOUNT_ID, running


@pytest.fixture
def proxy() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    yield from forward_proxy()


def forward_proxy() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A real forward proxy process on loopback; yields (its URL, the process)."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("forward_proxy.py"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = process.stdout.readline().split()[1]
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def forwarded(process: subprocess.Popen[str]) -> list[str]:
    process.terminate()
    assert process.stdout is not None
    out, _ = process.communicate(timeout=10)
    return [line for line in out.splitlines() if line.startswith("via ")]


def args(base_url: str, tmp_path: Path) -> list[str]:
    return [
        "run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
        "--operations", "listGroups", "--content-types", "json", "--max-examples", "2",
        "--seed", "4", "--no-stateful", "--report-dir", str(tmp_path),
    ]  # fmt: skip


def test_every_request_goes_through_the_proxy(proxy, tmp_path, monkeypatch):
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    url, process = proxy
    with running() as base_url:
        assert main([*args(base_url, tmp_path), "--proxy", url]) == 0
    lines = forwarded(process)
    assert len(lines) > 5
    assert all(base_url in line for line in lines)


@pytest.mark.parametrize("flag", [[], ["--proxy", "env"]], ids=["default", "proxy-env"])
def test_the_environment_is_read_only_with_proxy_env(proxy, tmp_path, monkeypatch, flag):
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    url, process = proxy
    monkeypatch.setenv("HTTP_PROXY", url)
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with running() as base_url:
        assert main([*args(base_url, tmp_path), *flag]) == 0
    lines = forwarded(process)
    if flag:
        assert len(lines) > 5
    else:
        assert lines == []  # by default the variable is not read: the run went direct


def test_no_proxy_is_honoured_with_proxy_env(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal.example")
    options = RunOptions(proxy="env")
    assert proxy_for(options, "https://demo.docusign.net/restapi") == "http://proxy.corp:3128"
    assert proxy_for(options, "https://api.internal.example/restapi") is None
    assert proxy_for(options, "https://localhost:8443/restapi") is None
    assert proxy_for(RunOptions(), "https://demo.docusign.net/restapi") is None
