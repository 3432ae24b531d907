"""POST /jobs/{job_id}/cancel and POST /jobs/{job_id}/retry through the handler, backends faked."""

import json
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.models import JobItem
from tests.support.events import get_job, request, signed_in
from tests.support.fakes import InMemoryJobStore, InMemoryPayloadStore, RecordingJobPublisher
from tests.support.problems import assert_problem

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
SOMEONE_ELSE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
QUEUED = {
    "job_id": JOB_ID,
    "job_type": "text_transform",
    "status": "QUEUED",
    "created_at": "2026-11-24T17:05:09.123Z",
    "updated_at": "2026-11-24T17:05:09.123Z",
    "attempts": 0,
    "payload": '{"text":"Hello, Conveyor!"}',
    # As an API from before send-first submission left it: the cancel must take it out of the sweep index.
    "sweep_shard": 7,
    "sweep_at": 1795539909123,
}
IN_PROGRESS = {key: value for key, value in QUEUED.items() if key not in ("sweep_shard", "sweep_at")} | {
    "status": "IN_PROGRESS",
    "updated_at": "2026-11-24T17:05:09.456Z",
    "started_at": "2026-11-24T17:05:09.456Z",
    "attempts": 1,
    "claim_token": "9b1f0c1d2e3f4a5b",
    "lease_expires_at": 1795539924456,
}
_ENDED = {key: value for key, value in IN_PROGRESS.items() if key != "lease_expires_at"} | {
    "updated_at": "2026-11-24T17:05:09.789Z",
    "finished_at": "2026-11-24T17:05:09.789Z",
    "expires_at": 1798131910,
}
SUCCEEDED = _ENDED | {
    "status": "SUCCEEDED",
    "result": '{"length":16,"uppercase":"HELLO, CONVEYOR!","word_count":2}',
}
FAILED = _ENDED | {
    "status": "FAILED",
    "attempts": 3,
    "error": {"code": "RETRIES_EXHAUSTED", "message": "gave up after 3 attempts: timed out"},
}


def _store(store: InMemoryJobStore, document: dict[str, Any]) -> JobItem:
    item = JobItem.from_document(document)
    store.replace(item)
    return item


def _owned(document: dict[str, Any], owner: str = OWNER) -> dict[str, Any]:
    return document | listing_keys(owner, str(document["job_type"]), str(document["status"]))


def _cancel(job_id: str = JOB_ID, *, sub: str | None = None) -> dict[str, Any]:
    event = request("POST", f"/jobs/{job_id}/cancel")
    return event if sub is None else signed_in(event, sub)


def _retry(job_id: str = JOB_ID, *, sub: str | None = None, key: str | None = None) -> dict[str, Any]:
    event = request("POST", f"/jobs/{job_id}/retry")
    if key is not None:
        event["headers"]["idempotency-key"] = key
    return event if sub is None else signed_in(event, sub)


def _body(response: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response["body"])
    return body


