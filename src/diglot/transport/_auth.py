"""Where the bearer token comes from: fixed, a command of the team's, or DocuSign's JWT grant.

A :class:`TokenSource` gives the transport the token to send and, after a 401, a new one
(once per request). Three sources:

- :class:`StaticToken`: ``DIGLOT_TOKEN``, as it is; a 401 is final.
- :class:`CommandToken`: ``DIGLOT_TOKEN_COMMAND``, run (no shell) for a token on its standard
  output, and run again after a 401.
- :class:`JwtGrant`: DocuSign's JWT grant for service integrations, as the eSignature SDK does
  it (``ApiClient.request_jwt_user_token``): an RS256 assertion signed with the integration's
  private key (claims ``iss`` = integration key, ``sub`` = user id, ``aud`` = the OAuth host,
  ``iat``, ``exp``, ``scope`` = ``signature impersonation``) posted to
  ``https://account-d.docusign.com/oauth/token`` (``account.docusign.com`` in production); the
  access token is requested again before it expires and after a 401.

No source ever puts the token, the private key or a command's output in a message.
"""

from __future__ import annotations

import shlex
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from diglot._display import inert
from diglot.errors import TargetUnreachable, UsageError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPES = "signature impersonation"
ASSERTION_LIFETIME = 3600
"""Seconds the signed assertion is valid (DocuSign accepts at most an hour)."""
OAUTH_HOSTS = {"demo": "account-d.docusign.com", "production": "account.docusign.com"}


class AuthFailed(TargetUnreachable):
    """No usable token could be had (a refused grant, a failing command): exit code 3."""


class TokenSource(Protocol):
    def token(self) -> str:
        """The token to send now (fetched or renewed when needed)."""
        ...

    def refresh(self) -> bool:
        """After a 401: get a new token; False when this source cannot."""
        ...


class StaticToken:
    """A fixed token (``DIGLOT_TOKEN``)."""

    def __init__(self, value: str) -> None:
        self._value = value

    def token(self) -> str:
        return self._value

    def refresh(self) -> bool:
        return False


class CommandToken:
    """A token printed by a command (``DIGLOT_TOKEN_COMMAND``), run again after a 401."""

    def __init__(self, command: str, *, timeout: float = 60.0) -> None:
        self._argv = shlex.split(command)
        if not self._argv:
            raise UsageError("DIGLOT_TOKEN_COMMAND is empty")
        self._timeout = timeout
        self._value: str | None = None
        self.runs = 0
        self.on_new: Callable[[str], None] | None = None

    def token(self) -> str:
        if self._value is None:
            self._value = self._run()
        return self._value

    def refresh(self) -> bool:
        self._value = self._run()
        return True

    def _run(self) -> str:
        shown = inert(self._argv[0], limit=80)
        self.runs += 1
        try:
            # the user's own command, without a shell
            done = subprocess.run(
                self._argv, capture_output=True, timeout=self._timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AuthFailed(
                f"DIGLOT_TOKEN_COMMAND ({shown}) could not run: {type(exc).__name__}"
            ) from None
        if done.returncode != 0:
            raise AuthFailed(
                f"DIGLOT_TOKEN_COMMAND ({shown}) exited {done.returncode}; its output is not "
                "shown (it may hold a secret)"
            )
        value = done.stdout.decode("utf-8", "replace").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value or any(not " " < ch < "\x7f" for ch in value):
            raise AuthFailed(
                f"DIGLOT_TOKEN_COMMAND ({shown}) printed no token (one line of printable ASCII)"
            )
        if self.on_new is not None:
            self.on_new(value)
        return value


def oauth_url(base: str) -> str:
    """``account-d.docusign.com`` or a full URL -> the token endpoint's origin, no slash."""
    base = OAUTH_HOSTS.get(base, base)
    if "://" not in base:
        base = "https://" + base
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"--oauth-base {inert(base, limit=100)} is not an OAuth host: use "
            "account-d.docusign.com (demo) or account.docusign.com (production)"
        )
    return f"{parts.scheme}://{parts.netloc}"


