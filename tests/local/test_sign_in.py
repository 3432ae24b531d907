"""Sign-in on the local stack: a user pool in moto's Cognito, the api template's routes, and the gateway's JWT
authorizer.

The gateway here serves the routes the api template deploys with a user pool made as `make dev` makes it
(conveyor_local.sign_in), checks tokens against the keys moto serves for that pool, and invokes a toy
function that records the events it gets, so each test sees whether the function ran and with what. Tokens
are real sign-ins (InitiateAuth); the bad ones are real ones changed and re-signed (tests/support/cognito.py).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError
from conveyor_local import config
from conveyor_local.http_api import CorsConfiguration, HttpApiRoutes
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.jwt_authorizer import IssuerKeys
from conveyor_local.sign_in import (
    LocalUserPool,
    cognito_issuer_url,
    create_user_pool,
    deployed_routes,
    find_user_pool,
    sign_in,
    sign_in_lines,
)
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import http
from tests.support.cognito import MOTO_KEY_ID, claims_of, resigned

UNAUTHORIZED = {"message": "Unauthorized"}


class ToyFunction:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}


@pytest.fixture(scope="module")
def user_pool(moto_endpoint: str) -> LocalUserPool:
    return create_user_pool(moto_endpoint)


@pytest.fixture(scope="module")
def alice(user_pool: LocalUserPool) -> dict[str, str]:
    """What signing in as alice answers."""
    return sign_in(user_pool, "alice")


@pytest.fixture(scope="module")
def signed_in_routes(user_pool: LocalUserPool) -> HttpApiRoutes:
    return deployed_routes(user_pool.api_parameters())


@pytest.fixture
def function() -> ToyFunction:
    return ToyFunction()


@pytest.fixture
def api_url(
    function: ToyFunction, signed_in_routes: HttpApiRoutes, user_pool: LocalUserPool
) -> Iterator[str]:
    keys = IssuerKeys({user_pool.issuer: user_pool.discovery_url})
    gateway = start_http_gateway(function, routes=signed_in_routes, issuer_keys=keys)
    yield gateway.url
    gateway.stop()


def _get(url: str, token: str | None = None, *, scheme: str = "Bearer ") -> http.Response:
    headers = {"authorization": f"{scheme}{token}"} if token is not None else {}
    return http.request("GET", url, headers=headers)


# ------------------------------------------------------------------------------ the pool in moto's Cognito


def test_moto_publishes_the_pools_keys_as_cognito_does(user_pool: LocalUserPool) -> None:
    with urllib.request.urlopen(f"{user_pool.discovery_url}/.well-known/openid-configuration") as response:
        configuration = json.loads(response.read())
    with urllib.request.urlopen(configuration["jwks_uri"]) as response:
        jwks = json.loads(response.read())

    assert configuration["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{user_pool.pool_id}"
    # The keys' URL is moto's, where the gateway can fetch them.
    assert configuration["jwks_uri"] == f"{user_pool.discovery_url}/.well-known/jwks.json"
    (key,) = jwks["keys"]
    assert (key["kty"], key["alg"], key["kid"]) == ("RSA", "RS256", MOTO_KEY_ID)


def test_signing_in_answers_cognito_shaped_access_and_id_tokens(
    user_pool: LocalUserPool, alice: dict[str, str]
) -> None:
    access = claims_of(alice["AccessToken"])
    identity = claims_of(alice["IdToken"])

    assert jwt.get_unverified_header(alice["AccessToken"])["alg"] == "RS256"
    assert access["iss"] == identity["iss"] == cognito_issuer_url(user_pool.pool_id)
    assert (access["token_use"], identity["token_use"]) == ("access", "id")
    assert access["client_id"] == identity["aud"] == user_pool.client_id
    assert "aud" not in access
    assert "client_id" not in identity
    assert access["username"] == identity["cognito:username"] == "alice"
    assert access["sub"] == identity["sub"] == claims_of(sign_in(user_pool, "alice")["AccessToken"])["sub"]
    assert access["sub"] != claims_of(sign_in(user_pool, "bob")["AccessToken"])["sub"]
    assert access["exp"] - access["iat"] == config.MOTO_TOKEN_LIFETIME_SECONDS


def test_a_wrong_password_does_not_sign_in(user_pool: LocalUserPool) -> None:
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        sign_in(user_pool, "alice", "not-the-password-1")


def test_the_pool_is_found_again_by_its_name(moto_endpoint: str, user_pool: LocalUserPool) -> None:
    assert find_user_pool(moto_endpoint) == user_pool


# ----------------------------------------------------------------------------------- routes from the template


def test_without_sign_in_no_route_has_an_authorizer() -> None:
    routes = deployed_routes({})

    assert {route.key for route in routes.routes} == {"$default", "GET /health", "OPTIONS /{proxy+}"}
    assert not routes.signs_in


def test_with_sign_in_every_route_but_health_and_preflight_has_the_pools_authorizer(
    signed_in_routes: HttpApiRoutes, user_pool: LocalUserPool
) -> None:
    guarded = {route.key: route.authorizer for route in signed_in_routes.routes}

    assert guarded["GET /health"] is None
    assert guarded["OPTIONS /{proxy+}"] is None
    authorizer = guarded["$default"]
    assert authorizer is not None
    assert authorizer.issuer == cognito_issuer_url(user_pool.pool_id)
    assert authorizer.audiences == (user_pool.client_id,)
    assert authorizer.header == "authorization"
    assert HttpApiRoutes.from_json(signed_in_routes.to_json()) == signed_in_routes


def test_the_http_apis_cors_configuration_comes_from_the_template_with_its_allowed_origin(
    user_pool: LocalUserPool,
) -> None:
    routes = deployed_routes({"AllowOrigin": "http://127.0.0.1:8000", **user_pool.api_parameters()})

    assert routes.cors == CorsConfiguration(
        allow_origins=("http://127.0.0.1:8000",), expose_headers=("Location", "Retry-After", "ETag")
    )
    assert HttpApiRoutes.from_json(routes.to_json()) == routes


def test_cors_headers_go_only_to_an_allowed_origin() -> None:
    cors = CorsConfiguration(allow_origins=("http://127.0.0.1:8000",), allow_credentials=True)

    assert cors.headers_for("http://127.0.0.1:8000") == [
        ("access-control-allow-origin", "http://127.0.0.1:8000"),
        ("access-control-allow-credentials", "true"),
    ]
    assert cors.headers_for("https://elsewhere.example") == []
    assert cors.headers_for(None) == []


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [
        ("GET", "/health", "GET /health"),
        ("POST", "/health", "$default"),
        ("OPTIONS", "/jobs", "OPTIONS /{proxy+}"),
        ("OPTIONS", "/jobs/abc", "OPTIONS /{proxy+}"),
        ("GET", "/jobs", "$default"),
        ("GET", "/", "$default"),
    ],
)
def test_a_request_takes_the_route_api_gateway_would_choose(
    signed_in_routes: HttpApiRoutes, method: str, path: str, route: str
) -> None:
    match = signed_in_routes.match(method, path)

    assert match is not None
    assert match.route.key == route


# ------------------------------------------------------------------------------ the gateway's JWT authorizer


def test_a_valid_access_token_reaches_the_function_with_its_claims_as_strings(
    api_url: str, function: ToyFunction, user_pool: LocalUserPool, alice: dict[str, str]
) -> None:
    # Claims of a pool with groups and verified emails, which API Gateway passes on as text.
    token = resigned(alice["AccessToken"], {"cognito:groups": ["admins", "users"], "email_verified": True})

    response = _get(f"{api_url}/jobs?status=QUEUED", token)

    assert response.status == 200
    (event,) = function.events
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["jwt"]["scopes"] is None
    claims = authorizer["jwt"]["claims"]
    assert claims["sub"] == claims_of(alice["AccessToken"])["sub"]
    assert claims["client_id"] == user_pool.client_id
    assert claims["cognito:groups"] == "[admins users]"
    assert claims["email_verified"] == "true"
    assert claims["exp"].isdigit()
    assert all(isinstance(value, str) for value in claims.values())


@pytest.mark.parametrize("scheme", ["Bearer ", "bearer ", ""])
def test_the_token_may_come_with_or_without_bearer(
    api_url: str, function: ToyFunction, alice: dict[str, str], scheme: str
) -> None:
    assert _get(f"{api_url}/jobs", alice["AccessToken"], scheme=scheme).status == 200


def test_an_id_token_passes_on_its_audience(api_url: str, alice: dict[str, str]) -> None:
    assert _get(f"{api_url}/jobs", alice["IdToken"]).status == 200


def test_a_token_re_signed_unchanged_passes_so_each_refusal_below_is_for_its_change(
    api_url: str, alice: dict[str, str]
) -> None:
    assert _get(f"{api_url}/jobs", resigned(alice["AccessToken"], {})).status == 200


@pytest.fixture(scope="module")
def another_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _bad_tokens(alice: dict[str, str], another_key: rsa.RSAPrivateKey) -> dict[str, str | None]:
    now = int(time.time())
    access, identity = alice["AccessToken"], alice["IdToken"]
    return {
        "missing": None,
        "empty": "",
        "not a JWT": "not-a-jwt",
        "expired": resigned(access, {"iat": now - 7200, "auth_time": now - 7200, "exp": now - 3600}),
        "not yet valid": resigned(access, {"nbf": now + 600}),
        "issued in the future": resigned(access, {"iat": now + 600}),
        "no exp": resigned(access, {"exp": None}),
        "another issuer": resigned(access, {"iss": cognito_issuer_url("us-east-1_Other")}),
        "another client": resigned(access, {"client_id": "someoneelse"}),
        "another audience": resigned(identity, {"aud": "someoneelse"}),
        # API Gateway reads client_id only when there is no aud.
        "aud wrong, client_id right": resigned(access, {"aud": "someoneelse"}),
        "signed by another key": resigned(access, {}, key=another_key),
        "unknown kid": resigned(access, {}, key_id="nope"),
        "HS256": resigned(access, {}, key="secret-key-of-at-least-32-bytes!!", algorithm="HS256"),
        "tampered": _tampered(access),
    }


def _tampered(token: str) -> str:
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False}) | {"sub": "mallory"}
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "not a JWT",
        "expired",
        "not yet valid",
        "issued in the future",
        "no exp",
        "another issuer",
        "another client",
        "another audience",
        "aud wrong, client_id right",
        "signed by another key",
        "unknown kid",
        "HS256",
        "tampered",
    ],
)
def test_a_request_without_a_valid_token_is_401_and_the_function_does_not_run(
    api_url: str, function: ToyFunction, alice: dict[str, str], another_key: rsa.RSAPrivateKey, case: str
) -> None:
    token = _bad_tokens(alice, another_key)[case]

    response = _get(f"{api_url}/jobs", token)

    assert response.status == 401
    assert response.json() == UNAUTHORIZED
    assert function.events == []


def test_the_authorizers_401_carries_the_http_apis_cors_headers_so_a_page_can_read_it(api_url: str) -> None:
    response = http.request("GET", f"{api_url}/jobs", headers={"origin": "http://127.0.0.1:8000"})

    assert response.status == 401
    # The api template's defaults: AllowOrigin *, and the headers the page reads exposed.
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "Location,Retry-After,ETag"


def test_health_and_preflight_pass_without_a_token(api_url: str, function: ToyFunction) -> None:
    health = _get(f"{api_url}/health")
    preflight = http.request(
        "OPTIONS",
        f"{api_url}/jobs",
        headers={"origin": "http://127.0.0.1:8000", "access-control-request-method": "POST"},
    )

    assert (health.status, preflight.status) == (200, 200)
    assert [event["routeKey"] for event in function.events] == ["GET /health", "OPTIONS /{proxy+}"]
    assert function.events[1]["pathParameters"] == {"proxy": "jobs"}
    assert all("authorizer" not in event["requestContext"] for event in function.events)


def test_without_sign_in_any_request_reaches_the_function(function: ToyFunction) -> None:
    gateway = start_http_gateway(function, routes=deployed_routes({}))
    try:
        response = _get(f"{gateway.url}/jobs", "whatever")
    finally:
        gateway.stop()

    assert response.status == 200
    assert "authorizer" not in function.events[0]["requestContext"]


def test_routes_with_an_authorizer_need_keys_to_check_tokens_with(
    function: ToyFunction, signed_in_routes: HttpApiRoutes
) -> None:
    with pytest.raises(ValueError, match="issuer_keys"):
        start_http_gateway(function, routes=signed_in_routes)


# ----------------------------------------------------------------------------------------------- make dev


def test_make_dev_prints_a_fresh_token_for_each_demo_user_and_how_to_sign_in_again(
    user_pool: LocalUserPool,
) -> None:
    lines = sign_in_lines(user_pool, "http://127.0.0.1:8080")

    tokens = {}
    for line in lines:
        user, _, token = line.strip().partition(" ")
        if user in config.DEMO_USERS:
            tokens[user] = token.strip()
    assert set(tokens) == set(config.DEMO_USERS)
    for user, token in tokens.items():
        claims = claims_of(token)
        assert claims["username"] == user
        assert claims["client_id"] == user_pool.client_id
        assert claims["exp"] - time.time() > 50 * 60
    assert any(f"initiate-auth --client-id {user_pool.client_id}" in line for line in lines)
