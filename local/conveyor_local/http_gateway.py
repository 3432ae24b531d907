"""Emulates an API Gateway HTTP API whose routes all integrate one Lambda function (proxy, payload 2.0).

Each HTTP request becomes a payload format 2.0 event; the handler's result becomes the HTTP response, with
API Gateway's rules: a result without `statusCode` is a 200 JSON body, and a handler error, a malformed
result or one that Lambda refuses (over its 6 MB response limit) is a 500
`{"message": "Internal Server Error"}`. Given the api stack's routes
(conveyor_local.http_api), each request takes the route API Gateway would choose (its `routeKey` and
`pathParameters` in the event), and a route with a JWT authorizer lets only requests with a valid token
through (conveyor_local.jwt_authorizer): the others get a 401 `{"message":"Unauthorized"}` without the
function running. Without routes, everything takes one unguarded `$default` route. What the gateway answers
itself carries the HTTP API's CORS headers, as API Gateway's own answers do, so a page can read them. The
request target is the one sent: `GET //jobs` reaches the routes as `//jobs`, as it does on API Gateway, not as
http.server's collapsed `/jobs`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from conveyor_local.config import ACCOUNT_ID, API_FUNCTION_NAME, API_TIMEOUT_SECONDS, FUNCTION_MEMORY_MB
from conveyor_local.http_api import CorsConfiguration, HttpApiRoutes, RouteMatch
from conveyor_local.http_serving import BackgroundHttpServer, serve_in_background
from conveyor_local.jwt_authorizer import IssuerKeys, UnauthorizedError, authorize
from conveyor_local.lambda_runtime import LambdaContext, LambdaHandler, invoke

logger = logging.getLogger(__name__)

# API Gateway's own payload limit; also what keeps a bogus Content-Length from exhausting memory.
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
# Lambda's limit on a synchronous invocation's response: the JSON of the handler's result, in bytes (its
# quotas page says 6 MB; Function.ResponseSizeTooLarge names this number).
LAMBDA_RESPONSE_LIMIT_BYTES = 6_291_556
# The server computes these itself; a handler's copy could contradict the body actually sent.
_SERVER_MANAGED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


class InvalidResponseError(ValueError):
    """The handler returned something API Gateway cannot turn into an HTTP response."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json_response(status: int, message: str) -> HttpResponse:
    return HttpResponse(
        status, [("content-type", "application/json")], json.dumps({"message": message}).encode()
    )


INTERNAL_SERVER_ERROR = _json_response(500, "Internal Server Error")
UNAUTHORIZED = _json_response(401, "Unauthorized")
NOT_FOUND = _json_response(404, "Not Found")


def start_http_gateway(
    handler: LambdaHandler,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    function_name: str = API_FUNCTION_NAME,
    timeout_seconds: int = API_TIMEOUT_SECONDS,
    memory_mb: int = FUNCTION_MEMORY_MB,
    routes: HttpApiRoutes | None = None,
    issuer_keys: IssuerKeys | None = None,
) -> BackgroundHttpServer:
    """Serve `handler` on `host:port` (0 picks a free port); `.url` says where, `.stop()` ends it.

    `routes` are the HTTP API's (None: one `$default` route without authorizer); `issuer_keys` finds the keys
    of their authorizers' issuers, and is needed when any route has one.
    """
    if routes is not None and routes.signs_in and issuer_keys is None:
        raise ValueError("routes with a JWT authorizer need issuer_keys to check tokens with")
    function = _Function(handler, function_name, timeout_seconds, memory_mb)
    api = _Api(function, routes, issuer_keys)

    class GatewayRequestHandler(_GatewayRequestHandler):
        target = api

    return serve_in_background(host, port, GatewayRequestHandler, name=f"http-gateway-{function_name}")


