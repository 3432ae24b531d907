"""Bad input gets its problem+json answer over HTTP, and nothing reaches DynamoDB or SQS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import contract, http
from tests.support.stack import Stack

JSON = {"content-type": "application/json"}
VALID_BODY = json.dumps({"job_type": "text_transform", "payload": {"text": "hi"}}).encode()

POST_CASES = [
    pytest.param(
        b'{"job_type": "text_transform", "payload": ', JSON, 400, "invalid-json", id="malformed-json"
    ),
    pytest.param(
        VALID_BODY, {"content-type": "text/plain"}, 415, "unsupported-media-type", id="wrong-content-type"
    ),
    pytest.param(VALID_BODY, {}, 415, "unsupported-media-type", id="no-content-type"),
    pytest.param(
        json.dumps({"job_type": "text_transform", "payload": {"text": "x" * 300_000}}).encode(),
        JSON,
        413,
        "payload-too-large",
        id="body-over-256-kib",
    ),
    pytest.param(
        json.dumps({"job_type": "image_magic", "payload": {}}).encode(),
        JSON,
        400,
        "unknown-job-type",
        id="unknown-job-type",
    ),
    pytest.param(
        json.dumps({"job_type": "text_transform", "payload": {"text": ""}}).encode(),
        JSON,
        400,
        "validation-failed",
        id="payload-breaks-input-schema",
    ),
    pytest.param(
        json.dumps({"job_type": "text_transform", "payload": {"text": "hi"}, "priority": 9}).encode(),
        JSON,
        400,
        "validation-failed",
        id="extra-top-level-field",
    ),
    pytest.param(
        json.dumps({"job_type": "data_analysis", "payload": {"data": [1, "two"]}}).encode(),
        JSON,
        400,
        "validation-failed",
        id="wrong-item-type",
    ),
]


def _assert_problem(response: http.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status == status
    assert response.content_type.startswith("application/problem+json")
    problem = response.json()
    contract.validator("problem").validate(problem)
    assert problem["status"] == status
    assert problem["type"] == f"urn:conveyor:problem:{slug}"
    assert isinstance(problem, dict)
    return problem


@pytest.mark.parametrize(("body", "headers", "status", "slug"), POST_CASES)
def test_rejected_submission_answers_a_problem_and_changes_nothing(
    stack: Stack, body: bytes, headers: dict[str, str], status: int, slug: str
) -> None:
    response = http.request("POST", f"{stack.api_url}/jobs", body=body, headers=headers)

    _assert_problem(response, status, slug)
    assert stack.items() == []
    assert stack.queued_messages() == 0


def test_unknown_job_type_problem_names_the_allowed_types(stack: Stack) -> None:
    response = stack.submit("image_magic", {})

    problem = _assert_problem(response, 400, "unknown-job-type")
    for job_type in contract.job_types():
        assert job_type in str(problem["detail"])


def test_validation_problem_points_at_the_payload_field(stack: Stack) -> None:
    response = stack.submit("text_transform", {"text": ""})

    problem = _assert_problem(response, 400, "validation-failed")
    assert [error["pointer"] for error in problem["errors"]] == ["/payload/text"]


def test_malformed_job_id_is_a_bad_request(stack: Stack) -> None:
    _assert_problem(stack.status("not-a-job-id"), 400, "invalid-job-id")


def test_unknown_job_id_is_not_found(stack: Stack) -> None:
    _assert_problem(stack.status("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"), 404, "job-not-found")


def test_unknown_route_is_not_found(stack: Stack) -> None:
    _assert_problem(http.request("GET", f"{stack.api_url}/nowhere"), 404, "route-not-found")


def test_a_doubled_slash_is_not_the_route_it_resembles(stack: Stack) -> None:
    # GET /jobs is 403 listing-disabled without sign-in; //jobs names no route, on API Gateway as here.
    _assert_problem(http.request("GET", f"{stack.api_url}//jobs"), 404, "route-not-found")


def test_wrong_method_is_not_allowed_and_says_which_are(stack: Stack) -> None:
    response = http.request("DELETE", f"{stack.api_url}/jobs")

    _assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["allow"]
    assert stack.items() == []
