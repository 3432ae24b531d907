"""The api stack's HTTP API serves every route of the API's route table (conveyor_api.handlers.routes) as the
table says: API Gateway selects a route for each (every route of the template goes to the function:
test_sign_in_and_listing.py), behind the JWT authorizer with sign-in unless the table says it is public, and
its method passes CORS.

The routes API Gateway would choose are found as the local gateway finds them (conveyor_local.http_api), in
the translated template with the deployed parameters: `make dev` serves exactly what is checked here.
"""

from __future__ import annotations

import re

import pytest
from conveyor_api.handlers.routes import ROUTES, Route
from conveyor_local.http_api import HttpApiRoutes, http_api_routes

from tests.infra.templates import load_template, translate

pytestmark = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.{2}(ApiGatewayV2|CloudWatch.{2}Alarm|S3.{2}BucketPolicy):UserWarning"
)

SIGN_IN = {"UserPoolId": "eu-west-1_AbC123xyz", "UserPoolClientId": "1example23456789abcdefghij"}
EXAMPLE_SEGMENT = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"


def _deployed(**sign_in: str) -> HttpApiRoutes:
    return http_api_routes(translate("api"), {"CoreStackName": "conveyor-core", **sign_in})


def _requested_path(route: Route) -> str:
    # A path parameter stands for any single segment.
    return re.sub(r"\{\w+\}", EXAMPLE_SEGMENT, route.path)


def _id(route: Route) -> str:
    return f"{route.method} {route.path}"


@pytest.fixture(scope="module")
def with_sign_in() -> HttpApiRoutes:
    return _deployed(**SIGN_IN)


@pytest.fixture(scope="module")
def without_sign_in() -> HttpApiRoutes:
    return _deployed()


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_every_route_of_the_table_is_served_without_an_authorizer_without_sign_in(
    without_sign_in: HttpApiRoutes, route: Route
) -> None:
    match = without_sign_in.match(route.method, _requested_path(route))

    assert match is not None
    assert match.route.authorizer is None


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_with_sign_in_every_route_of_the_table_but_the_public_ones_is_behind_the_authorizer(
    with_sign_in: HttpApiRoutes, route: Route
) -> None:
    match = with_sign_in.match(route.method, _requested_path(route))

    assert match is not None
    assert (match.route.authorizer is None) == route.public


@pytest.mark.parametrize("route", ROUTES, ids=_id)
def test_every_route_of_the_tables_method_is_allowed_by_the_apis_cors(route: Route) -> None:
    cors = load_template("api")["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]

    assert route.method in cors["AllowMethods"]


# What a page reads without the server listing it (the Fetch standard's CORS-safelisted response headers).
_SAFELISTED_RESPONSE_HEADERS = {
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
}


def test_a_page_may_send_every_header_the_table_takes_and_read_every_header_it_answers() -> None:
    cors = load_template("api")["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    sent = {
        parameter["name"].lower()
        for route in ROUTES
        for parameter in route.parameters
        if parameter["in"] == "header"
    }
    answered = {
        name.lower()
        for route in ROUTES
        for headers in (
            route.success.headers,
            *route.problem_headers.values(),
            *(headers for _, headers in route.bodiless.values()),
        )
        for name in headers
    }

    assert sent <= {name.lower() for name in cors["AllowHeaders"]}
    assert answered - _SAFELISTED_RESPONSE_HEADERS <= {name.lower() for name in cors["ExposeHeaders"]}
    assert {"if-none-match", "etag", "retry-after"} <= sent | answered
