"""POST /jobs naming an upload: with sign-in only the caller's own may be named, and another caller's is
refused exactly as a missing one is, before anything is written; without sign-in nothing is looked up."""

import json
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.sources import upload_key_members
from tests.support.events import post_job_request, signed_in
from tests.support.fakes import (
    FakeUploads,
    InMemoryJobStore,
    InMemorySubmissionLedger,
    RecordingJobPublisher,
)
from tests.support.problems import assert_problem

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"
ALICES_UPLOAD = "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a"
NO_UPLOAD = "uploads/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
UNOWNED_UPLOAD = "uploads/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def _resize(source_key: str) -> dict[str, Any]:
    return {"job_type": "image_resize", "payload": {"source_key": source_key, "dimensions": [60, 40]}}


def _submit(handler: Handler, sub: str | None, source_key: str, *, key: str | None = None) -> dict[str, Any]:
    event = post_job_request(_resize(source_key))
    if sub is not None:
        event = signed_in(event, sub)
    if key is not None:
        event["headers"]["idempotency-key"] = key
    return handler(event, None)


@pytest.fixture(autouse=True)
def _uploaded(uploads: FakeUploads) -> None:
    uploads.put(ALICES_UPLOAD, owner=ALICE)
    uploads.put(UNOWNED_UPLOAD, owner=None)


def _nothing_written(
    store: InMemoryJobStore, publisher: RecordingJobPublisher, ledger: InMemorySubmissionLedger
) -> bool:
    return (store.items, publisher.messages, ledger.uses) == ({}, [], {})


def test_with_sign_in_a_caller_submits_a_job_naming_their_own_upload(
    jwt_handler: Handler, store: InMemoryJobStore, uploads: FakeUploads
) -> None:
    response = _submit(jwt_handler, ALICE, ALICES_UPLOAD)

    assert response["statusCode"] == 202, response["body"]
    stored = store.items[json.loads(response["body"])["job_id"]]
    assert (stored["owner"], json.loads(str(stored["payload"]))["source_key"]) == (ALICE, ALICES_UPLOAD)
    assert uploads.found == [ALICES_UPLOAD]


@pytest.mark.parametrize(
    "source_key",
    [
        pytest.param(ALICES_UPLOAD, id="another-callers-upload"),
        pytest.param(NO_UPLOAD, id="no-upload-at-the-key"),
        pytest.param(UNOWNED_UPLOAD, id="an-upload-that-records-no-owner"),
    ],
)
def test_with_sign_in_an_upload_not_the_callers_own_is_upload_not_found_and_changes_nothing(
    jwt_handler: Handler,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    ledger: InMemorySubmissionLedger,
    source_key: str,
) -> None:
    problem = assert_problem(_submit(jwt_handler, BOB, source_key, key="bobs-try"), 422, "upload-not-found")

    assert problem["errors"] == [
        {"pointer": "/payload/source_key", "message": "No upload of yours has this key."}
    ]
    assert _nothing_written(store, publisher, ledger)


def test_with_sign_in_another_callers_upload_is_refused_word_for_word_as_a_missing_one(
    jwt_handler: Handler,
) -> None:
    """Nothing in the answer tells bob that alice's upload exists."""
    alices = _submit(jwt_handler, BOB, ALICES_UPLOAD)
    missing = _submit(jwt_handler, BOB, NO_UPLOAD)

    assert alices == missing


def test_with_sign_in_a_refused_keyed_submission_leaves_the_key_free_for_a_retry_after_the_upload(
    jwt_handler: Handler, uploads: FakeUploads
) -> None:
    refused = _submit(jwt_handler, BOB, NO_UPLOAD, key="retry-me")
    uploads.put(NO_UPLOAD, owner=BOB)

    accepted = _submit(jwt_handler, BOB, NO_UPLOAD, key="retry-me")

    assert (refused["statusCode"], accepted["statusCode"]) == (422, 202)


def test_with_sign_in_the_files_bucket_not_answering_is_503_and_changes_nothing(
    jwt_handler: Handler,
    store: InMemoryJobStore,
    publisher: RecordingJobPublisher,
    ledger: InMemorySubmissionLedger,
    uploads: FakeUploads,
) -> None:
    uploads.fail_with = BackendUnavailableError("the files bucket did not answer")

    assert_problem(_submit(jwt_handler, ALICE, ALICES_UPLOAD, key="k"), 503, "service-unavailable")
    assert _nothing_written(store, publisher, ledger)


def test_with_sign_in_a_job_that_names_no_upload_looks_nothing_up(
    jwt_handler: Handler, uploads: FakeUploads
) -> None:
    event = signed_in(post_job_request({"job_type": "text_transform", "payload": {"text": "hi"}}), ALICE)

    assert jwt_handler(event, None)["statusCode"] == 202
    assert uploads.found == []


@pytest.mark.parametrize("source_key", [ALICES_UPLOAD, NO_UPLOAD, UNOWNED_UPLOAD])
def test_without_sign_in_any_key_is_accepted_as_before_and_nothing_is_looked_up(
    handler: Handler, uploads: FakeUploads, source_key: str
) -> None:
    """The key is the capability to use its upload, as a job id is to read its job; a missing upload fails
    the job at the worker (SOURCE_NOT_FOUND), as it always did."""
    assert _submit(handler, None, source_key)["statusCode"] == 202
    assert uploads.found == []


def test_the_payload_members_that_name_an_upload_come_from_the_contract() -> None:
    assert upload_key_members("image_resize") == ("source_key",)
    assert upload_key_members("text_transform") == upload_key_members("data_analysis") == ()
