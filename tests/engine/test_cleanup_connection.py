"""``diglot cleanup`` connects as ``diglot run`` does (issue 15): the JWT grant, ``--proxy``,
``--ca-bundle``, ``-H``, the staging manners and the configuration file, from the one option
table; and ``--name-prefix`` says what a search by name can and cannot find.

Real HTTP on loopback: the reference server with its OAuth side (``running(require_auth=...)``),
an SQLite file to count what is left, a forward proxy process, a recording reverse proxy
(``tests.hostile``), and the reference server behind TLS with a private CA.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from diglot.cli import ExitCode, main
from diglot.cli.cleanup import BY_NAME, CONNECTION
from diglot.engine import OPTIONS, RunOptions, run
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.server._oauth import OAuthSettings
from tests.hostile.server import HostileServer
from tests.hostile.throttling import Throttling
from tests.transport.test_auth import keypair
from tests.transport.test_proxy_option import forward_proxy, forwarded
from tests.transport.test_tls import serve_tls

INTEGRATION_KEY = "5d2c1b0a-9e8f-4a7b-8c6d-1e2f3a4b5c6d"
USER_ID = "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return keypair()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DIGLOT_TOKEN", "DIGLOT_TOKEN_COMMAND", "DIGLOT_JWT_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def oauth_staging(keys: tuple[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The reference server requiring DocuSign JWT-grant tokens, over an SQLite file."""
    db = tmp_path / "staging.db"
    settings = OAuthSettings(public_key=keys[1], integration_key=INTEGRATION_KEY)
    with running(db_path=str(db), require_auth=settings) as base_url:
        yield base_url, db


def jwt_flags(base_url: str, key_file: Path) -> list[str]:
    return [
        "--jwt-integration-key", INTEGRATION_KEY, "--jwt-user-id", USER_ID,
        "--jwt-private-key", str(key_file), "--oauth-base", base_url.removesuffix("/restapi"),
    ]  # fmt: skip


def left(db: Path, prefix: str = "diglot-") -> tuple[int, int]:
    """Groups and open users in the database whose names start with ``prefix``."""
    with sqlite3.connect(db) as conn:
        like = prefix + "%"
        groups = conn.execute("SELECT count(*) FROM groups_ WHERE name LIKE ?", (like,))
        users = conn.execute(
            "SELECT count(*) FROM users WHERE user_name LIKE ? AND status != 'Closed'", (like,)
        )
        return groups.fetchone()[0], users.fetchone()[0]


def test_cleanup_takes_the_runs_connection_options_from_the_one_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["cleanup", "--help"])
    shown = capsys.readouterr().out
    table = {spec.name: spec for spec in OPTIONS}
    for name in CONNECTION:
        assert table[name].cli_flag in shown, name
        assert table[name].help.split()[0] in shown, name  # the table's own help
    for name in ("jwt_integration_key", "proxy", "ca_bundle", "header", "timeout", "config"):
        assert name in CONNECTION


