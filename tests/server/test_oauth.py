"""``diglot serve --require-auth``: the OAuth side from the command line, in its own process."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from diglot.server import DEFAULT_ACCOUNT_ID
from diglot.transport._auth import AuthFailed, JwtGrant


def test_serve_require_auth_grants_tokens_and_refuses_requests_without_one(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "public.pem").write_bytes(public)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "diglot",
            "serve",
            "--port",
            "0",
            "--require-auth",
            str(tmp_path / "public.pem"),
            "--integration-key",
            "ik-1",
            "--token-lifetime",
            "60",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.search(r"(http://\S+/restapi)", line)
        assert found, line
        base = found.group(1)
        url = f"{base}/v2.1/accounts/{DEFAULT_ACCOUNT_ID}/groups"
        assert httpx.get(url, timeout=10).status_code == 401
        token = JwtGrant("ik-1", "user-1", private, base.removesuffix("/restapi")).token()
        answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200
        assert answer.json()["groups"]
        other = JwtGrant("ik-2", "user-1", private, base.removesuffix("/restapi"))
        with pytest.raises(AuthFailed, match="client_no_registered"):
            other.token()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
