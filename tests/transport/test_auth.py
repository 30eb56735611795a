"""DocuSign's JWT grant and the token command, end to end against the reference server's
OAuth side (``running(require_auth=...)``) over loopback: grant, use, expiry, refresh."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from diglot.cli import main
from diglot.model import Request
from diglot.server import DEFAULT_ACCOUNT_ID, running
from diglot.server._oauth import OAuthSettings
from diglot.transport._auth import AuthFailed, CommandToken, JwtGrant
from diglot.transport._client import Transport

INTEGRATION_KEY = "8c5e7a3b-1f2d-4e6a-9b0c-3d4e5f6a7b8c"
USER_ID = "2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return keypair()


@pytest.fixture
def server(keys: tuple[str, str]) -> Iterator[str]:
    """The reference server, requiring tokens that live two seconds."""
    settings = OAuthSettings(public_key=keys[1], integration_key=INTEGRATION_KEY, lifetime=2)
    with running(require_auth=settings) as base_url:
        yield base_url


def origin(base_url: str) -> str:
    return base_url.removesuffix("/restapi")


def list_groups(base_url: str) -> Request:
    url = f"{base_url}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    return Request("GET", url, {"Accept": "application/json"}, authenticated=True)


def test_the_api_refuses_a_missing_or_forged_token(server):
    url = f"{server}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
    assert httpx.get(url).status_code == 401
    forged = httpx.get(url, headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"})
    assert forged.status_code == 401
    assert forged.json()["errorCode"] == "AUTHORIZATION_INVALID_TOKEN"


@pytest.mark.slow
def test_grant_use_renew_before_expiry_and_once_after_a_401(server, keys):
    grant = JwtGrant(INTEGRATION_KEY, USER_ID, keys[0], origin(server))
    with Transport(server, auth=grant) as transport:
        response, failure = transport.send(list_groups(server))
        assert failure is None
        assert response is not None
        assert response.status == 200
        assert grant.requests == 1
        first = grant.token()
        assert grant.requests == 1  # still fresh: no new request

        time.sleep(1.7)  # within the renewal margin (a fifth) of a 2-second token
        response, _ = transport.send(list_groups(server))
        assert response is not None
        assert response.status == 200
        assert grant.requests == 2
        assert grant.token() != first

        # a token the server no longer accepts though diglot thinks it fresh (revoked, or
        # clocks apart): the 401 gets one new token and the request is sent again
        grant._expires = time.time() + 3600
        time.sleep(2.1)
        response, _ = transport.send(list_groups(server))
        assert response is not None
        assert response.status == 200
        assert grant.requests == 3
        assert transport.redactor.text(f"echo {grant.token()}") == "echo [REDACTED]"


def test_the_assertion_carries_what_docusign_asks_for(keys):
    import jwt

    grant = JwtGrant(INTEGRATION_KEY, USER_ID, keys[0], "account-d.docusign.com")
    claims = jwt.decode(
        grant.assertion(now=1_700_000_000),
        keys[1],
        algorithms=["RS256"],
        audience="account-d.docusign.com",
        options={"verify_exp": False},
    )
    assert claims == {
        "iss": INTEGRATION_KEY,
        "sub": USER_ID,
        "aud": "account-d.docusign.com",
        "iat": 1_700_000_000,
        "exp": 1_700_003_600,
        "scope": "signature impersonation",
    }
    assert grant.url == "https://account-d.docusign.com"
    assert JwtGrant(INTEGRATION_KEY, USER_ID, keys[0], "production").url == (
        "https://account.docusign.com"
    )


def test_a_wrong_key_is_refused_clearly(server):
    other_private, _ = keypair()
    grant = JwtGrant(INTEGRATION_KEY, USER_ID, other_private, origin(server))
    with pytest.raises(AuthFailed, match=r"refused the JWT grant with 400 .*no_valid_keys"):
        grant.token()


def test_the_cli_runs_with_the_jwt_grant_and_exits_3_on_a_wrong_key(
    server, keys, tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("DIGLOT_TOKEN", raising=False)
    monkeypatch.delenv("DIGLOT_TOKEN_COMMAND", raising=False)
    monkeypatch.delenv("DIGLOT_JWT_PRIVATE_KEY", raising=False)
    key_file = tmp_path / "private.pem"
    key_file.write_text(keys[0])
    common = [
        "run",
        "--base-url",
        server,
        "--account-id",
        DEFAULT_ACCOUNT_ID,
        "--operations",
        "listGroups",
        "--content-types",
        "json",
        "--max-examples",
        "3",
        "--seed",
        "5",
        "--report-dir",
        str(tmp_path / "reports"),
        "--jwt-integration-key",
        INTEGRATION_KEY,
        "--jwt-user-id",
        USER_ID,
        "--oauth-base",
        origin(server),
    ]
    assert main([*common, "--jwt-private-key", str(key_file)]) == 0
    out = capsys.readouterr()
    written = "".join(p.read_text() for p in (tmp_path / "reports").iterdir() if p.is_file())
    for text in (out.out, out.err, written):
        assert "PRIVATE KEY" not in text
        assert keys[0].splitlines()[1] not in text

    wrong = tmp_path / "wrong.pem"
    wrong.write_text(keypair()[0])
    monkeypatch.setenv("DIGLOT_JWT_PRIVATE_KEY", "ignored when a file is given")
    assert main([*common, "--jwt-private-key", str(wrong)]) == 3
    err = capsys.readouterr().err
    assert "refused the JWT grant with 400 (invalid_grant: no_valid_keys_or_signatures)" in err
    assert "Traceback" not in err
    assert "PRIVATE KEY" not in err


@pytest.mark.slow
def test_a_token_command_is_run_again_after_a_401(server, keys, tmp_path):
    grant = JwtGrant(INTEGRATION_KEY, USER_ID, keys[0], origin(server))
    token_file = tmp_path / "token"
    token_file.write_text(grant.token() + "\n")
    printer = f'{sys.executable} -c "import sys; print(open(sys.argv[1]).read())" {token_file}'
    command = CommandToken(printer)
    with Transport(server, auth=command) as transport:
        response, _ = transport.send(list_groups(server))
        assert response is not None
        assert response.status == 200
        assert command.runs == 1
        time.sleep(2.1)  # the server's token expired; the team's tooling has a new one
        token_file.write_text(f"Bearer {grant.refresh() and grant.token()}\n")
        response, _ = transport.send(list_groups(server))
        assert response is not None
        assert (response.status, command.runs) == (200, 2)


def test_a_failing_token_command_is_exit_3_without_its_output(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(
        "DIGLOT_TOKEN_COMMAND",
        f"{sys.executable} -c \"print('secret-output-xyz'); raise SystemExit(4)\"",
    )
    assert main(["run", "--no-reports", "--operations", "listGroups"]) == 3
    err = capsys.readouterr().err
    assert "exited 4" in err
    assert "secret-output-xyz" not in err


def test_runs_in_one_process_share_the_grant(keys, tmp_path):
    """The pytest plugin makes one run per item: they share one token, not one grant each."""
    from diglot.engine import RunOptions, run
    from diglot.engine._config import _SOURCES

    key_file = tmp_path / "private.pem"
    key_file.write_text(keys[0])
    settings = OAuthSettings(public_key=keys[1], integration_key=INTEGRATION_KEY, lifetime=600)
    with running(require_auth=settings) as base_url:
        options = RunOptions(
            base_url=base_url, account_id=DEFAULT_ACCOUNT_ID, operations=("listGroups",),
            content_types=("json",), max_examples=1, stateful=False, seed=1,
            jwt_integration_key=INTEGRATION_KEY, jwt_user_id=USER_ID,
            jwt_private_key=key_file, oauth_base=origin(base_url),
        )  # fmt: skip
        before = set(_SOURCES)
        for _ in range(3):
            result = run(options)
            assert not result.failed()
            assert result.options["authenticated"] is True
    (new,) = set(_SOURCES) - before
    grant = _SOURCES[new]
    assert isinstance(grant, JwtGrant)
    assert grant.requests == 1
