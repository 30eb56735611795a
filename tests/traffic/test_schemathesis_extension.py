"""The schemathesis extension: ``hooks = "diglot.plugin.schemathesis_hooks"``, run by st itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, running

pytestmark = pytest.mark.slow

_ST = Path(sys.executable).with_name("st")


def _st(tmp_path: Path, base_url: str, *, hooks: bool) -> subprocess.CompletedProcess[str]:
    document = tmp_path / "openapi.json"
    assert main(["spec", "--format", "openapi", "--output", str(document)]) == 0
    config = tmp_path / "schemathesis.toml"
    line = 'hooks = "diglot.plugin.schemathesis_hooks"\n' if hooks else ""
    config.write_text(f'{line}[parameters]\n"path.accountId" = "{DEFAULT_ACCOUNT_ID}"\n')
    st = str(_ST) if _ST.exists() else shutil.which("st")
    assert st is not None, "schemathesis's st command is not installed: run scripts/setup"
    command = [
        st, "--config-file", str(config), "--no-color", "run", str(document),
        "--url", base_url, "--checks", "all", "--max-examples", "5", "--seed", "1",
        "--workers", "1", "--generation-database", "none", "--phases", "examples,fuzzing",
        "--include-operation-id", "listGroups", "--include-operation-id", "listSigningGroups",
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False
    )


def _tail(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr)[-6000:]


def test_plain_schemathesis_misses_the_xml_fault(tmp_path: Path) -> None:
    with running(fault="xml-child-order") as base_url:
        result = _st(tmp_path, base_url, hooks=False)
    assert result.returncode == 0, _tail(result)
    assert "No issues found" in result.stdout, _tail(result)


def test_with_the_extension_the_xml_fault_fails(tmp_path: Path) -> None:
    with running(fault="xml-child-order") as base_url:
        result = _st(tmp_path, base_url, hooks=True)
    assert result.returncode != 0, _tail(result)
    assert "Custom check failed: `diglot_contract`" in result.stdout, _tail(result)
    assert "[violation] schema.body on listGroups (xml)" in result.stdout, _tail(result)


def test_with_the_extension_an_equivalence_fault_fails(tmp_path: Path) -> None:
    with running(fault="xml-json-disagree") as base_url:
        result = _st(tmp_path, base_url, hooks=True)
    assert result.returncode != 0, _tail(result)
    assert "equivalence.json_xml on listGroups (xml)" in result.stdout, _tail(result)


def test_with_the_extension_the_clean_server_passes(tmp_path: Path) -> None:
    with running() as base_url:
        result = _st(tmp_path, base_url, hooks=True)
    assert result.returncode == 0, _tail(result)
    assert "No issues found" in result.stdout, _tail(result)


def test_the_deserializer_reads_xml_as_its_json_twin() -> None:
    import types

    import httpx

    from diglot.plugin import schemathesis_hooks

    deserialize_xml: Any = schemathesis_hooks.deserialize_xml  # typed by schemathesis

    with running() as base_url:
        url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups?count=2"
        as_json = httpx.get(url, headers={"Accept": "application/json"}).json()
        as_xml = httpx.get(url, headers={"Accept": "application/xml"}).content
    data = deserialize_xml(None, types.SimpleNamespace(content=as_xml))
    assert isinstance(data, dict)
    assert data["resultSetSize"] == as_json["resultSetSize"]
    assert [g["groupName"] for g in data["groups"]] == [g["groupName"] for g in as_json["groups"]]
    with pytest.raises(ValueError, match="cannot be read"):
        deserialize_xml(None, types.SimpleNamespace(content=b"<a><b></a>"))
