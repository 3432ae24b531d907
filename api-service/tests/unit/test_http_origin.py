"""Behind an edge (ORIGIN_SECRET set), the API answers only requests carrying the edge's header and refuses
the rest with a 403 problem before any other work; without an edge it serves every request, as before."""

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.http.origin import ORIGIN_SECRET_HEADER
from conveyor_api.settings import Settings
from tests.support.events import get_job, list_jobs, load_event, post_job_request, post_uploads, request
from tests.support.fakes import (
    FakeDeployedJobTypes,
    InMemoryJobStore,
    RecordingJobPublisher,
)
from tests.support.problems import assert_problem

SECRET = "kV3n0gD7yq1xZ2bQ9wE4rT6uI8oP0aS5dF7gH9jK1lM"
TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}
UPLOAD_REQUEST = {"content_type": "image/png", "size": 1024}
JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"


class Untouchable:
    """A store, publisher, ledger, links or uploads that records any use: a refusal must make none."""

    def __init__(self, touched: list[str]) -> None:
        self._touched = touched

    def __getattr__(self, name: str) -> Any:
        self._touched.append(name)
        raise AssertionError(f"{name} was used by a request the API should have refused")


@pytest.fixture
def edge_settings(settings: Settings) -> Settings:
    return replace(settings, origin_secret=SECRET)


@pytest.fixture
def touched() -> list[str]:
    return []


@pytest.fixture
def untouchable_handler(edge_settings: Settings, touched: list[str]) -> Handler:
    nothing = Untouchable(touched)
    return handler_for(
        edge_settings,
        store=nothing,
        publisher=nothing,
        ledger=nothing,
        links=nothing,
        uploads=nothing,
        payloads=nothing,
        job_types=FakeDeployedJobTypes(),
    )


@pytest.fixture
def edge_handler(edge_settings: Settings, handler_with: Callable[[Settings], Handler]) -> Handler:
    return handler_with(edge_settings)


def _with_header(event: dict[str, Any], value: str) -> dict[str, Any]:
    # API Gateway passes every header name in lower case.
    event["headers"][ORIGIN_SECRET_HEADER.lower()] = value
    return event


REQUESTS = {
    "POST /jobs": lambda: post_job_request(TEXT_REQUEST),
    "GET /jobs/{job_id}": lambda: get_job(JOB_ID),
    "GET /jobs": lambda: list_jobs("limit=10"),
    "POST /uploads": lambda: post_uploads(json.dumps(UPLOAD_REQUEST)),
    "GET /nowhere": lambda: request("GET", "/nowhere"),
    "OPTIONS /jobs (a preflight)": lambda: load_event("preflight_post_jobs"),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_a_request_without_the_edges_header_is_refused_before_any_work(
    untouchable_handler: Handler, touched: list[str], name: str
) -> None:
    response = untouchable_handler(REQUESTS[name](), None)

    problem = assert_problem(response, 403, "edge-required")
    assert "config.json" in problem["detail"]
    assert touched == []


@pytest.mark.parametrize("value", ["", "wrong", SECRET[:-1], SECRET + "x", SECRET.lower()])
def test_a_request_with_another_value_is_refused_before_any_work(
    untouchable_handler: Handler, touched: list[str], value: str
) -> None:
    response = untouchable_handler(_with_header(post_job_request(TEXT_REQUEST), value), None)

    assert_problem(response, 403, "edge-required")
    assert touched == []


def test_a_request_through_the_edge_is_served(
    edge_handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    submitted = edge_handler(_with_header(post_job_request(TEXT_REQUEST), SECRET), None)

    assert submitted["statusCode"] == 202, submitted["body"]
    job_id = json.loads(submitted["body"])["job_id"]
    assert list(store.items) == [job_id]
    assert len(publisher.messages) == 1
    read = edge_handler(_with_header(get_job(job_id), SECRET), None)
    assert (read["statusCode"], json.loads(read["body"])["job_id"]) == (200, job_id)


def test_the_header_name_is_matched_in_any_case(edge_handler: Handler) -> None:
    event = post_job_request(TEXT_REQUEST)
    event["headers"][ORIGIN_SECRET_HEADER] = SECRET

    assert edge_handler(event, None)["statusCode"] == 202


def test_health_answers_without_the_header_for_monitors(untouchable_handler: Handler) -> None:
    response = untouchable_handler(load_event("get_health"), None)

    assert (response["statusCode"], json.loads(response["body"])) == (200, {"status": "ok"})


def test_without_an_edge_a_request_without_the_header_is_served(
    handler: Handler, settings: Settings, store: InMemoryJobStore
) -> None:
    assert settings.origin_secret is None

    response = handler(post_job_request(TEXT_REQUEST), None)

    assert response["statusCode"] == 202, response["body"]
    assert len(store.items) == 1
