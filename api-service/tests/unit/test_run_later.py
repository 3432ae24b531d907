"""Run later (`delay_seconds`): run_at on the item and the record; up to 900 s the message carries the delay,
beyond it no message leaves and the job enters the sweep index at run_at (docs/design.md, Run later)."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conveyor_api.clock import to_epoch_ms, to_timestamp
from conveyor_api.handlers.http import Handler
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES, PayloadPlacement
from conveyor_api.jobs.submit import submit_job
from conveyor_api.models import JobItem, JobRequest
from tests.support.events import post_job_batch, post_job_request, request
from tests.support.fakes import (
    FakeFileLinks,
    InMemoryJobStore,
    InMemoryPayloadStore,
    RecordingJobMetrics,
    RecordingJobPublisher,
)
from tests.support.problems import assert_problem

JOB_ID = uuid.UUID("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d")
NOW = datetime(2026, 11, 24, 17, 5, 9, 123000, tzinfo=UTC)
TEXT: dict[str, Any] = {"job_type": "text_transform", "payload": {"text": "later"}}


def _submit(delay_seconds: int | None) -> tuple[InMemoryJobStore, RecordingJobPublisher, dict[str, Any]]:
    store, publisher = InMemoryJobStore(), RecordingJobPublisher()
    record = submit_job(
        JobRequest(job_type="text_transform", payload={"text": "later"}, delay_seconds=delay_seconds),
        writer=store,
        publisher=publisher,
        payloads=PayloadPlacement(InMemoryPayloadStore(), MAX_STORED_PAYLOAD_BYTES),
        clock=lambda: NOW,
        new_job_id=lambda: JOB_ID,
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )
    return store, publisher, record.to_document()


@pytest.mark.parametrize("delay_seconds", [1, 60, 900])
def test_a_delay_up_to_900_s_rides_on_the_message_and_keeps_the_job_out_of_the_sweep_index(
    delay_seconds: int,
) -> None:
    store, publisher, record = _submit(delay_seconds)

    run_at = to_timestamp(NOW + timedelta(seconds=delay_seconds))
    assert record["run_at"] == run_at
    item = store.items[str(JOB_ID)]
    assert item["run_at"] == run_at
    assert "sweep_shard" not in item
    assert "sweep_at" not in item
    assert publisher.delays == {str(JOB_ID): delay_seconds}


@pytest.mark.parametrize("delay_seconds", [901, 7200, 604800])
def test_a_delay_over_900_s_sends_no_message_and_enters_the_sweep_index_at_run_at(delay_seconds: int) -> None:
    store, publisher, record = _submit(delay_seconds)

    run_at = NOW + timedelta(seconds=delay_seconds)
    assert record["run_at"] == to_timestamp(run_at)
    assert publisher.messages == []
    item = store.items[str(JOB_ID)]
    # Exactly the keys a sweeper of any release acts on: it sends the job's message once sweep_at (plus its
    # grace) has passed, and never before, so even a 1.1.0 sweeper runs the job at or after run_at.
    assert (item["status"], item["attempts"]) == ("QUEUED", 0)
    assert item["sweep_shard"] == JOB_ID.int % 16
    assert item["sweep_at"] == to_epoch_ms(run_at)
    assert item["run_at"] == to_timestamp(run_at)
    assert item["updated_at"] == item["created_at"]


@pytest.mark.parametrize("delay_seconds", [None, 0])
def test_no_delay_or_a_zero_delay_runs_at_once_without_run_at(delay_seconds: int | None) -> None:
    store, publisher, record = _submit(delay_seconds)

    assert "run_at" not in record
    assert "run_at" not in store.items[str(JOB_ID)]
    assert publisher.delays == {str(JOB_ID): 0}


def test_the_item_written_for_a_delayed_job_is_a_valid_job_item() -> None:
    store, _, _ = _submit(7200)

    JobItem.from_document(store.items[str(JOB_ID)])  # checks it against job-item


@pytest.mark.parametrize("delay", [-1, 604801, "2h", 1.5, True])
def test_a_delay_outside_0_to_7_days_is_400_and_changes_nothing(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher, delay: object
) -> None:
    problem = assert_problem(
        handler(post_job_request(TEXT | {"delay_seconds": delay}), None), 400, "validation-failed"
    )

    assert "delay_seconds" in json.dumps(problem)
    assert store.items == {}
    assert publisher.messages == []


def test_post_jobs_shows_run_at_in_its_answer_and_in_later_reads(handler: Handler) -> None:
    before = datetime.now(UTC)
    response = handler(post_job_request(TEXT | {"delay_seconds": 3600}), None)

    assert response["statusCode"] == 202
    record = json.loads(response["body"])
    run_at = datetime.fromisoformat(record["run_at"])
    assert (
        before + timedelta(hours=1) - timedelta(milliseconds=1)
        <= run_at
        <= datetime.now(UTC) + timedelta(hours=1)
    )
    read = json.loads(handler(request("GET", f"/jobs/{record['job_id']}"), None)["body"])
    assert read["run_at"] == record["run_at"]


def test_a_batch_honours_each_jobs_delay(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    jobs = [TEXT, TEXT | {"delay_seconds": 600}, TEXT | {"delay_seconds": 86400}]

    response = handler(post_job_batch({"jobs": jobs}), None)

    results = json.loads(response["body"])["results"]
    assert [result["status"] for result in results] == [202, 202, 202]
    now_id, soon_id, tomorrow_id = (result["job"]["job_id"] for result in results)
    assert "run_at" not in results[0]["job"]
    assert "run_at" in results[1]["job"]
    assert "run_at" in results[2]["job"]
    # The job due tomorrow has no message yet: the sweep index holds it.
    assert {message.job_id for message in publisher.messages} == {now_id, soon_id}
    assert publisher.delays == {now_id: 0, soon_id: 600}
    assert "sweep_at" in store.items[tomorrow_id]
    assert "sweep_at" not in store.items[soon_id]
    assert set(store.items) == {now_id, soon_id, tomorrow_id}


def test_an_idempotency_key_replays_the_delayed_job_with_its_first_run_at(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    def post() -> dict[str, Any]:
        event = post_job_request(TEXT | {"delay_seconds": 7200})
        event["headers"]["idempotency-key"] = "later-1"
        return event

    first = handler(post(), None)
    replay = handler(post(), None)

    assert first["statusCode"] == replay["statusCode"] == 202
    assert replay["body"] == first["body"]
    assert len(store.items) == 1
    assert publisher.messages == []


def test_the_same_key_with_another_delay_is_another_body_and_changes_nothing(
    handler: Handler, store: InMemoryJobStore
) -> None:
    def post(delay: int) -> dict[str, Any]:
        event = post_job_request(TEXT | {"delay_seconds": delay})
        event["headers"]["idempotency-key"] = "later-2"
        return event

    handler(post(60), None)
    assert_problem(handler(post(120), None), 422, "idempotency-key-reused")
    assert len(store.items) == 1


def test_a_retry_of_a_delayed_job_that_failed_runs_at_once(
    handler: Handler, store: InMemoryJobStore, publisher: RecordingJobPublisher
) -> None:
    record = json.loads(handler(post_job_request(TEXT | {"delay_seconds": 7200}), None)["body"])
    handler(request("POST", f"/jobs/{record['job_id']}/cancel"), None)

    response = handler(request("POST", f"/jobs/{record['job_id']}/retry"), None)

    assert response["statusCode"] == 202
    retried = json.loads(response["body"])
    assert "run_at" not in retried
    assert "sweep_at" not in store.items[retried["job_id"]]
    assert publisher.delays == {retried["job_id"]: 0}


def test_a_waiting_job_can_be_cancelled_and_leaves_the_sweep_index(
    handler: Handler, store: InMemoryJobStore
) -> None:
    record = json.loads(handler(post_job_request(TEXT | {"delay_seconds": 7200}), None)["body"])

    cancelled = json.loads(handler(request("POST", f"/jobs/{record['job_id']}/cancel"), None)["body"])

    assert (cancelled["status"], cancelled["error"]["code"]) == ("FAILED", "CANCELLED")
    assert cancelled["run_at"] == record["run_at"]
    item = store.items[record["job_id"]]
    assert "sweep_shard" not in item
    assert "sweep_at" not in item
