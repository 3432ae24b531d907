"""GET /jobs/{job_id} through the handler: every state of a stored job reads as its record."""

import json
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.models import JobItem
from conveyor_api.settings import Settings
from tests.support.events import get_job
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

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
QUEUED_ITEM = {
    "job_id": JOB_ID,
    "job_type": "text_transform",
    "status": "QUEUED",
    "created_at": "2026-11-24T17:05:09.123Z",
    "updated_at": "2026-11-24T17:05:09.123Z",
    "attempts": 0,
    "payload": '{"text":"Hello, Conveyor!"}',
    "sweep_shard": 7,
    "sweep_at": 1795539909123,
}
IN_PROGRESS_ITEM = QUEUED_ITEM | {
    "status": "IN_PROGRESS",
    "updated_at": "2026-11-24T17:05:09.456Z",
    "started_at": "2026-11-24T17:05:09.456Z",
    "attempts": 1,
    "claim_token": "9b1f0c1d2e3f4a5b",
    "lease_expires_at": 1795539924456,
    "sweep_at": 1795539924456,
}
PENDING_ONLY = ("lease_expires_at", "sweep_shard", "sweep_at")
SUCCEEDED_ITEM = {key: value for key, value in IN_PROGRESS_ITEM.items() if key not in PENDING_ONLY} | {
    "status": "SUCCEEDED",
    "updated_at": "2026-11-24T17:05:09.789Z",
    "finished_at": "2026-11-24T17:05:09.789Z",
    "result": '{"length":16,"uppercase":"HELLO, CONVEYOR!","word_count":2}',
    "expires_at": 1798131910,
}
FAILED_ITEM = {key: value for key, value in IN_PROGRESS_ITEM.items() if key not in PENDING_ONLY} | {
    "status": "FAILED",
    "updated_at": "2026-11-24T17:05:09.789Z",
    "finished_at": "2026-11-24T17:05:09.789Z",
    "attempts": 3,
    "error": {"code": "RETRIES_EXHAUSTED", "message": "gave up after 3 attempts: timed out"},
    "expires_at": 1798131910,
}
QUEUED_RECORD = {
    "job_id": JOB_ID,
    "job_type": "text_transform",
    "status": "QUEUED",
    "created_at": "2026-11-24T17:05:09.123Z",
    "updated_at": "2026-11-24T17:05:09.123Z",
    "started_at": None,
    "finished_at": None,
    "attempts": 0,
    "result": None,
    "result_url": None,
    "error": None,
    "progress": None,
}


@pytest.mark.parametrize(
    ("item", "record"),
    [
        pytest.param(QUEUED_ITEM, QUEUED_RECORD, id="QUEUED"),
        pytest.param(
            IN_PROGRESS_ITEM,
            QUEUED_RECORD
            | {
                "status": "IN_PROGRESS",
                "updated_at": "2026-11-24T17:05:09.456Z",
                "started_at": "2026-11-24T17:05:09.456Z",
                "attempts": 1,
            },
            id="IN_PROGRESS",
        ),
        pytest.param(
            SUCCEEDED_ITEM,
            QUEUED_RECORD
            | {
                "status": "SUCCEEDED",
                "updated_at": "2026-11-24T17:05:09.789Z",
                "started_at": "2026-11-24T17:05:09.456Z",
                "finished_at": "2026-11-24T17:05:09.789Z",
                "attempts": 1,
                "result": {"length": 16, "uppercase": "HELLO, CONVEYOR!", "word_count": 2},
            },
            id="SUCCEEDED",
        ),
        pytest.param(
            FAILED_ITEM,
            QUEUED_RECORD
            | {
                "status": "FAILED",
                "updated_at": "2026-11-24T17:05:09.789Z",
                "started_at": "2026-11-24T17:05:09.456Z",
                "finished_at": "2026-11-24T17:05:09.789Z",
                "attempts": 3,
                "error": {"code": "RETRIES_EXHAUSTED", "message": "gave up after 3 attempts: timed out"},
            },
            id="FAILED",
        ),
    ],
)
def test_stored_job_reads_as_its_record(
    handler: Handler, store: InMemoryJobStore, item: dict[str, Any], record: dict[str, Any]
) -> None:
    """A finished item's expires_at stays in the table: the job-record contract has no member for it."""
    store.put_new(JobItem.from_document(item))

    response = handler(get_job(JOB_ID), None)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == record


@pytest.mark.parametrize("code", ["TIMED_OUT", "A_CODE_OF_A_NEWER_WORKER"])
def test_an_error_code_the_api_does_not_name_reads_as_stored(
    handler: Handler, store: InMemoryJobStore, code: str
) -> None:
    """A newer worker may end a job with a code this API has never heard of: job-error's `code` is a pattern,
    not an enum, so the record passes it on (README, Deploy: a new error code deploys in either order)."""
    error = {"code": code, "message": "the run took longer than its time budget"}
    item: dict[str, Any] = {**FAILED_ITEM, "error": error}
    store.put_new(JobItem.from_document(item))

    response = handler(get_job(JOB_ID), None)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["error"] == error


def test_unknown_job_id_is_job_not_found(handler: Handler) -> None:
    problem = assert_problem(handler(get_job(JOB_ID), None), 404, "job-not-found")

    assert problem["instance"] == f"/jobs/{JOB_ID}"


@pytest.mark.parametrize(
    "job_id",
    [
        pytest.param("nope", id="not-a-uuid"),
        pytest.param(JOB_ID.upper(), id="uppercase"),
        pytest.param("3f2b8c1e-5d4a-1b6f-9c0d-1e2f3a4b5c6d", id="uuid-version-1"),
        pytest.param("3f2b8c1e5d4a4b6f9c0d1e2f3a4b5c6d", id="without-hyphens"),
    ],
)
def test_malformed_job_id_is_invalid_job_id_and_is_not_looked_up(job_id: str, settings: Settings) -> None:
    # A store that fails on any read proves the id was refused before the store was asked.
    store = InMemoryJobStore(fail_with=RuntimeError("the store was asked"))
    handler = handler_for(
        settings,
        store=store,
        publisher=RecordingJobPublisher(),
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    problem = assert_problem(handler(get_job(job_id), None), 400, "invalid-job-id")

    assert job_id not in problem["detail"]
    # The contract's two kinds of id: random ones, and those a keyed submission derives from its key.
    assert "version 4" in problem["detail"]
    assert "version 8" in problem["detail"]
