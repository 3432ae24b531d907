"""Every log line about a job carries its id as the correlation id, problem lines included."""

from collections.abc import Callable
from typing import Any

from conveyor_api.handlers.http import handler_for
from conveyor_api.jobs.errors import BackendUnavailableError
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

LogLines = Callable[[], list[dict[str, Any]]]
JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
POST_REQUEST_ID = "JkRxhgPcjoEEMqQ="
TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "hi"}}


def _handler(settings: Settings, *, store: InMemoryJobStore, publisher: RecordingJobPublisher) -> Any:
    return handler_for(
        settings,
        store=store,
        publisher=publisher,
        ledger=InMemorySubmissionLedger(),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )


def test_a_backend_failure_while_reading_a_job_is_logged_with_the_jobs_id(
    settings: Settings, log_lines: LogLines
) -> None:
    store = InMemoryJobStore(fail_with=BackendUnavailableError("the table did not answer"))
    handler = _handler(settings, store=store, publisher=RecordingJobPublisher())

    assert_problem(handler(get_job(JOB_ID), None), 503, "service-unavailable")

    [line] = log_lines()
    assert (line["level"], line["correlation_id"]) == ("WARNING", JOB_ID)


def test_an_unexpected_error_while_reading_a_job_is_logged_with_the_jobs_id(
    settings: Settings, log_lines: LogLines
) -> None:
    handler = _handler(
        settings, store=InMemoryJobStore(fail_with=RuntimeError("boom")), publisher=RecordingJobPublisher()
    )

    assert_problem(handler(get_job(JOB_ID), None), 500, "internal-error")

    [line] = log_lines()
    assert (line["level"], line["correlation_id"]) == ("ERROR", JOB_ID)


def test_a_failure_before_any_job_exists_is_logged_with_the_request_id(
    settings: Settings, log_lines: LogLines
) -> None:
    store = InMemoryJobStore(fail_with=BackendUnavailableError("the table did not answer"))
    handler = _handler(settings, store=store, publisher=RecordingJobPublisher())

    assert_problem(handler(post_job_request(TEXT_REQUEST), None), 503, "service-unavailable")

    [line] = log_lines()
    assert line["correlation_id"] == POST_REQUEST_ID


def test_the_next_invocation_starts_from_its_own_request_id(settings: Settings, log_lines: LogLines) -> None:
    store = InMemoryJobStore()
    handler = _handler(settings, store=store, publisher=RecordingJobPublisher())
    handler(get_job(JOB_ID), None)

    store.fail_with = BackendUnavailableError("the table did not answer")
    handler(post_job_request(TEXT_REQUEST), None)

    assert [line["correlation_id"] for line in log_lines()] == [POST_REQUEST_ID]
