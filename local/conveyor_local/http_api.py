"""The HTTP API's routes and JWT authorizers, read from the api stack's template with its deployed parameters.

moto's CloudFormation skips AWS::ApiGatewayV2::*, so the local gateway (conveyor_local.http_gateway) learns
from here which route a request takes and whether that route's authorizer must pass it first: the template's
OpenAPI body (what SAM's AWS::Serverless::HttpApi becomes) evaluated with the parameters the stack was
deployed with, conditions included. A route or an authorizer the template changes changes locally too.

Route selection follows API Gateway's: a route whose path matches exactly, then one with path variables, then
a greedy one (`{proxy+}`); a route's own method before ANY; else `$default`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from conveyor_local.intrinsics import Evaluator

if TYPE_CHECKING:
    # Only a type here: the API's process, which may run in an older release's environment (a service's own
    # dependencies and PyJWT), never loads the template tooling (cfn-lint, the SAM translator).
    from conveyor_local.templates import Template

HTTP_API_TYPE = "AWS::ApiGatewayV2::Api"
DEFAULT_ROUTE = "$default"
_ANY_METHOD = "x-amazon-apigateway-any-method"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_HEADER_SOURCE = re.compile(r"\$request\.header\.([!#$%&'*+.^_`|~0-9A-Za-z-]+)")


class HttpApiError(ValueError):
    """The template's HTTP API uses something the local gateway cannot emulate."""


@dataclass(frozen=True)
class JwtAuthorizer:
    """An authorizer of type jwt: the tokens it accepts, and the request header it reads them from."""

    name: str
    issuer: str
    audiences: tuple[str, ...]
    header: str
    """Lowercase, as the gateway's event carries headers."""


@dataclass(frozen=True)
class Route:
    key: str
    """`$default`, or `METHOD /path` with ANY for any method, as API Gateway names routes."""
    authorizer: JwtAuthorizer | None = None

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.key.split(" ", 1)[1]


@dataclass(frozen=True)
class CorsConfiguration:
    """The HTTP API's CORS configuration (its body's `x-amazon-apigateway-cors`), whose headers API Gateway
    adds to what it answers itself: an authorizer's 401, a 404 without a route, a refused body, a failed
    function."""

    allow_origins: tuple[str, ...]
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False

    def headers_for(self, origin: str | None) -> list[tuple[str, str]]:
        """The CORS headers of an answer to a request from `origin`: none for a request from elsewhere."""
        if origin is None:
            return []
        if "*" in self.allow_origins:
            allowed = "*"
        elif origin in self.allow_origins:
            allowed = origin
        else:
            return []
        headers = [("access-control-allow-origin", allowed)]
        if self.expose_headers:
            headers.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        if self.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
        return headers


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


