"""The reference server's optional OAuth side: DocuSign's JWT grant, and tokens that expire.

``diglot serve --require-auth`` (``running(require_auth=OAuthSettings(...))``) adds what
``account-d.docusign.com`` does for a service integration:

- ``POST /oauth/token`` with ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` and
  an ``assertion``: an RS256 JWT signed with the integration's private key, whose claims are
  ``iss`` (the integration key), ``sub`` (the user id), ``aud`` (the OAuth host), ``iat``,
  ``exp`` and ``scope`` (``signature impersonation``). It is verified against the configured
  public key; the answer is ``{"access_token", "token_type": "Bearer", "expires_in"}``, or 400
  ``{"error", "error_description"}`` as DocuSign words them (``invalid_grant``,
  ``no_valid_keys_or_signatures``, ``consent_required``...).
- every ``/restapi`` request needs ``Authorization: Bearer <access token>``: a missing,
  malformed or expired one is answered 401 with DocuSign's ``errorDetails``.

Access tokens are JWTs (as DocuSign's are) signed with a secret of this server's process;
their lifetime can be made short for tests.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class OAuthSettings:
    """What the OAuth side accepts.

    Attributes:
        public_key: the integration's RSA public key (PEM) that assertions must verify with.
        integration_key: the integration key (``iss``) it accepts; None accepts any.
        lifetime: seconds an access token lives (DocuSign: 3600; short ones for tests).
    """

    public_key: str
    integration_key: str | None = None
    lifetime: int = 3600


class OAuth:
    """The token endpoint and the bearer check of one server."""

    def __init__(self, settings: OAuthSettings) -> None:
        if settings.lifetime < 1:
            raise ValueError("the token lifetime is at least 1 second")
        self.settings = settings
        self._secret = secrets.token_bytes(32)
        self.issued = 0

    async def token(self, request: Request) -> Response:
        """``POST /oauth/token``: the JWT bearer grant."""
        import jwt
        from starlette.responses import JSONResponse

        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[0]
        assertion = form.get("assertion", [""])[0]
        if grant != JWT_BEARER:
            return _oauth_error("unsupported_grant_type", "unsupported_grant_type")
        if not assertion:
            return _oauth_error("invalid_request", "assertion is required")
        audience = request.headers.get("host", "")
        try:
            claims = jwt.decode(
                assertion,
                self.settings.public_key,
                algorithms=["RS256"],
                audience=[audience, audience.split(":")[0]],
                options={"require": ["iss", "sub", "aud", "iat", "exp"]},
                leeway=10,
            )
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_grant", "expired_assertion")
        except jwt.InvalidAudienceError:
            return _oauth_error("invalid_grant", "invalid_audience")
        except jwt.InvalidSignatureError:
            return _oauth_error("invalid_grant", "no_valid_keys_or_signatures")
        except jwt.PyJWTError:
            return _oauth_error("invalid_grant", "invalid_assertion")
        wanted = self.settings.integration_key
        if wanted is not None and claims.get("iss") != wanted:
            return _oauth_error("invalid_grant", "client_no_registered")
        if "signature" not in str(claims.get("scope", "")).split():
            return _oauth_error("invalid_scope", "the signature scope is required")
        now = time.time()
        access = jwt.encode(
            {
                "sub": claims["sub"],
                "iat": int(now),
                "exp": now + self.settings.lifetime,
                "scp": ["signature", "impersonation"],
                "jti": secrets.token_hex(8),
            },
            self._secret,
            algorithm="HS256",
        )
        self.issued += 1
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.settings.lifetime,
            },
            headers={"Cache-Control": "no-store"},
        )

    def valid(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header holds a live access token of this server."""
        import jwt

        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        try:
            jwt.decode(token.strip(), self._secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return True

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Wrap the API: every ``/restapi`` request needs a live bearer token, or 401."""
        oauth = self

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/restapi"):
                await app(scope, receive, send)
                return
            headers = dict(scope.get("headers") or [])
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            if oauth.valid(authorization):
                await app(scope, receive, send)
                return
            await _unauthorized(send)

        return guarded


def _oauth_error(error: str, description: str) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": error, "error_description": description}, status_code=400)


async def _unauthorized(send: Send) -> None:
    body: Any = {
        "errorCode": "AUTHORIZATION_INVALID_TOKEN",
        "message": "The access token provided is expired, revoked or malformed.",
    }
    data = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
                (b"www-authenticate", b'Bearer error="invalid_token"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
