from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, FAULTS


def test_list_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--list-faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        assert line.split()[:2] == [fault.name, fault.family.value]
        assert fault.description in line


def test_unknown_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--fault", "ignore-acept"]) == 2
    err = capsys.readouterr().err
    assert "unknown fault 'ignore-acept'" in err
    assert "ignore-accept" in err


def test_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert "--port" in capsys.readouterr().err


def test_serve_runs_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "diglot", "serve", "--port", "0", "--fault", "ignore-accept"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            base_url = first.rsplit(" ", 1)[-1].strip()
            assert "with fault ignore-accept" in first
            assert base_url.endswith("/restapi")
            response = httpx.get(
                f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups",
                headers={"accept": "application/xml"},
            )
            assert response.status_code == 200
            assert response.json()["groups"]
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=15)
            assert process.returncode == 0, err
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", port])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--port" in err
    assert "Traceback" not in err
