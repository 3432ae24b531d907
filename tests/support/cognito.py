"""Tokens moto's Cognito would not issue (expired, not yet valid, for another client…), for the authorizer's
refusals.

moto signs every user pool's tokens with one RSA key it ships (`kid` "dummy", the only key of each pool's
JWKS), and issues each for an hour from now. A test that needs a token Cognito would only issue at another
time, or never, re-signs a real token's claims, changed, with that key: the gateway then sees a token whose
signature its issuer's keys verify, wrong only in what the test changed.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jwt

MOTO_KEY_ID = "dummy"


@functools.cache
def moto_cognito_key() -> jwt.PyJWK:
    """The private key moto signs every user pool's tokens with."""
    packed = (resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz").read_bytes()
    return jwt.PyJWK(json.loads(gzip.decompress(packed)), algorithm="RS256")


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def resigned(
    token: str,
    changes: Mapping[str, Any],
    *,
    key: Any = None,
    key_id: str = MOTO_KEY_ID,
    algorithm: str = "RS256",
) -> str:
    """`token`'s claims with `changes` (a None value removes that claim), signed with `key` (moto's)."""
    claims = {name: value for name, value in (claims_of(token) | dict(changes)).items() if value is not None}
    signing_key = moto_cognito_key().key if key is None else key
    return jwt.encode(claims, signing_key, algorithm=algorithm, headers={"kid": key_id})
