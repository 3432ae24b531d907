"""When backends or code fail: 503 for AWS trouble, a generic 500 for the rest, logged, nothing leaked."""

from collections.abc import Callable
from typing import Any

import pytest

from conveyor_api.handlers.http import handler_for
from conveyor_api.jobs.errors import BackendUnavailableError, JobAlreadyExistsError
from conveyor_api.settings import Settings
from tests.support.events import get_job, post_job_request
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

TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "hi"}}
JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
SECRET = "arn:aws:dynamodb:eu-west-1:123456789012:table/secret-table"

LogLines = Callable[[], list[dict[str, Any]]]


def test_store_unavailable_on_submit_is_503_and_says_no_job_was_created(settings: Settings) -> None:
    handler = handler_for(
        settings,
        store=InMemoryJobStore(fail_with=BackendUnavailableError(SECRET)),
        publisher=RecordingJobPublisher(),
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    problem = assert_problem(handler(post_job_request(TEXT_REQUEST), None), 503, "service-unavailable")

    assert "no job was created" in problem["detail"]
    assert SECRET not in problem["detail"]


def test_queue_unavailable_on_submit_is_503_and_stores_nothing(settings: Settings) -> None:
    store = InMemoryJobStore()
    handler = handler_for(
        settings,
        store=store,
        publisher=RecordingJobPublisher(fail_with=BackendUnavailableError(SECRET)),
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    assert_problem(handler(post_job_request(TEXT_REQUEST), None), 503, "service-unavailable")
    assert store.items == {}


def test_files_bucket_refusing_a_large_payload_on_submit_is_503_and_sends_and_stores_nothing(
    settings: Settings,
) -> None:
    store, publisher = InMemoryJobStore(), RecordingJobPublisher()
    handler = handler_for(
        settings,
        store=store,
        publisher=publisher,
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(fail_with=BackendUnavailableError(SECRET)),
        job_types=FakeDeployedJobTypes(),
    )
    large = {"job_type": "text_transform", "payload": {"text": "x" * settings.payload_inline_max_bytes}}

    assert_problem(handler(post_job_request(large), None), 503, "service-unavailable")
    assert (store.items, publisher.messages) == ({}, [])


def test_store_unavailable_on_status_is_503(settings: Settings) -> None:
    store = InMemoryJobStore(fail_with=BackendUnavailableError(SECRET))
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

    assert_problem(handler(get_job(JOB_ID), None), 503, "service-unavailable")


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(RuntimeError(SECRET), id="unexpected"),
        pytest.param(JobAlreadyExistsError(JOB_ID), id="job-id-collision"),
    ],
)
def test_unexpected_error_is_a_generic_500_logged_with_its_stack_trace(
    settings: Settings, log_lines: LogLines, error: Exception
) -> None:
    publisher = RecordingJobPublisher()
    handler = handler_for(
        settings,
        store=InMemoryJobStore(fail_with=error),
        publisher=publisher,
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    response = handler(post_job_request(TEXT_REQUEST), None)

    problem = assert_problem(response, 500, "internal-error")
    assert SECRET not in response["body"]
    assert JOB_ID not in response["body"]
    assert problem["detail"] == "Something went wrong on our side and has been logged; try again later."
    [logged] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert "Traceback" in logged["exception"]
    assert type(error).__name__ in logged["exception"]
    assert logged["correlation_id"] == "JkRxhgPcjoEEMqQ="


def test_unexpected_error_on_status_is_a_generic_500(settings: Settings) -> None:
    store = InMemoryJobStore(fail_with=RuntimeError(SECRET))
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

    response = handler(get_job(JOB_ID), None)

    assert_problem(response, 500, "internal-error")
    assert SECRET not in response["body"]