@dataclass(frozen=True)
class HttpApiRoutes:
    routes: tuple[Route, ...]
    cors: CorsConfiguration | None = None

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route API Gateway would choose for the request, or None (API Gateway answers 404)."""
        best: tuple[tuple[int, ...], RouteMatch] | None = None
        for route in self.routes:
            if route.key == DEFAULT_ROUTE or route.method not in (method.upper(), "ANY"):
                continue
            parameters = _match_path(route.path, path)
            if parameters is None:
                continue
            rank = _specificity(route)
            if best is None or rank > best[0]:
                best = (rank, RouteMatch(route, parameters))
        if best is not None:
            return best[1]
        default = next((route for route in self.routes if route.key == DEFAULT_ROUTE), None)
        return RouteMatch(default, {}) if default else None

    @property
    def signs_in(self) -> bool:
        return any(route.authorizer for route in self.routes)

    def to_json(self) -> str:
        return json.dumps(
            {
                "routes": [asdict(route) for route in self.routes],
                "cors": None if self.cors is None else asdict(self.cors),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> HttpApiRoutes:
        document = json.loads(text)
        routes = []
        for route in document["routes"]:
            authorizer = route["authorizer"]
            if authorizer is not None:
                authorizer = JwtAuthorizer(**{**authorizer, "audiences": tuple(authorizer["audiences"])})
            routes.append(Route(route["key"], authorizer))
        cors = document["cors"]
        if cors is not None:
            cors = CorsConfiguration(
                allow_origins=tuple(cors["allow_origins"]),
                expose_headers=tuple(cors["expose_headers"]),
                allow_credentials=cors["allow_credentials"],
            )
        return cls(tuple(routes), cors)


def _match_path(pattern: str, path: str) -> dict[str, str] | None:
    regex = ""
    for segment in pattern.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        variable = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            regex += rf"/(?P<{greedy.group(1)}>.+)"
        elif variable:
            regex += rf"/(?P<{variable.group(1)}>[^/]+)"
        else:
            regex += "/" + re.escape(segment)
    matched = re.fullmatch(regex or "/", path)
    return matched.groupdict() if matched else None


def _specificity(route: Route) -> tuple[int, ...]:
    segments = route.path.strip("/").split("/")
    greedy = any(segment.endswith("+}") for segment in segments)
    literal = sum(1 for segment in segments if not segment.startswith("{"))
    return (0 if greedy else 1, literal, len(segments), 0 if route.method == "ANY" else 1)


def http_api_routes(template: Template, parameters: Mapping[str, str]) -> HttpApiRoutes:
    """The routes of the template's one HTTP API (translated, so its OpenAPI body), as deployed."""
    evaluator = Evaluator(template, parameters)
    apis = [
        resource
        for resource in template["Resources"].values()
        if resource["Type"] == HTTP_API_TYPE and _exists(evaluator, resource)
    ]
    if len(apis) != 1:
        raise HttpApiError(f"the template has {len(apis)} HTTP APIs; the local gateway serves exactly one")
    body = evaluator.value(apis[0]["Properties"].get("Body"))
    if not isinstance(body, dict):
        raise HttpApiError("the HTTP API has no OpenAPI Body (SAM's AWS::Serverless::HttpApi writes one)")
    schemes = body.get("components", {}).get("securitySchemes", {})
    routes = []
    for path, operations in body.get("paths", {}).items():
        for operation_name, operation in operations.items():
            key = _route_key(path, operation_name)
            if key is not None:
                routes.append(Route(key, _authorizer(operation.get("security", []), schemes, key)))
    return HttpApiRoutes(tuple(routes), _cors(body.get("x-amazon-apigateway-cors")))


def _cors(configuration: Mapping[str, Any] | None) -> CorsConfiguration | None:
    if configuration is None:
        return None
    return CorsConfiguration(
        allow_origins=tuple(configuration.get("allowOrigins", [])),
        expose_headers=tuple(configuration.get("exposeHeaders", [])),
        allow_credentials=bool(configuration.get("allowCredentials", False)),
    )


def _exists(evaluator: Evaluator, resource: Mapping[str, Any]) -> bool:
    return "Condition" not in resource or evaluator.condition(resource["Condition"])


def _route_key(path: str, operation_name: str) -> str | None:
    if path == DEFAULT_ROUTE:
        return DEFAULT_ROUTE
    if operation_name == _ANY_METHOD:
        return f"ANY {path}"
    if operation_name in _METHODS:
        return f"{operation_name.upper()} {path}"
    return None  # `parameters`, `summary` and other members of a path item


def _authorizer(security: list[dict[str, Any]], schemes: Mapping[str, Any], key: str) -> JwtAuthorizer | None:
    if not security:
        return None
    if len(security) != 1 or len(security[0]) != 1:
        raise HttpApiError(f"route {key} names several authorizers; API Gateway takes one")
    ((name, scopes),) = security[0].items()
    if scopes:
        raise HttpApiError(f"route {key} asks for authorization scopes; the local gateway checks none")
    authorizer = schemes[name].get("x-amazon-apigateway-authorizer", {})
    if authorizer.get("type") != "jwt":
        raise HttpApiError(f"route {key}'s authorizer {name} is not of type jwt")
    header = _HEADER_SOURCE.fullmatch(authorizer["identitySource"])
    if header is None:
        raise HttpApiError(f"authorizer {name} reads no header: {authorizer['identitySource']}")
    configuration = authorizer["jwtConfiguration"]
    return JwtAuthorizer(
        name=name,
        issuer=configuration["issuer"],
        audiences=tuple(configuration.get("audience", [])),
        header=header.group(1).lower(),
    )