class JwtGrant:
    """DocuSign's JWT grant: an access token from a signed assertion, renewed before expiry.

    Args:
        integration_key: the integration's key (client id), the assertion's ``iss``.
        user_id: the user to impersonate (a GUID), the ``sub``.
        private_key: the integration's RSA private key, PEM.
        oauth_base: ``account-d.docusign.com`` (demo), ``account.docusign.com``, or a URL.
        scopes: space-separated scopes.
        timeout: seconds for the token request.
        verify: TLS verification for the token request (a CA bundle path, or True).
        proxy: a forward proxy for the token request (``--proxy``), or None.
    """

    def __init__(
        self,
        integration_key: str,
        user_id: str,
        private_key: str,
        oauth_base: str = OAUTH_HOSTS["demo"],
        *,
        scopes: str = SCOPES,
        timeout: float = 30.0,
        verify: ssl.SSLContext | str | bool = True,
        proxy: str | None = None,
    ) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            self._key = load_pem_private_key(private_key.encode("utf-8"), password=None)
        except (ValueError, TypeError):
            raise UsageError(
                "the JWT private key is not an unencrypted RSA private key in PEM "
                "(-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)"
            ) from None
        self.integration_key = integration_key
        self.user_id = user_id
        self.url = oauth_url(oauth_base)
        self.scopes = scopes
        self._timeout = timeout
        self._verify = verify
        self._proxy = proxy
        self._value: str | None = None
        self._expires = 0.0
        self._lifetime = 0.0
        self._lock = threading.Lock()
        self.requests = 0
        """Token requests made (for tests and the run's record)."""
        self.on_new: Callable[[str], None] | None = None
        """Called with every new access token (the transport's redactor learns it)."""

    def token(self) -> str:
        with self._lock:
            margin = min(300.0, self._lifetime / 5)
            if self._value is None or time.time() >= self._expires - margin:
                self._fetch()
            assert self._value is not None
            return self._value

    def refresh(self) -> bool:
        with self._lock:
            self._fetch()
        return True

    def assertion(self, now: float | None = None) -> str:
        """The signed RS256 assertion (``iss``, ``sub``, ``aud``, ``iat``, ``exp``, ``scope``)."""
        import jwt

        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.integration_key,
            "sub": self.user_id,
            "aud": urlsplit(self.url).netloc,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME,
            "scope": self.scopes,
        }
        return jwt.encode(claims, self._key, algorithm="RS256")  # type: ignore[arg-type]

    def _fetch(self) -> None:
        import httpx

        self.requests += 1
        where = f"the OAuth token endpoint {self.url}/oauth/token"
        try:
            with httpx.Client(
                timeout=self._timeout, verify=self._verify, proxy=self._proxy, trust_env=False
            ) as client:
                answer = client.post(
                    f"{self.url}/oauth/token",
                    data={"grant_type": JWT_BEARER, "assertion": self.assertion()},
                )
        except httpx.HTTPError as exc:
            raise AuthFailed(f"{where} did not answer: {type(exc).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", "") if isinstance(body, dict) else ""
            detail = body.get("error_description", "") if isinstance(body, dict) else ""
            said = inert(f"{error}: {detail}" if detail else str(error), limit=200)
            hint = (
                " Grant consent for the integration key first (DocuSign's consent URL with "
                "scope=signature%20impersonation)."
                if "consent" in said
                else " Check the integration key, the user id, the private key (it must be the "
                "pair of the public key registered for the integration) and --oauth-base."
            )
            raise AuthFailed(
                f"{where} refused the JWT grant with {answer.status_code}"
                + (f" ({said})" if said else "")
                + "."
                + hint
            )
        value = body.get("access_token")
        lifetime = body.get("expires_in", 3600)
        if not isinstance(value, str) or not value:
            raise AuthFailed(f"{where} answered 200 without an access_token")
        try:
            self._lifetime = max(float(lifetime), 1.0)
        except (TypeError, ValueError):
            self._lifetime = 3600.0
        self._value = value
        self._expires = time.time() + self._lifetime
        if self.on_new is not None:
            self.on_new(value)


def token_source(
    *,
    token: str | None,
    token_command: str | None,
    integration_key: str | None,
    user_id: str | None,
    private_key: str | None,
    oauth_base: str,
    verify: ssl.SSLContext | str | bool = True,
    proxy: str | None = None,
) -> TokenSource | None:
    """The source the options ask for: the JWT grant, else a command, else a static token."""
    jwt_parts = {
        "--jwt-integration-key": integration_key,
        "--jwt-user-id": user_id,
        "--jwt-private-key (or DIGLOT_JWT_PRIVATE_KEY)": private_key,
    }
    given = [name for name, value in jwt_parts.items() if value]
    if given and len(given) < len(jwt_parts):
        missing = ", ".join(name for name, value in jwt_parts.items() if not value)
        raise UsageError(f"the JWT grant needs {missing} too")
    if integration_key and user_id and private_key:
        return JwtGrant(
            integration_key, user_id, private_key, oauth_base, verify=verify, proxy=proxy
        )
    if token_command:
        return CommandToken(token_command)
    if token:
        return StaticToken(token)
    return None
