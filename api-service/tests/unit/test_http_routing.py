"""What the API answers outside its routes' happy paths: health, unknown routes, wrong methods, CORS."""

import json

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.settings import Settings
from tests.support.events import DEMO_ORIGIN, load_event, request
from tests.support.fakes import (
    FakeDeployedJobTypes,
    FakeFileLinks,
    FakeUploads,
    InMemoryJobStore,
    InMemoryPayloadStore,
    InMemorySubmissionLedger,
    RecordingJobPublisher,
)
from tests.support.problems import assert_problem


def test_health_is_ok_without_touching_the_store_or_queue(settings: Settings) -> None:
    broken = RuntimeError("the backends were asked")
    handler = handler_for(
        settings,
        store=InMemoryJobStore(fail_with=broken),
        publisher=RecordingJobPublisher(fail_with=broken),
        ledger=InMemorySubmissionLedger(fail_with=broken),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    response = handler(load_event("get_health"), None)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/job"),
        ("GET", "/jobs/"),
        ("GET", "/jobs/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/result"),
        ("POST", "/health/check"),
    ],
)
def test_unknown_route_is_route_not_found(handler: Handler, method: str, path: str) -> None:
    problem = assert_problem(handler(request(method, path), None), 404, "route-not-found")

    assert (
        "POST /jobs, GET /jobs, POST /jobs/batch, GET /jobs/{job_id}, POST /jobs/{job_id}/cancel, "
        "POST /jobs/{job_id}/retry, POST /uploads, GET /health"
    ) in problem["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/jobs", "GET, POST"),
        ("DELETE", "/jobs", "GET, POST"),
        ("DELETE", "/jobs/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", "GET"),
        ("POST", "/jobs/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", "GET"),
        ("PATCH", "/jobs/anything", "GET"),
        ("POST", "/health", "GET"),
        ("HEAD", "/health", "GET"),
    ],
)
def test_wrong_method_on_a_known_route_is_405_with_allow(
    handler: Handler, method: str, path: str, allow: str
) -> None:
    response = handler(request(method, path), None)

    problem = assert_problem(response, 405, "method-not-allowed")
    assert response["headers"]["Allow"] == allow
    assert method in problem["detail"]


def test_cors_preflight_from_the_demo_origin_is_answered(handler: Handler) -> None:
    response = handler(load_event("preflight_post_jobs"), None)

    assert response["statusCode"] == 204
    headers = response["headers"]
    assert headers["Access-Control-Allow-Origin"] == DEMO_ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"].split(",")
    assert "Content-Type" in headers["Access-Control-Allow-Headers"].split(",")
    assert "Idempotency-Key" in headers["Access-Control-Allow-Headers"].split(",")
    assert "If-None-Match" in headers["Access-Control-Allow-Headers"].split(",")
    assert headers["Access-Control-Expose-Headers"] == "Location,Retry-After,ETag"


def test_problems_carry_cors_headers_for_the_demo_origin(handler: Handler) -> None:
    response = handler(request("GET", "/nowhere", origin=DEMO_ORIGIN), None)

    assert_problem(response, 404, "route-not-found")
    assert response["headers"]["Access-Control-Allow-Origin"] == DEMO_ORIGIN
