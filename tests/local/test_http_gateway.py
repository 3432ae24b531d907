"""The HTTP API emulator: requests become payload format 2.0 events, results become responses."""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from conveyor_local.http_api import CorsConfiguration, HttpApiRoutes, Route
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.lambda_runtime import LambdaContext


@dataclass
class Invocation:
    event: dict[str, Any]
    context: LambdaContext


@dataclass
class ToyFunction:
    """A handler whose result each test chooses, recording what it was called with."""

    result: Callable[[dict[str, Any]], Any] = lambda event: {"statusCode": 200, "body": json.dumps(event)}
    invocations: list[Invocation] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Any:
        self.invocations.append(Invocation(event, context))
        return self.result(event)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@pytest.fixture
def function() -> ToyFunction:
    return ToyFunction()


@pytest.fixture
def gateway_address(function: ToyFunction) -> Iterator[tuple[str, int]]:
    gateway = start_http_gateway(function, function_name="toy-api", timeout_seconds=3, memory_mb=128)
    address = urlsplit(gateway.url)
    assert address.hostname is not None
    assert address.port is not None
    yield address.hostname, address.port
    gateway.stop()


def request(
    address: tuple[str, int],
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Response:
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.putrequest(method, target)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def test_request_becomes_a_payload_format_2_event(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    started_ms = int(time.time() * 1000)

    response = request(
        gateway_address,
        "POST",
        "/jobs/abc?x=1&x=2&empty=&name=caf%C3%A9",
        headers=[
            ("Content-Type", "application/json"),
            ("X-Repeated", "one"),
            ("X-Repeated", "two"),
            ("User-Agent", "toy-client/1.0"),
            ("Cookie", "first=1; second=2"),
        ],
        body='{"text": "héllo"}'.encode(),
    )

    assert response.status == 200
    event = function.invocations[0].event
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/jobs/abc"
    assert event["rawQueryString"] == "x=1&x=2&empty=&name=caf%C3%A9"
    assert event["queryStringParameters"] == {"x": "1,2", "empty": "", "name": "café"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-repeated"] == "one,two"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["first=1", "second=2"]
    assert event["body"] == '{"text": "héllo"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/jobs/abc",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "toy-client/1.0",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "$default"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert started_ms <= context["timeEpoch"] <= int(time.time() * 1000)


def test_absent_parts_of_the_request_are_absent_from_the_event(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    request(gateway_address, "GET", "/health")

    event = function.invocations[0].event
    assert event["rawQueryString"] == ""
    for key in ("body", "cookies", "queryStringParameters"):
        assert key not in event
    assert event["isBase64Encoded"] is False


def test_binary_body_arrives_base64_encoded(gateway_address: tuple[str, int], function: ToyFunction) -> None:
    payload = bytes([0xFF, 0x00, 0xFE, 0x01])

    request(
        gateway_address, "PUT", "/blob", headers=[("Content-Type", "application/octet-stream")], body=payload
    )

    event = function.invocations[0].event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_handler_gets_a_lambda_context(gateway_address: tuple[str, int], function: ToyFunction) -> None:
    request(gateway_address, "GET", "/health")
    request(gateway_address, "GET", "/health")

    first, second = (invocation.context for invocation in function.invocations)
    assert first.function_name == "toy-api"
    assert first.memory_limit_in_mb == 128
    assert first.invoked_function_arn.endswith(":function:toy-api")
    assert 0 < first.get_remaining_time_in_millis() <= 3000
    assert uuid.UUID(first.aws_request_id) != uuid.UUID(second.aws_request_id)


def test_status_headers_and_cookies_come_back(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    function.result = lambda _event: {
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-single": "one", "x-number": 7},
        "multiValueHeaders": {"x-many": ["a", "b"]},
        "cookies": ["session=abc; Path=/; HttpOnly", "theme=dark"],
        "body": "created",
    }

    response = request(gateway_address, "POST", "/jobs")

    assert response.status == 201
    assert response.body == b"created"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-single"] == "one"
    assert response.headers["x-number"] == "7"
    assert response.headers.get_all("x-many") == ["a", "b"]
    assert response.headers.get_all("set-cookie") == ["session=abc; Path=/; HttpOnly", "theme=dark"]
    assert response.headers["content-length"] == "7"


def test_base64_encoded_response_body_is_sent_decoded(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    payload = bytes(range(256))
    function.result = lambda _event: {
        "statusCode": 200,
        "headers": {"content-type": "application/octet-stream"},
        "body": base64.b64encode(payload).decode(),
        "isBase64Encoded": True,
    }

    response = request(gateway_address, "GET", "/blob")

    assert response.body == payload


@pytest.mark.parametrize(
    ("result", "expected_body"),
    [
        ({"job_id": "abc", "ok": True}, {"job_id": "abc", "ok": True}),
        (["a", 1], ["a", 1]),
    ],
)
def test_result_without_status_code_is_a_200_json_body(
    gateway_address: tuple[str, int], function: ToyFunction, result: Any, expected_body: Any
) -> None:
    function.result = lambda _event: result

    response = request(gateway_address, "GET", "/anything")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body) == expected_body


def test_string_result_is_the_body_of_a_200(gateway_address: tuple[str, int], function: ToyFunction) -> None:
    function.result = lambda _event: "Hello from Lambda!"

    response = request(gateway_address, "GET", "/anything")

    assert (response.status, response.body) == (200, b"Hello from Lambda!")
    assert response.headers["content-type"] == "application/json"


def _raise(_event: dict[str, Any]) -> Any:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    "result",
    [
        _raise,
        lambda _event: {"statusCode": "200", "body": "status as a string"},
        lambda _event: {"statusCode": 200, "body": {"not": "a string"}},
        lambda _event: {"statusCode": 200, "body": "not base64!", "isBase64Encoded": True},
        lambda _event: {"statusCode": 200, "headers": {"x-list": ["a"]}},
        lambda _event: {"statusCode": 200, "body": object()},
        # Lambda's limit is on the result's JSON: a body of 6,291,540 quotes is twice that once escaped.
        lambda _event: {"statusCode": 200, "body": '"' * 6_291_540},
    ],
    ids=[
        "handler-raises",
        "status-not-int",
        "body-not-string",
        "bad-base64",
        "header-list",
        "not-json",
        "over-lambdas-response-limit",
    ],
)
def test_handler_error_or_malformed_result_is_a_500(
    gateway_address: tuple[str, int], function: ToyFunction, result: Callable[[dict[str, Any]], Any]
) -> None:
    function.result = result

    response = request(gateway_address, "GET", "/anything")

    assert response.status == 500
    assert json.loads(response.body) == {"message": "Internal Server Error"}


def test_a_result_just_within_lambdas_response_limit_is_served(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    envelope = len(json.dumps({"statusCode": 200, "body": ""}))
    function.result = lambda _event: {"statusCode": 200, "body": "a" * (6_291_556 - envelope)}

    response = request(gateway_address, "GET", "/anything")

    assert response.status == 200
    assert len(response.body) == 6_291_556 - envelope


def test_a_request_target_keeps_its_leading_slashes_as_api_gateway_does(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    # http.server reduces them to one (so GET //jobs was served as GET /jobs); API Gateway passes the path on.
    request(gateway_address, "GET", "//jobs?limit=1")

    (invocation,) = function.invocations
    assert invocation.event["rawPath"] == invocation.event["requestContext"]["http"]["path"] == "//jobs"
    assert invocation.event["rawQueryString"] == "limit=1"


ORIGIN = "http://127.0.0.1:8000"
CORS = CorsConfiguration(allow_origins=(ORIGIN,), expose_headers=("Location", "Retry-After"))


@pytest.fixture
def routed_address(function: ToyFunction) -> Iterator[tuple[str, int]]:
    """A gateway with one route, GET /jobs, and the HTTP API's CORS configuration."""
    gateway = start_http_gateway(function, routes=HttpApiRoutes((Route("GET /jobs"),), CORS))
    address = urlsplit(gateway.url)
    assert address.hostname is not None
    assert address.port is not None
    yield address.hostname, address.port
    gateway.stop()


@pytest.mark.parametrize(
    ("method", "target", "headers", "status"),
    [
        ("GET", "/nowhere", [], 404),
        ("POST", "/jobs", [("Transfer-Encoding", "chunked")], 411),
        ("POST", "/jobs", [("Content-Length", str(10 * 1024 * 1024 + 1))], 413),
        ("POST", "/jobs", [("Content-Length", "twelve")], 400),
        ("GET", "/jobs", [], 500),
    ],
    ids=["no-route", "chunked", "too-large", "bad-length", "function-failed"],
)
def test_the_gateways_own_answers_carry_the_http_apis_cors_headers(
    routed_address: tuple[str, int],
    function: ToyFunction,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    status: int,
) -> None:
    function.result = _raise

    response = request(routed_address, method, target, headers=[("Origin", ORIGIN), *headers])

    assert response.status == status
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-expose-headers"] == "Location,Retry-After"


def test_an_answer_to_another_origin_carries_no_cors_headers(routed_address: tuple[str, int]) -> None:
    response = request(routed_address, "GET", "/nowhere", headers=[("Origin", "https://elsewhere.example")])

    assert response.status == 404
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("content_length", "status"),
    [(str(10 * 1024 * 1024 + 1), 413), ("twelve", 400)],
)
def test_unusable_content_length_is_refused_without_invoking(
    gateway_address: tuple[str, int], function: ToyFunction, content_length: str, status: int
) -> None:
    response = request(gateway_address, "POST", "/jobs", headers=[("Content-Length", content_length)])

    assert response.status == status
    assert function.invocations == []


def test_concurrent_requests_invoke_the_handler_one_at_a_time(
    gateway_address: tuple[str, int], function: ToyFunction
) -> None:
    active = 0
    most_active = 0
    counter_lock = threading.Lock()

    def slow_result(_event: dict[str, Any]) -> Any:
        nonlocal active, most_active
        with counter_lock:
            active += 1
            most_active = max(most_active, active)
        time.sleep(0.05)  # the work of a real invocation, long enough for requests to overlap
        with counter_lock:
            active -= 1
        return {"statusCode": 204}

    function.result = slow_result
    clients = [threading.Thread(target=request, args=(gateway_address, "GET", "/slow")) for _ in range(5)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()

    assert len(function.invocations) == 5
    assert most_active == 1
