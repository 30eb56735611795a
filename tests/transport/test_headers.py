"""-H 'Name: value': extra headers on every request (and in every curl line), never diglot's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diglot.cli import main
from diglot.server import DEFAULT_ACCOUNT_ID, create_app, serve_app


@pytest.fixture
def recording() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """The reference server, keeping the headers of every request it gets."""
    app = create_app()
    seen: list[dict[str, str]] = []

    async def recorder(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
        await app(scope, receive, send)

    with serve_app(recorder) as base_url:  # type: ignore[arg-type]
        yield base_url, seen
    app.state.store.close()


def test_extra_headers_go_on_every_request_and_in_the_curl_lines(recording, tmp_path):
    base_url, seen = recording
    code = main(
        ["run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
         "--operations", "listGroups,createGroups", "--content-types", "json",
         "--max-examples", "2", "--seed", "2", "--no-stateful", "--report-dir", str(tmp_path),
         "-H", "X-Team: payments", "--header", "X-Trace-Id: abc-123"]
    )  # fmt: skip
    assert code in (0, 1)
    assert len(seen) > 5
    for headers in seen:
        assert headers["x-team"] == "payments"
        assert headers["x-trace-id"] == "abc-123"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["options"]["header"] == ["X-Team: payments", "X-Trace-Id: abc-123"]


@pytest.mark.parametrize("name", ["Authorization", "accept", "Content-Type"])
def test_diglots_own_headers_cannot_be_replaced(name, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["run", "--no-reports", "-H", f"{name}: x"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "diglot sets" in err
    assert "Traceback" not in err


def test_headers_from_the_config_file(tmp_path: Path) -> None:
    from diglot.engine._config import resolve
    from diglot.errors import UsageError

    (tmp_path / "diglot.toml").write_text('header = ["X-Team: payments", "X-Env: staging"]\n')
    assert resolve({}, start=tmp_path).header == ("X-Team: payments", "X-Env: staging")
    (tmp_path / "diglot.toml").write_text('header = ["Authorization: Bearer x"]\n')
    with pytest.raises(UsageError, match=r"diglot.toml:1: key 'header': -H Authorization"):
        resolve({}, start=tmp_path)


def test_a_credential_header_is_sent_but_never_written(recording, tmp_path, capsys):
    base_url, seen = recording
    secret = "sekrit-gateway-key-4711"
    code = main(
        ["run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
         "--operations", "listGroups", "--content-types", "json", "--max-examples", "2",
         "--seed", "2", "--no-stateful", "--report-dir", str(tmp_path),
         "-H", f"X-Api-Key: {secret}"]
    )  # fmt: skip
    assert code == 0
    assert seen
    assert all(headers["x-api-key"] == secret for headers in seen)
    out = capsys.readouterr()
    written = "".join(p.read_text() for p in tmp_path.iterdir() if p.is_file())
    for text in (out.out, out.err, written):
        assert secret not in text
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["options"]["header"] == ["X-Api-Key: [REDACTED]"]
