"""Sign-in on the local stack: the test issuer, the api template's routes, and the gateway's JWT authorizer.

The gateway here serves the routes the api template deploys with the local user pool (conveyor_local.sign_in),
checks tokens against the keys the local issuer publishes over HTTP, and invokes a toy function that records
the events it gets, so each test sees whether the function ran and with what.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from conveyor_local import config
from conveyor_local.http_api import CorsConfiguration, HttpApiRoutes
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.identity import LocalIssuer, cognito_issuer_url
from conveyor_local.jwt_authorizer import IssuerKeys
from conveyor_local.sign_in import api_parameters, deployed_routes, sign_in_lines, start_local_sign_in

from tests.support import http
from tests.support.local_stack import free_port

UNAUTHORIZED = {"message": "Unauthorized"}


class ToyFunction:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}


@pytest.fixture(scope="module")
def issuer() -> LocalIssuer:
    return LocalIssuer(config.LOCAL_USER_POOL_ID, config.LOCAL_USER_POOL_CLIENT_ID)


@pytest.fixture(scope="module")
def issuer_url(issuer: LocalIssuer) -> Iterator[str]:
    server = issuer.serve()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def signed_in_routes() -> HttpApiRoutes:
    return deployed_routes(api_parameters(sign_in=True))


@pytest.fixture
def function() -> ToyFunction:
    return ToyFunction()


@pytest.fixture
def api_url(
    function: ToyFunction, signed_in_routes: HttpApiRoutes, issuer: LocalIssuer, issuer_url: str
) -> Iterator[str]:
    keys = IssuerKeys({issuer.issuer: issuer.jwks_base_url(issuer_url)})
    gateway = start_http_gateway(function, routes=signed_in_routes, issuer_keys=keys)
    yield gateway.url
    gateway.stop()


def _get(url: str, token: str | None = None, *, scheme: str = "Bearer ") -> http.Response:
    headers = {"authorization": f"{scheme}{token}"} if token is not None else {}
    return http.request("GET", url, headers=headers)


# ----------------------------------------------------------------------------------------------- the issuer


def test_issuer_publishes_its_keys_as_a_cognito_pool_does(issuer: LocalIssuer, issuer_url: str) -> None:
    base = issuer.jwks_base_url(issuer_url)
    with urllib.request.urlopen(f"{base}/.well-known/openid-configuration") as response:
        configuration = json.loads(response.read())
    with urllib.request.urlopen(configuration["jwks_uri"]) as response:
        jwks = json.loads(response.read())

    assert (
        configuration["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{config.LOCAL_USER_POOL_ID}"
    )
    (key,) = jwks["keys"]
    assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", issuer.key_id)


def test_access_tokens_are_shaped_as_cognitos(issuer: LocalIssuer) -> None:
    token = issuer.access_token("alice", lifetime_seconds=600)

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "RS256"
    assert header["kid"] == issuer.key_id
    assert claims["iss"] == cognito_issuer_url(config.LOCAL_USER_POOL_ID)
    assert claims["client_id"] == config.LOCAL_USER_POOL_CLIENT_ID
    assert claims["token_use"] == "access"
    assert claims["username"] == "alice"
    assert claims["sub"] == issuer.sub("alice") != issuer.sub("bob")
    assert claims["exp"] - claims["iat"] == 600
    assert "aud" not in claims


def test_id_tokens_name_the_client_as_their_audience(issuer: LocalIssuer) -> None:
    claims = jwt.decode(issuer.id_token("alice"), options={"verify_signature": False})

    assert claims["aud"] == config.LOCAL_USER_POOL_CLIENT_ID
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == "alice"
    assert "client_id" not in claims


def test_issuer_answers_tokens_for_any_username(issuer: LocalIssuer, issuer_url: str) -> None:
    response = http.request("POST", f"{issuer_url}/local/tokens", json_body={"username": "carol"})
    refused = http.request("POST", f"{issuer_url}/local/tokens", json_body={"user": "carol"})

    assert response.status == 200
    tokens = response.json()
    assert tokens["sub"] == issuer.sub("carol")
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["username"] == "carol"
    assert refused.status == 400


# ----------------------------------------------------------------------------------- routes from the template


def test_without_sign_in_no_route_has_an_authorizer() -> None:
    routes = deployed_routes(api_parameters(sign_in=False))

    assert {route.key for route in routes.routes} == {"$default", "GET /health", "OPTIONS /{proxy+}"}
    assert not routes.signs_in


def test_with_sign_in_every_route_but_health_and_preflight_has_the_pools_authorizer(
    signed_in_routes: HttpApiRoutes,
) -> None:
    guarded = {route.key: route.authorizer for route in signed_in_routes.routes}

    assert guarded["GET /health"] is None
    assert guarded["OPTIONS /{proxy+}"] is None
    authorizer = guarded["$default"]
    assert authorizer is not None
    assert authorizer.issuer == cognito_issuer_url(config.LOCAL_USER_POOL_ID)
    assert authorizer.audiences == (config.LOCAL_USER_POOL_CLIENT_ID,)
    assert authorizer.header == "authorization"
    assert HttpApiRoutes.from_json(signed_in_routes.to_json()) == signed_in_routes


def test_the_http_apis_cors_configuration_comes_from_the_template_with_its_allowed_origin() -> None:
    routes = deployed_routes({"AllowOrigin": "http://127.0.0.1:8000", **api_parameters(sign_in=True)})

    assert routes.cors == CorsConfiguration(
        allow_origins=("http://127.0.0.1:8000",), expose_headers=("Location", "Retry-After")
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
    api_url: str, function: ToyFunction, issuer: LocalIssuer
) -> None:
    token = issuer.access_token(
        "alice", claims={"cognito:groups": ["admins", "users"], "email_verified": True}
    )

    response = _get(f"{api_url}/jobs?status=QUEUED", token)

    assert response.status == 200
    (event,) = function.events
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["jwt"]["scopes"] is None
    claims = authorizer["jwt"]["claims"]
    assert claims["sub"] == issuer.sub("alice")
    assert claims["client_id"] == config.LOCAL_USER_POOL_CLIENT_ID
    assert claims["cognito:groups"] == "[admins users]"
    assert claims["email_verified"] == "true"
    assert claims["exp"].isdigit()
    assert all(isinstance(value, str) for value in claims.values())


@pytest.mark.parametrize("scheme", ["Bearer ", "bearer ", ""])
def test_the_token_may_come_with_or_without_bearer(
    api_url: str, function: ToyFunction, issuer: LocalIssuer, scheme: str
) -> None:
    assert _get(f"{api_url}/jobs", issuer.access_token("alice"), scheme=scheme).status == 200


def test_an_id_token_passes_on_its_audience(api_url: str, issuer: LocalIssuer) -> None:
    assert _get(f"{api_url}/jobs", issuer.id_token("alice")).status == 200


def _bad_tokens(issuer: LocalIssuer) -> dict[str, str | None]:
    now = time.time()
    stranger = LocalIssuer(config.LOCAL_USER_POOL_ID, config.LOCAL_USER_POOL_CLIENT_ID)
    return {
        "missing": None,
        "empty": "",
        "not a JWT": "not-a-jwt",
        "expired": issuer.access_token("alice", now=now - 7200, lifetime_seconds=3600),
        "not yet valid": issuer.access_token("alice", claims={"nbf": int(now) + 600}),
        "issued in the future": issuer.access_token("alice", claims={"iat": int(now) + 600}),
        "no exp": issuer.access_token("alice", claims={"exp": None}),
        "another issuer": issuer.access_token("alice", claims={"iss": cognito_issuer_url("us-east-1_Other")}),
        "another client": issuer.access_token("alice", claims={"client_id": "someoneelse"}),
        "another audience": issuer.id_token("alice", claims={"aud": "someoneelse"}),
        # API Gateway reads client_id only when there is no aud.
        "aud wrong, client_id right": issuer.access_token("alice", claims={"aud": "someoneelse"}),
        "signed by another key": stranger.sign(
            jwt.decode(issuer.access_token("alice"), options={"verify_signature": False}),
            key_id=issuer.key_id,
        ),
        "unknown kid": issuer.sign(
            jwt.decode(issuer.access_token("alice"), options={"verify_signature": False}), key_id="nope"
        ),
        "HS256": jwt.encode(
            {"sub": "x", "iss": issuer.issuer, "client_id": issuer.client_id, "exp": int(now) + 60},
            "secret-key-of-at-least-32-bytes!!",
            algorithm="HS256",
            headers={"kid": issuer.key_id},
        ),
        "tampered": _tampered(issuer.access_token("alice")),
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
    api_url: str, function: ToyFunction, issuer: LocalIssuer, case: str
) -> None:
    token = _bad_tokens(issuer)[case]

    response = _get(f"{api_url}/jobs", token)

    assert response.status == 401
    assert response.json() == UNAUTHORIZED
    assert function.events == []


def test_the_authorizers_401_carries_the_http_apis_cors_headers_so_a_page_can_read_it(api_url: str) -> None:
    response = http.request("GET", f"{api_url}/jobs", headers={"origin": "http://127.0.0.1:8000"})

    assert response.status == 401
    # The api template's defaults: AllowOrigin *, and the headers the page reads exposed.
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "Location,Retry-After"


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
    gateway = start_http_gateway(function, routes=deployed_routes(api_parameters(sign_in=False)))
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


def test_make_dev_prints_long_lived_tokens_for_the_demo_users() -> None:
    settings = config.LocalStackConfig(issuer_port=free_port(), sign_in=True)
    sign_in = start_local_sign_in(settings)
    try:
        lines = sign_in_lines(sign_in, settings.api_url)
    finally:
        sign_in.stop()

    tokens = {}
    for line in lines:
        user, _, token = line.strip().partition(" ")
        if user in config.DEMO_USERS:
            tokens[user] = token.strip()
    assert set(tokens) == set(config.DEMO_USERS)
    for user, token in tokens.items():
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["username"] == user
        assert claims["exp"] - time.time() > 6 * 3600
