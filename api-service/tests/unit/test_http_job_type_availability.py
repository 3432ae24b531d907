"""The API accepts a job only of a type the deployed worker runs, and still reads jobs of types it does not
know (docs/design.md, Which job types the deployed worker runs). Backends faked."""

import json
from typing import Any

from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.models import JobItem
from tests.support.events import get_job, list_jobs, post_job_batch, post_job_request, request, signed_in
from tests.support.fakes import FakeDeployedJobTypes, InMemoryJobStore, RecordingJobPublisher
from tests.support.problems import assert_problem
from tests.unit.conftest import HandlerFor

TEXT_JOB = {"job_type": "text_transform", "payload": {"text": "hello"}}
DATA_JOB = {"job_type": "data_analysis", "payload": {"data": [1, 2, 3]}}
FAILED_JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
NEWER_TYPE = "pdf_render"
"""A job type of a newer contract than this API's."""


def _failed(job_type: str, job_id: str = FAILED_JOB_ID) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "job_type": job_type,
        "status": "FAILED",
        "created_at": "2026-11-24T17:05:09.123Z",
        "updated_at": "2026-11-24T17:05:09.789Z",
        "started_at": "2026-11-24T17:05:09.456Z",
        "finished_at": "2026-11-24T17:05:09.789Z",
        "attempts": 3,
        "payload": '{"text":"Hello, Conveyor!"}',
        "error": {"code": "RETRIES_EXHAUSTED", "message": "gave up after 3 attempts: timed out"},
        "expires_at": 1798131910,
    }


def _succeeded_of_a_newer_type(job_id: str = FAILED_JOB_ID) -> dict[str, Any]:
    return (
        _failed(NEWER_TYPE, job_id)
        | {"status": "SUCCEEDED", "attempts": 1, "result": '{"pages":3}'}
        | {"error": None}
    )


def _stored_as_written(store: InMemoryJobStore, document: dict[str, Any]) -> None:
    """As a newer API's PutItem leaves it: the item in the table, no model of this API in between."""
    store.items[document["job_id"]] = {key: value for key, value in document.items() if value is not None}


def test_a_job_type_the_deployed_worker_does_not_run_is_refused_and_nothing_is_written(
    handler: Handler,
    deployed_job_types: FakeDeployedJobTypes,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
) -> None:
    deployed_job_types.published = frozenset({"data_analysis", "image_resize"})

    response = handler(post_job_request(TEXT_JOB), None)

    problem = assert_problem(response, 422, "job-type-unavailable")
    assert "text_transform" in problem["detail"]
    assert store.items == {}
    assert publisher.messages == []


def test_a_job_type_the_deployed_worker_runs_is_accepted(
    handler: Handler, deployed_job_types: FakeDeployedJobTypes, store: InMemoryJobStore
) -> None:
    deployed_job_types.published = frozenset({"text_transform"})

    response = handler(post_job_request(TEXT_JOB), None)

    assert response["statusCode"] == 202
    assert [item["job_type"] for item in store.items.values()] == ["text_transform"]


def test_without_a_published_list_every_type_of_the_contract_is_accepted(
    handler: Handler, deployed_job_types: FakeDeployedJobTypes
) -> None:
    deployed_job_types.published = None

    statuses = [handler(post_job_request(job), None)["statusCode"] for job in (TEXT_JOB, DATA_JOB)]

    assert statuses == [202, 202]


def test_a_batch_refuses_only_its_jobs_of_types_no_deployed_worker_runs(
    handler: Handler, deployed_job_types: FakeDeployedJobTypes, store: InMemoryJobStore
) -> None:
    deployed_job_types.published = frozenset({"data_analysis"})

    response = handler(post_job_batch({"jobs": [TEXT_JOB, DATA_JOB]}), None)

    body = json.loads(response["body"])
    assert [result["status"] for result in body["results"]] == [422, 202]
    assert body["results"][0]["problem"]["type"] == "urn:conveyor:problem:job-type-unavailable"
    assert [item["job_type"] for item in store.items.values()] == ["data_analysis"]


def test_a_retry_of_a_job_whose_type_no_deployed_worker_runs_is_refused_and_nothing_is_written(
    handler: Handler,
    deployed_job_types: FakeDeployedJobTypes,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
) -> None:
    store.replace(JobItem.from_document(_failed("text_transform")))
    deployed_job_types.published = frozenset({"data_analysis"})

    response = handler(request("POST", f"/jobs/{FAILED_JOB_ID}/retry"), None)

    assert_problem(response, 422, "job-type-unavailable")
    assert list(store.items) == [FAILED_JOB_ID]
    assert publisher.messages == []


def test_when_the_list_cannot_be_read_a_submission_is_refused_503_and_nothing_is_written(
    handler_with: HandlerFor,
    settings: Any,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    deployed_job_types: FakeDeployedJobTypes,
) -> None:
    deployed_job_types.fail_with = BackendUnavailableError("SSM throttled")

    response = handler_with(settings)(post_job_request(TEXT_JOB), None)

    assert_problem(response, 503, "service-unavailable")
    assert store.items == {}
    assert publisher.messages == []


def test_a_job_of_a_type_this_api_does_not_know_is_read_with_its_type(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _stored_as_written(store, _succeeded_of_a_newer_type())

    response = handler(get_job(FAILED_JOB_ID), None)

    assert response["statusCode"] == 200
    record = json.loads(response["body"])
    assert (record["job_type"], record["status"], record["result"]) == (NEWER_TYPE, "SUCCEEDED", {"pages": 3})


def test_a_job_of_a_type_this_api_does_not_know_is_listed_with_its_owners_jobs(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    owned = _succeeded_of_a_newer_type() | listing_keys(OWNER, NEWER_TYPE, "SUCCEEDED")
    store.replace(JobItem.from_document({key: value for key, value in owned.items() if value is not None}))

    response = jwt_handler(signed_in(list_jobs(), OWNER), None)

    assert response["statusCode"] == 200
    assert [job["job_type"] for job in json.loads(response["body"])["jobs"]] == [NEWER_TYPE]


def test_only_the_job_type_of_a_newer_job_is_let_through_not_the_rest_of_the_contract(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _stored_as_written(store, _succeeded_of_a_newer_type() | {"status": "DONE"})

    response = handler(get_job(FAILED_JOB_ID), None)

    assert_problem(response, 500, "internal-error")


def test_a_retry_of_a_job_of_a_type_this_api_does_not_know_is_refused(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    _stored_as_written(store, _failed(NEWER_TYPE))

    response = handler(request("POST", f"/jobs/{FAILED_JOB_ID}/retry"), None)

    problem = assert_problem(response, 422, "job-type-unavailable")
    assert "does not know" in problem["detail"]
    assert list(store.items) == [FAILED_JOB_ID]
    assert publisher.messages == []