def test_cancel_of_a_queued_job_ends_it_failed_cancelled_in_one_write_as_every_finishing_write_does(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _store(store, QUEUED)

    response = handler(_cancel(), None)

    assert response["statusCode"] == 200
    record = _body(response)
    assert record["status"] == "FAILED"
    assert record["error"]["code"] == "CANCELLED"
    assert record["cancel_requested_at"] == record["finished_at"] == record["updated_at"]
    assert "Retry-After" not in response.get("headers", {})
    stored = store.items[JOB_ID]
    assert "sweep_shard" not in stored
    assert "sweep_at" not in stored
    assert isinstance(stored["expires_at"], int)
    assert store.calls == ["get", "update"]


def test_cancel_of_an_owned_queued_job_moves_its_listing_keys_to_failed(
    jwt_handler: Handler, store: InMemoryJobStore
) -> None:
    _store(store, _owned(QUEUED))

    assert jwt_handler(_cancel(sub=OWNER), None)["statusCode"] == 200

    assert store.items[JOB_ID]["owner_status"] == f"{OWNER}#FAILED"
    assert store.items[JOB_ID]["owner_type_status"] == f"{OWNER}#text_transform#FAILED"


def test_cancel_of_a_running_job_marks_it_and_answers_202_still_in_progress(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _store(store, IN_PROGRESS)

    response = handler(_cancel(), None)

    assert response["statusCode"] == 202
    record = _body(response)
    assert record["status"] == "IN_PROGRESS"
    assert record["cancel_requested_at"] is not None
    assert record["error"] is None
    assert "Retry-After" in response["headers"]
    assert store.items[JOB_ID]["claim_token"] == IN_PROGRESS["claim_token"]


@pytest.mark.parametrize("document", [QUEUED, IN_PROGRESS], ids=["queued", "running"])
def test_cancelling_twice_answers_the_same_and_writes_nothing_the_second_time(
    handler: Handler, store: InMemoryJobStore, document: dict[str, Any]
) -> None:
    _store(store, document)
    first = handler(_cancel(), None)
    written = dict(store.items[JOB_ID])
    store.calls.clear()

    second = handler(_cancel(), None)

    assert (second["statusCode"], second["body"]) == (first["statusCode"], first["body"])
    assert store.items[JOB_ID] == written
    assert store.calls == ["get"]


@pytest.mark.parametrize("document", [SUCCEEDED, FAILED], ids=["succeeded", "failed"])
def test_cancel_of_a_job_that_ended_otherwise_is_409_job_ended_and_changes_nothing(
    handler: Handler, store: InMemoryJobStore, document: dict[str, Any]
) -> None:
    _store(store, document)

    problem = assert_problem(handler(_cancel(), None), 409, "job-ended")

    assert document["status"] in problem["detail"]
    assert store.items[JOB_ID] == JobItem.from_document(document).to_document()


def test_a_job_claimed_between_the_cancels_read_and_write_is_answered_as_running(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _store(store, QUEUED)
    store.before_conditional_write = lambda: _store(store, IN_PROGRESS)

    response = handler(_cancel(), None)

    assert response["statusCode"] == 202
    assert _body(response)["status"] == "IN_PROGRESS"
    assert store.items[JOB_ID]["cancel_requested_at"] == _body(response)["cancel_requested_at"]


def test_a_job_that_ended_between_the_cancels_read_and_write_is_409_and_unchanged(
    handler: Handler, store: InMemoryJobStore
) -> None:
    _store(store, IN_PROGRESS)
    store.before_conditional_write = lambda: _store(store, SUCCEEDED)

    assert_problem(handler(_cancel(), None), 409, "job-ended")
    assert "cancel_requested_at" not in store.items[JOB_ID]


@pytest.mark.parametrize("route", [_cancel, _retry], ids=["cancel", "retry"])
def test_with_sign_in_another_owners_job_and_an_unowned_one_are_404_and_unchanged(
    jwt_handler: Handler, store: InMemoryJobStore, route: Any
) -> None:
    document = FAILED if route is _retry else QUEUED
    _store(store, _owned(document, SOMEONE_ELSE))
    other = dict(store.items[JOB_ID])
    unowned_id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
    _store(store, document | {"job_id": unowned_id})

    assert_problem(jwt_handler(route(sub=OWNER), None), 404, "job-not-found")
    assert_problem(jwt_handler(route(unowned_id, sub=OWNER), None), 404, "job-not-found")
    assert store.items[JOB_ID] == other
    assert len(store.items) == 2


@pytest.mark.parametrize("route", [_cancel, _retry], ids=["cancel", "retry"])
def test_an_unknown_job_is_404_and_a_malformed_id_400(handler: Handler, route: Any) -> None:
    assert_problem(handler(route(), None), 404, "job-not-found")
    assert_problem(handler(route("job-42"), None), 400, "invalid-job-id")


def test_retry_of_a_failed_job_submits_a_new_job_that_links_to_it_and_leaves_it_unchanged(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    _store(store, FAILED)
    before = handler(get_job(JOB_ID), None)["body"]

    response = handler(_retry(), None)

    assert response["statusCode"] == 202
    record = _body(response)
    assert record["status"] == "QUEUED"
    assert record["retry_of"] == JOB_ID
    assert record["job_id"] != JOB_ID
    assert response["headers"]["Location"] == f"/jobs/{record['job_id']}"
    assert store.items[record["job_id"]]["payload"] == FAILED["payload"]
    assert [message.job_id for message in publisher.messages] == [record["job_id"]]
    assert handler(get_job(JOB_ID), None)["body"] == before


def test_retry_keeps_the_failed_jobs_owner(jwt_handler: Handler, store: InMemoryJobStore) -> None:
    _store(store, _owned(FAILED))

    record = _body(jwt_handler(_retry(sub=OWNER), None))

    assert store.items[record["job_id"]]["owner"] == OWNER
    assert store.items[record["job_id"]]["owner_status"] == f"{OWNER}#QUEUED"


def test_retry_copies_a_payload_stored_aside_to_the_new_jobs_own_key(
    handler: Handler, store: InMemoryJobStore, payloads: InMemoryPayloadStore
) -> None:
    text = json.dumps({"text": "x" * 5000}, separators=(",", ":"))
    original_key = f"payloads/{JOB_ID}/payload.json"
    payloads.objects[original_key] = text
    _store(
        store,
        {key: value for key, value in FAILED.items() if key != "payload"} | {"payload_ref": original_key},
    )

    record = _body(handler(_retry(), None))

    new_key = f"payloads/{record['job_id']}/payload.json"
    assert store.items[record["job_id"]]["payload_ref"] == new_key
    assert payloads.objects[new_key] == text
    assert payloads.objects[original_key] == text


def test_retry_of_a_failed_job_whose_payload_stored_aside_expired_is_409_and_submits_nothing(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    ref = f"payloads/{JOB_ID}/payload.json"
    _store(store, {key: value for key, value in FAILED.items() if key != "payload"} | {"payload_ref": ref})

    assert_problem(handler(_retry(), None), 409, "payload-expired")
    assert publisher.messages == []
    assert list(store.items) == [JOB_ID]


@pytest.mark.parametrize("document", [QUEUED, IN_PROGRESS, SUCCEEDED], ids=["queued", "running", "succeeded"])
def test_retry_of_a_job_that_has_not_failed_is_409_job_not_failed_and_submits_nothing(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher, document: dict[str, Any]
) -> None:
    _store(store, document)

    problem = assert_problem(handler(_retry(), None), 409, "job-not-failed")

    assert document["status"] in problem["detail"]
    assert publisher.messages == []
    assert list(store.items) == [JOB_ID]


def test_a_retry_repeated_with_its_idempotency_key_answers_the_first_new_job_again(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    _store(store, FAILED)

    first = handler(_retry(key="retry-1"), None)
    again = handler(_retry(key="retry-1"), None)

    assert first["statusCode"] == again["statusCode"] == 202
    assert _body(again) == _body(first)
    assert len(publisher.messages) == 1
    assert len(store.items) == 2


def test_one_key_retrying_two_jobs_or_also_submitting_makes_a_job_for_each(
    handler: Handler, store: InMemoryJobStore
) -> None:
    other_id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
    _store(store, FAILED)
    _store(store, FAILED | {"job_id": other_id})

    first = _body(handler(_retry(key="same"), None))
    second = _body(handler(_retry(other_id, key="same"), None))

    assert (first["retry_of"], second["retry_of"]) == (JOB_ID, other_id)
    assert first["job_id"] != second["job_id"]
