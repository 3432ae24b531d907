"""A local stand-in for a Cognito user pool's token issuer, for the local stack's sign-in mode and the tests.

It makes an RSA key when it starts and signs tokens shaped as Cognito's (RS256, `kid` in the header): access
tokens with `iss` (the pool's Cognito issuer URL), `client_id`, `token_use` = access, `sub`, `username`,
`scope`, `auth_time`, `iat`, `exp`, `jti`; id tokens with `aud` (the client id) and `cognito:username`
instead. Over HTTP it serves, as Cognito does under the issuer URL,
`/<pool id>/.well-known/openid-configuration` and `/<pool id>/.well-known/jwks.json`, plus one thing Cognito
has no equivalent of, for development only: `POST /local/tokens` with `{"username": "alice"}` answers fresh
tokens for that user, as a sign-in would.

Only the local gateway's JWT authorizer and the tests know of it: the issuer URL in the tokens is the Cognito
one the api stack was deployed with, and `jwks_base_url` is where the gateway fetches that issuer's keys.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from conveyor_local.config import REGION
from conveyor_local.http_serving import BackgroundHttpServer, serve_in_background

ACCESS_TOKEN_SCOPE = "aws.cognito.signin.user.admin"
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
TOKENS_PATH = "/local/tokens"
_SUB_NAMESPACE = uuid.UUID("6f1d4a4e-9f57-4c1b-9a53-3f1e4c0c2d6a")


def cognito_issuer_url(user_pool_id: str, region: str = REGION) -> str:
    """The `iss` of a Cognito user pool's tokens, which an API Gateway JWT authorizer is configured with."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


@dataclass
class LocalIssuer:
    """Signs tokens for one user pool and app client; `serve` publishes its keys over HTTP."""

    user_pool_id: str
    client_id: str
    region: str = REGION
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), repr=False
    )

    @property
    def issuer(self) -> str:
        return cognito_issuer_url(self.user_pool_id, self.region)

    def sub(self, username: str) -> str:
        """A user's `sub`: a UUID, as Cognito's, the same for the same pool and username on every start."""
        return str(uuid.uuid5(_SUB_NAMESPACE, f"{self.user_pool_id}/{username}"))

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def access_token(
        self,
        username: str,
        *,
        lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
        now: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A Cognito access token for `username`; `claims` adds or replaces any claim (None removes one)."""
        issued = int(time.time() if now is None else now)
        base = {
            "sub": self.sub(username),
            "iss": self.issuer,
            "client_id": self.client_id,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": ACCESS_TOKEN_SCOPE,
            "auth_time": issued,
            "exp": issued + lifetime_seconds,
            "iat": issued,
            "jti": str(uuid.uuid4()),
            "username": username,
        }
        return self.sign(_merged(base, claims))

    def id_token(
        self,
        username: str,
        *,
        lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
        now: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A Cognito id token for `username`: `aud` is the client id; no `client_id`, no `scope`."""
        issued = int(time.time() if now is None else now)
        base = {
            "sub": self.sub(username),
            "iss": self.issuer,
            "aud": self.client_id,
            "cognito:username": username,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": issued,
            "exp": issued + lifetime_seconds,
            "iat": issued,
            "jti": str(uuid.uuid4()),
        }
        return self.sign(_merged(base, claims))

    def sign(self, claims: Mapping[str, Any], *, key_id: str | None = None) -> str:
        """Any claims, signed RS256 with this issuer's key (`key_id` overrides the header's `kid`)."""
        return jwt.encode(dict(claims), self._key, algorithm="RS256", headers={"kid": key_id or self.key_id})

    def tokens(self, username: str, lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS) -> dict[str, Any]:
        """What a sign-in answers (Cognito's InitiateAuth AuthenticationResult, in OAuth's spelling)."""
        return {
            "access_token": self.access_token(username, lifetime_seconds=lifetime_seconds),
            "id_token": self.id_token(username, lifetime_seconds=lifetime_seconds),
            "token_type": "Bearer",
            "expires_in": lifetime_seconds,
            "sub": self.sub(username),
        }

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> BackgroundHttpServer:
        """Publish the keys (and the development token endpoint) on `host:port`; `.url` says where."""
        issuer = self

        class Handler(_IssuerRequestHandler):
            served = issuer

        return serve_in_background(host, port, Handler, name="local-issuer")

    def jwks_base_url(self, served_at: str) -> str:
        """Where, on the server `serve` started at `served_at`, this pool's `.well-known` documents are."""
        return f"{served_at}/{self.user_pool_id}"


def _merged(base: dict[str, Any], claims: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**base, **(claims or {})}
    return {name: value for name, value in merged.items() if value is not None}


class _IssuerRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served: ClassVar[LocalIssuer]

    def do_GET(self) -> None:
        base = f"/{self.served.user_pool_id}/.well-known"
        host = self.headers.get("host") or "{}:{}".format(*self.connection.getsockname()[:2])
        if self.path == f"{base}/openid-configuration":
            self._send(
                200,
                {
                    "issuer": self.served.issuer,
                    "jwks_uri": f"http://{host}{base}/jwks.json",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "subject_types_supported": ["public"],
                    "response_types_supported": ["code", "token"],
                },
            )
        elif self.path == f"{base}/jwks.json":
            self._send(200, self.served.jwks())
        else:
            self._send(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        if self.path != TOKENS_PATH:
            self._send(404, {"message": "Not Found"})
            return
        length = int(self.headers.get("content-length", "0") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
            username = request["username"]
            lifetime = int(request.get("expires_in", DEFAULT_TOKEN_LIFETIME_SECONDS))
        except (ValueError, KeyError, TypeError):
            self._send(400, {"message": 'send {"username": "...", "expires_in": seconds (optional)}'})
            return
        if not isinstance(username, str) or not username or lifetime < 1:
            self._send(400, {"message": "username must be a non-empty string and expires_in positive"})
            return
        self._send(200, self.served.tokens(username, lifetime))

    def _send(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: token requests are not worth a line in `make dev`'s log."""