def test_a_crashed_runs_leftovers_are_removed_with_the_jwt_grant(
    oauth_staging: tuple[str, Path],
    keys: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base_url, db = oauth_staging
    key_file = tmp_path / "private.pem"
    key_file.write_text(keys[0])
    reports = tmp_path / "r"
    code = main(
        [
            "run", "--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID,
            "--operations", "createGroups,createUsers", "--content-types", "json",
            "--max-examples", "2", "--seed", "4", "--no-stateful", "--no-cleanup",
            "--report-dir", str(reports), *jwt_flags(base_url, key_file),
        ]
    )  # fmt: skip
    assert code == ExitCode.OK
    report = reports / "report.json"
    (resources,) = json.loads(report.read_text("utf-8"))["resources"]
    groups = sum(r["kind"] == "group" for r in resources["created"])
    users = sum(r["kind"] == "user" for r in resources["created"])
    assert groups
    assert users
    assert left(db) == (groups, users)
    capsys.readouterr()

    # without the grant the target refuses every delete: reported, nothing removed
    assert main(["cleanup", str(report)]) == ExitCode.VIOLATIONS
    out = capsys.readouterr().out
    assert "answered 401" in out
    assert f"removed 0, left {groups + users}" in out
    assert left(db) == (groups, users)

    # with the run's own JWT options: everything goes, and the report says so
    assert main(["cleanup", str(report), *jwt_flags(base_url, key_file)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"removed {groups + users}, left 0" in out
    assert left(db) == (0, 0)
    (after,) = json.loads(report.read_text("utf-8"))["resources"]
    assert after["cleanup"] == "done"
    assert "PRIVATE KEY" not in out + report.read_text("utf-8")


@pytest.fixture(name="forward_proxy")
def _forward_proxy() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    yield from forward_proxy()


def test_by_name_through_a_proxy_with_the_jwt_grant_from_the_config_file(
    oauth_staging: tuple[str, Path],
    keys: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forward_proxy: tuple[str, subprocess.Popen[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    base_url, db = oauth_staging
    key_file = tmp_path / "private.pem"
    key_file.write_text(keys[0])
    prefix = "ci-proxy-"
    created = run(
        RunOptions(
            base_url=base_url,
            account_id=DEFAULT_ACCOUNT_ID,
            jwt_integration_key=INTEGRATION_KEY,
            jwt_user_id=USER_ID,
            jwt_private_key=key_file,
            oauth_base=base_url.removesuffix("/restapi"),
            operations=("createGroups",),
            content_types=("json",),
            max_examples=2,
            stateful=False,
            name_prefix=prefix,
            cleanup=False,
            seed=8,
        )
    )
    groups = len(created.resources[0].created)
    assert groups
    assert left(db, prefix)[0] == groups
    # the target and the JWT grant in diglot.toml, as the team's `diglot run` reads them
    (tmp_path / "diglot.toml").write_text(
        f'base-url = "{base_url}"\n'
        f'account-id = "{DEFAULT_ACCOUNT_ID}"\n'
        f'jwt-integration-key = "{INTEGRATION_KEY}"\n'
        f'jwt-user-id = "{USER_ID}"\n'
        f'jwt-private-key = "private.pem"\n'
        f'oauth-base = "{base_url.removesuffix("/restapi")}"\n'
    )
    monkeypatch.chdir(tmp_path)
    url, process = forward_proxy
    capsys.readouterr()
    assert main(["cleanup", "--name-prefix", prefix, "--proxy", url]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.startswith(f"diglot cleanup: {BY_NAME}\n")
    assert f"removed {groups}, left 0" in out
    assert left(db, prefix)[0] == 0
    lines = forwarded(process)
    # the grant, the search and the deletes: every request went through the proxy
    assert any("/oauth/token" in line for line in lines)
    assert any(line.startswith("via GET ") and "search_text=ci-proxy-" in line for line in lines)
    assert any(line.startswith("via DELETE ") and "/groups" in line for line in lines)


def test_name_prefix_says_what_it_can_and_cannot_find(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running() as base_url:
        target = ["--base-url", base_url, "--account-id", DEFAULT_ACCOUNT_ID]
        for extra in ([], ["--dry-run"]):
            assert main(["cleanup", "--name-prefix", "nobody-", *target, *extra]) == 0
            out = capsys.readouterr().out
            assert "--name-prefix finds groups only (list groups' search_text)" in out
            assert "users cannot be found by name" in out
            assert "users are found only from a report" in out
            assert "`diglot cleanup REPORT.json` closes those its run created" in out
            assert "no group named 'nobody-'" in out


def test_extra_headers_and_the_token_reach_the_target_on_every_cleanup_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGLOT_TOKEN", "  static-T0ken-value\n")
    with running() as upstream:
        created = run(
            RunOptions(
                base_url=upstream,
                account_id=DEFAULT_ACCOUNT_ID,
                operations=("createGroups",),
                content_types=("json",),
                max_examples=1,
                stateful=False,
                name_prefix="ci-headers-",
                cleanup=False,
                seed=3,
            )
        )
        assert created.resources[0].created
        recorder = Throttling(upstream, limit=10_000, budget_headers=False)  # a relay
        with HostileServer(recorder) as server:
            code = main(
                [
                    "cleanup", "--name-prefix", "ci-headers-", "--base-url", server.base_url,
                    "--account-id", DEFAULT_ACCOUNT_ID, "-H", "X-Team: payments",
                    "-H", "X-Api-Key: k3y-s3cr3t-value", "--rate-limit", "50",
                ]
            )  # fmt: skip
        assert code == ExitCode.OK
    sent = server.requests
    assert {r.method for r in sent} == {"GET", "DELETE"}
    for request in sent:
        assert request.headers["x-team"] == "payments"
        assert request.headers["x-api-key"] == "k3y-s3cr3t-value"
        assert request.headers["authorization"] == "Bearer static-T0ken-value"
    assert "k3y-s3cr3t-value" not in capsys.readouterr().out


@pytest.fixture
def tls_target(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield from serve_tls(tmp_path)


def test_ca_bundle_makes_a_private_ca_target_cleanable(
    tls_target: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base_url, ca_pem = tls_target
    target = [
        "--name-prefix",
        "nobody-",
        "--base-url",
        base_url,
        "--account-id",
        DEFAULT_ACCOUNT_ID,
    ]
    assert main(["cleanup", *target]) == ExitCode.UNREACHABLE
    err = capsys.readouterr().err
    assert "certificate" in err.lower()
    assert "--ca-bundle" in err
    assert main(["cleanup", *target, "--ca-bundle", str(ca_pem)]) == ExitCode.OK
    assert "no group named" in capsys.readouterr().out
