"""POST /jobs with an Idempotency-Key header: replays, reuse, races and malformed keys, backends faked."""

import json
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler, handler_for
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.models import JobRequest
from conveyor_api.settings import Settings
from tests.support.events import post_job_request
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

TEXT_REQUEST: dict[str, Any] = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}
KEY = "9b2f6c1d-4e5a-4b7c-8d9e-0f1a2b3c4d5e"


def _post(document: object, key: str | None) -> dict[str, Any]:
    event = post_job_request(document)
    if key is not None:
        event["headers"]["idempotency-key"] = key
    return event


def test_same_key_and_body_replay_the_first_response(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    first = handler(_post(TEXT_REQUEST, KEY), None)

    replay = handler(_post(TEXT_REQUEST, KEY), None)

    assert first["statusCode"] == replay["statusCode"] == 202
    assert replay["body"] == first["body"]
    assert replay["headers"]["Location"] == first["headers"]["Location"]
    assert len(store.items) == 1
    assert len(publisher.messages) == 1


def test_same_key_with_another_body_is_idempotency_key_reused_and_changes_nothing(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    handler(_post(TEXT_REQUEST, KEY), None)

    response = handler(_post({"job_type": "text_transform", "payload": {"text": "another"}}, KEY), None)

    problem = assert_problem(response, 422, "idempotency-key-reused")
    assert "Idempotency-Key" in problem["detail"]
    assert len(store.items) == 1
    assert len(publisher.messages) == 1


def test_key_whose_first_use_is_in_flight_is_409_with_retry_after(
    handler: Handler, ledger: InMemorySubmissionLedger, store: InMemoryJobStore
) -> None:
    ledger.hold_in_progress(KEY, JobRequest.from_document(TEXT_REQUEST))

    response = handler(_post(TEXT_REQUEST, KEY), None)

    assert_problem(response, 409, "idempotency-key-in-progress")
    assert response["headers"]["Retry-After"] == "1"
    assert store.items == {}


def test_different_keys_make_different_jobs(handler: Handler, store: InMemoryJobStore) -> None:
    first = json.loads(handler(_post(TEXT_REQUEST, "key-1"), None)["body"])
    second = json.loads(handler(_post(TEXT_REQUEST, "key-2"), None)["body"])

    assert first["job_id"] != second["job_id"]
    assert len(store.items) == 2


def test_without_a_key_the_ledger_is_not_asked(settings: Settings, store: InMemoryJobStore) -> None:
    broken = RuntimeError("the ledger was asked")
    handler = handler_for(
        settings,
        store=store,
        publisher=RecordingJobPublisher(),
        ledger=InMemorySubmissionLedger(fail_with=broken),
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    first = handler(_post(TEXT_REQUEST, None), None)
    second = handler(_post(TEXT_REQUEST, None), None)

    assert first["statusCode"] == second["statusCode"] == 202
    assert len(store.items) == 2


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("k", id="one-character"),
        pytest.param("x" * 255, id="255-characters"),
        pytest.param("order 42 / retry: #1 ~!", id="spaces-and-punctuation"),
    ],
)
def test_any_1_to_255_printable_ascii_characters_make_a_key(handler: Handler, key: str) -> None:
    assert handler(_post(TEXT_REQUEST, key), None)["statusCode"] == 202


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("x" * 256, id="256-characters"),
        pytest.param("clé", id="not-ascii"),
        pytest.param("tab\there", id="control-character"),
        pytest.param("line\n", id="trailing-newline"),
        pytest.param("nul\x00", id="nul"),
    ],
)
def test_key_that_is_not_1_to_255_printable_ascii_characters_is_invalid_and_changes_nothing(
    handler: Handler,
    ledger: InMemorySubmissionLedger,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    key: str,
) -> None:
    problem = assert_problem(handler(_post(TEXT_REQUEST, key), None), 400, "invalid-idempotency-key")

    assert "255" in problem["detail"]
    assert (ledger.uses, store.items, publisher.messages) == ({}, {}, [])


def test_invalid_body_with_a_key_does_not_use_the_key(
    handler: Handler, ledger: InMemorySubmissionLedger
) -> None:
    response = handler(_post({"job_type": "text_transform", "payload": {"text": ""}}, KEY), None)

    assert_problem(response, 400, "validation-failed")
    assert ledger.uses == {}


def test_idempotency_table_unavailable_is_503_and_nothing_is_stored(
    settings: Settings, store: InMemoryJobStore
) -> None:
    publisher = RecordingJobPublisher()
    ledger = InMemorySubmissionLedger(
        fail_with=BackendUnavailableError("the idempotency table did not answer")
    )
    handler = handler_for(
        settings,
        store=store,
        publisher=publisher,
        ledger=ledger,
        links=FakeFileLinks(),
        uploads=FakeUploads(),
        payloads=InMemoryPayloadStore(),
        job_types=FakeDeployedJobTypes(),
    )

    assert_problem(handler(_post(TEXT_REQUEST, KEY), None), 503, "service-unavailable")
    assert (store.items, publisher.messages) == ({}, [])
