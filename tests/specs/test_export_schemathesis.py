"""schemathesis, run on ``diglot spec --format openapi``'s document, judges the clean server
conforming and catches a fault.

The exported document is offered "for schemathesis, Prism": a tool that expects a 2xx for
every schema-valid request and a 4xx for every schema-violating one must not misjudge the
faithful reference server (see ``diglot.specs._export``), and must still see a real fault.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, running

pytestmark = pytest.mark.slow

_ST = Path(sys.executable).with_name("st")


def _schemathesis(tmp_path: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``st run --checks all`` on the exported document; a fixed seed, 10 examples each."""
    document = tmp_path / "openapi.json"
    assert main(["spec", "--format", "openapi", "--output", str(document)]) == 0
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.accountId" = "{DEFAULT_ACCOUNT_ID}"\n')
    st = str(_ST) if _ST.exists() else shutil.which("st")
    if st is None:  # pragma: no cover - schemathesis is a dev dependency
        pytest.fail("schemathesis's st command is not installed: run scripts/setup")
    command = [
        st, "--config-file", str(config), "--no-color", "run", str(document),
        "--url", base_url, "--checks", "all", "--max-examples", "10", "--seed", "1",
        "--workers", "1", "--generation-database", "none", "--continue-on-failure",
        "--request-timeout", "10", "--report", "junit", "--report-dir", str(tmp_path),
        # the deletes (diglot's cleanup) really delete: as against a shared account, not sent
        "--exclude-method", "DELETE",
        *extra,
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False
    )


def _tail(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr)[-6000:]


def test_schemathesis_finds_nothing_against_the_clean_server(tmp_path: Path) -> None:
    with running() as base_url:
        result = _schemathesis(tmp_path, base_url)
    assert result.returncode == 0, _tail(result)
    assert "No issues found" in result.stdout, _tail(result)
    # it did test the four operations, in every phase
    assert "Tested: 4" in result.stdout, _tail(result)
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in result.stdout, _tail(result)


def test_schemathesis_catches_a_count_out_of_range_accepted(tmp_path: Path) -> None:
    # the bound 1..100 is in the exported document's standard keywords (a pattern), so a
    # tool that ignores x-diglot-* sees a server that accepts count=0 as wrong
    with running(fault="count-out-of-range-accepted") as base_url:
        result = _schemathesis(
            tmp_path, base_url, "--include-operation-id", "listGroups", "--phases", "coverage"
        )
    assert result.returncode != 0, _tail(result)
    assert "ST201 Schema-violating request accepted" in result.stdout, _tail(result)
    assert "count=0" in result.stdout or "count=101" in result.stdout, _tail(result)
