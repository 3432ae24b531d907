"""API Gateway's JWT authorizer, as the HTTP API documents it, for the local gateway.

For a route with a JWT authorizer, before the function runs ("Controlling access to HTTP APIs with JWT
authorizers", API Gateway Developer Guide):

1. the token is the identity source's value (the Authorization header), alone or after `Bearer `;
2. it must be a JWT signed with an RSA algorithm by a key of the issuer's JWKS, found by its `kid` (the JWKS
   is found through the issuer's `/.well-known/openid-configuration`, as API Gateway finds it);
3. `iss` must be the configured issuer; `aud`, or `client_id` when the token has no `aud`, one of the
   configured audiences; `exp` after now, `nbf` and `iat` (when present) not after now.

Anything else is a 401 `{"message":"Unauthorized"}`, and the function is not invoked. A token that passes
reaches the function in the payload 2.0 event as `requestContext.authorizer.jwt`: its `claims`, each as a
string (numbers and booleans as text, arrays as `[a b]`, objects as JSON; null claims left out), and `scopes`,
null for a route that asks for none (this API's routes ask for none).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

import jwt

from conveyor_local.http_api import JwtAuthorizer

RSA_ALGORITHMS = ("RS256", "RS384", "RS512")
_FETCH_TIMEOUT_SECONDS = 5
# API Gateway caches an issuer's public keys for up to two hours; a token with an unknown `kid` refetches.
_KEYS_CACHE_SECONDS = 2 * 3600


class UnauthorizedError(Exception):
    """The request does not carry a token the authorizer accepts; the message says why (for logs only)."""


class IssuerKeys:
    """Each issuer's public keys: a PyJWKClient on the JWKS its discovery document names.

    `discovery` maps an issuer (as the authorizer names it, e.g. the Cognito URL) to the base URL under which
    its `/.well-known/openid-configuration` is served: the issuer URL itself for a real issuer; locally, the
    pool's path on the moto server, whose discovery document names moto's own JWKS URL.
    """

    def __init__(self, discovery: Mapping[str, str]) -> None:
        self._discovery = dict(discovery)
        self._clients: dict[str, jwt.PyJWKClient] = {}
        self._lock = threading.Lock()

    def key(self, issuer: str, key_id: str) -> jwt.PyJWK:
        try:
            return self._client(issuer).get_signing_key(key_id)
        except jwt.PyJWKClientError as error:
            raise UnauthorizedError(f"no key {key_id!r} of the issuer: {error}") from error

    def _client(self, issuer: str) -> jwt.PyJWKClient:
        with self._lock:
            if issuer not in self._clients:
                self._clients[issuer] = jwt.PyJWKClient(
                    self._jwks_uri(issuer), lifespan=_KEYS_CACHE_SECONDS, timeout=_FETCH_TIMEOUT_SECONDS
                )
            return self._clients[issuer]

    def _jwks_uri(self, issuer: str) -> str:
        base = self._discovery.get(issuer, issuer).rstrip("/")
        try:
            with urllib.request.urlopen(
                f"{base}/.well-known/openid-configuration", timeout=_FETCH_TIMEOUT_SECONDS
            ) as response:
                return str(json.loads(response.read())["jwks_uri"])
        except (OSError, ValueError, KeyError) as error:
            raise UnauthorizedError(f"the issuer's discovery document could not be read: {error}") from error


def authorize(authorizer: JwtAuthorizer, headers: Mapping[str, str], keys: IssuerKeys) -> dict[str, Any]:
    """The event's `requestContext.authorizer` for a request whose token passes; UnauthorizedError if not."""
    token = _token(headers.get(authorizer.header, ""))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise UnauthorizedError(f"not a JWT: {error}") from error
    algorithm = header.get("alg")
    if algorithm not in RSA_ALGORITHMS:
        raise UnauthorizedError(f"signed with {algorithm!r}, not an RSA algorithm")
    key_id = header.get("kid")
    if not isinstance(key_id, str):
        raise UnauthorizedError("the token's header has no kid")
    key = keys.key(authorizer.issuer, key_id)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=authorizer.issuer,
            options={"verify_aud": False, "require": ["exp", "iss"]},
        )
    except jwt.PyJWTError as error:
        raise UnauthorizedError(str(error)) from error
    _check_times(claims)
    _check_audience(claims, authorizer.audiences)
    return {"jwt": {"claims": _as_strings(claims), "scopes": None}}


def _token(value: str) -> str:
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    if not value:
        raise UnauthorizedError("no token in the identity source")
    return value


def _check_times(claims: Mapping[str, Any]) -> None:
    # PyJWT checks exp and nbf; API Gateway refuses an iat in the future too, whatever PyJWT's version does.
    issued = claims.get("iat")
    if issued is not None and (not isinstance(issued, int | float) or issued > time.time()):
        raise UnauthorizedError("iat is not before now")


def _check_audience(claims: Mapping[str, Any], audiences: tuple[str, ...]) -> None:
    if "aud" in claims:
        given = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if not set(map(str, given)) & set(audiences):
            raise UnauthorizedError("aud is none of the authorizer's audiences")
    elif claims.get("client_id") not in audiences:
        raise UnauthorizedError("client_id (the token has no aud) is none of the authorizer's audiences")


def _as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    return {name: _claim_text(value) for name, value in claims.items() if value is not None}


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