def build_event(
    *,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    server_port: int,
    protocol: str,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for one request (`target` is the request line's)."""
    raw_path, _, raw_query = target.partition("?")
    # API Gateway appends these, so a client's own x-forwarded-for comes first, as behind any proxy.
    forwarded = [
        ("x-forwarded-for", source_ip),
        ("x-forwarded-port", str(server_port)),
        ("x-forwarded-proto", "http"),
    ]
    joined_headers, cookies = _split_headers([*headers, *forwarded])
    domain_name = joined_headers.get("host", "")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined_headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": joined_headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    # API Gateway leaves these keys out, rather than empty, when the request has none.
    if cookies:
        event["cookies"] = cookies
    query = _join_duplicates(parse_qsl(raw_query, keep_blank_values=True))
    if query:
        event["queryStringParameters"] = query
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def translate_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a handler's (JSON) result; InvalidResponseError if none."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], body.encode())
    status = result["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidResponseError(f"statusCode {status!r} is not an HTTP status code")
    headers = [
        (name, value)
        for name, value in _response_headers(result)
        if name.lower() not in _SERVER_MANAGED_HEADERS
    ]
    return HttpResponse(status, headers, _response_body(result))


def _split_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    cookies: list[str] = []
    others: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies.extend(cookie.strip() for cookie in value.split(";") if cookie.strip())
        else:
            others.append((name.lower(), value))
    return _join_duplicates(others), cookies


def _join_duplicates(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _response_headers(result: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name, value in _mapping(result, "headers").items():
        yield name, _header_value(name, value)
    for name, values in _mapping(result, "multiValueHeaders").items():
        if not isinstance(values, list):
            raise InvalidResponseError(f"multiValueHeaders[{name!r}] is not a list")
        for value in values:
            yield name, _header_value(name, value)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
        raise InvalidResponseError("cookies is not a list of strings")
    for cookie in cookies:
        yield "set-cookie", cookie


def _mapping(result: dict[str, Any], key: str) -> dict[str, Any]:
    value = result.get(key) or {}
    if not isinstance(value, dict):
        raise InvalidResponseError(f"{key} is not an object")
    return value


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidResponseError(f"header {name!r} has a value that is not a string or a number")
    return str(value)


def _response_body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise InvalidResponseError("body is not a string")
    if not result.get("isBase64Encoded"):
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise InvalidResponseError("isBase64Encoded is true but body is not base64") from error


def _check_lambda_takes(result: Any) -> None:
    """Lambda writes a function's result as JSON and refuses it over its limit, before API Gateway sees it."""
    try:
        size = len(json.dumps(result).encode())
    except (TypeError, ValueError) as error:
        raise InvalidResponseError(f"the result is not JSON: {error}") from error
    if size > LAMBDA_RESPONSE_LIMIT_BYTES:
        raise InvalidResponseError(
            f"the result takes {size} bytes, over Lambda's response limit of {LAMBDA_RESPONSE_LIMIT_BYTES}"
            " (Function.ResponseSizeTooLarge)"
        )


def _body_refusal(transfer_encoding: str, declared_length: str) -> HttpResponse | None:
    if "chunked" in transfer_encoding.lower():
        return _json_response(411, "Length Required")
    if not declared_length.isdecimal():
        return _json_response(400, "Bad Request")
    if int(declared_length) > MAX_REQUEST_BODY_BYTES:
        return _json_response(413, "Request Entity Too Large")
    return None


@dataclass
class _Function:
    handler: LambdaHandler
    name: str
    timeout_seconds: int
    memory_mb: int
    # One execution environment runs one invocation at a time. Handlers rely on that (Powertools' resolver
    # keeps the current event on the app object), so concurrent requests take turns here.
    _one_at_a_time: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, event: dict[str, Any]) -> HttpResponse | None:
        """The function's response, or None when the invocation failed (API Gateway then answers 500)."""
        context = LambdaContext(self.name, self.memory_mb, self.timeout_seconds)
        with self._one_at_a_time:
            try:
                result = invoke(self.handler, event, context)
            except Exception:
                logger.exception(
                    "%s failed on %s %s",
                    self.name,
                    event["requestContext"]["http"]["method"],
                    event["rawPath"],
                )
                return None
        try:
            _check_lambda_takes(result)
            return translate_response(result)
        except InvalidResponseError as error:
            logger.error("%s returned a response Lambda or API Gateway rejects: %s", self.name, error)
            return None


@dataclass
class _Api:
    function: _Function
    routes: HttpApiRoutes | None
    issuer_keys: IssuerKeys | None

    def respond(self, event: dict[str, Any]) -> HttpResponse:
        origin = event["headers"].get("origin")
        if self.routes is None:
            return self._invoke(event)
        match = self.routes.match(event["requestContext"]["http"]["method"], event["rawPath"])
        if match is None:
            return self.own_answer(NOT_FOUND, origin)
        _route(event, match)
        authorizer = match.route.authorizer
        if authorizer is not None:
            assert self.issuer_keys is not None  # start_http_gateway checks
            try:
                claims = authorize(authorizer, event["headers"], self.issuer_keys)
            except UnauthorizedError as error:
                logger.info("%s refused %s %s: %s", authorizer.name, match.route.key, event["rawPath"], error)
                return self.own_answer(UNAUTHORIZED, origin)
            event["requestContext"]["authorizer"] = claims
        return self._invoke(event)

    def own_answer(self, response: HttpResponse, origin: str | None) -> HttpResponse:
        """An answer of API Gateway's own, with the CORS headers it adds to each (none without routes)."""
        cors: CorsConfiguration | None = None if self.routes is None else self.routes.cors
        if cors is None:
            return response
        return replace(response, headers=[*response.headers, *cors.headers_for(origin)])

    def _invoke(self, event: dict[str, Any]) -> HttpResponse:
        response = self.function.respond(event)
        if response is None:
            return self.own_answer(INTERNAL_SERVER_ERROR, event["headers"].get("origin"))
        return response


def _route(event: dict[str, Any], match: RouteMatch) -> None:
    event["routeKey"] = event["requestContext"]["routeKey"] = match.route.key
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive between requests; every response carries a Content-Length for it.
    protocol_version = "HTTP/1.1"
    target: ClassVar[_Api]

    def do_GET(self) -> None:
        request_id = str(uuid.uuid4())
        body = self._read_body()
        if body is None:
            return
        event = build_event(
            method=self.command,
            # As sent: http.server reduces leading slashes to one (self.path); API Gateway does not.
            target=self.requestline.split()[1],
            headers=self.headers.items(),
            body=body,
            source_ip=self.client_address[0],
            server_port=self.connection.getsockname()[1],
            protocol=self.request_version,
            request_id=request_id,
            now=datetime.now(UTC),
        )
        self._send(self.target.respond(event), request_id)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def _read_body(self) -> bytes | None:
        """The request body, or None once an error response has been sent instead."""
        declared_length = self.headers.get("content-length", "0").strip()
        refusal = _body_refusal(self.headers.get("transfer-encoding", ""), declared_length)
        if refusal is None:
            return self.rfile.read(int(declared_length))
        # The unread body is still on the connection and would be parsed as the next request.
        self.close_connection = True
        self._send(self.target.own_answer(refusal, self.headers.get("origin")), str(uuid.uuid4()))
        return None

    def _send(self, response: HttpResponse, request_id: str) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("apigw-requestid", request_id)
        self.send_header("content-length", str(len(response.body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: each request already shows up in the API's own log, and failures are logged above."""
