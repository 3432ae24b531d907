"""The submit domain function on its own: what it writes, what it sends, and in which order."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from conveyor_api.jobs.errors import BackendUnavailableError, PayloadTooLargeError
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES, PayloadPlacement
from conveyor_api.jobs.submit import submit_job
from conveyor_api.models import JobItem, JobMessage, JobRecord, JobRequest
from tests.support.fakes import (
    FakeFileLinks,
    InMemoryJobStore,
    InMemoryPayloadStore,
    RecordingJobMetrics,
    RecordingJobPublisher,
)

JOB_ID = uuid.UUID("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d")
NOW = datetime(2026, 11, 24, 18, 5, 9, 123456, tzinfo=timezone(timedelta(hours=1)))
REQUEST = JobRequest(job_type="text_transform", payload={"text": "Hello, Conveyor!"})


def all_inline() -> PayloadPlacement:
    """As an API that keeps every payload in its item: the template's default, which any worker reads."""
    return PayloadPlacement(InMemoryPayloadStore(), MAX_STORED_PAYLOAD_BYTES)


class JournalingStore(InMemoryJobStore):
    def __init__(self, journal: list[str]) -> None:
        super().__init__()
        self.journal = journal

    def put_new(self, item: JobItem) -> None:
        self.journal.append("put")
        super().put_new(item)


class JournalingPublisher(RecordingJobPublisher):
    def __init__(self, journal: list[str]) -> None:
        super().__init__()
        self.journal = journal

    def publish(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        self.journal.append("publish")
        super().publish(message, delay_seconds=delay_seconds)


def test_submit_sends_the_message_stores_the_queued_item_and_returns_its_record() -> None:
    store, publisher = InMemoryJobStore(), RecordingJobPublisher()

    record = submit_job(
        REQUEST,
        writer=store,
        publisher=publisher,
        payloads=all_inline(),
        clock=lambda: NOW,
        new_job_id=lambda: JOB_ID,
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )

    item = {
        "job_id": str(JOB_ID),
        "job_type": "text_transform",
        "status": "QUEUED",
        "created_at": "2026-11-24T17:05:09.123Z",
        "updated_at": "2026-11-24T17:05:09.123Z",
        "attempts": 0,
        "payload": '{"text":"Hello, Conveyor!"}',
    }
    assert store.items == {str(JOB_ID): item}
    assert publisher.messages == [
        JobMessage(
            contract_version="1",
            job_id=str(JOB_ID),
            job_type="text_transform",
            submitted_at="2026-11-24T17:05:09.123Z",
        )
    ]
    assert record == JobRecord(
        job_id=str(JOB_ID),
        job_type="text_transform",
        status="QUEUED",
        created_at="2026-11-24T17:05:09.123Z",
        updated_at="2026-11-24T17:05:09.123Z",
        started_at=None,
        finished_at=None,
        attempts=0,
        result=None,
        result_url=None,
        error=None,
        progress=None,
    )


def test_a_job_is_announced_before_it_is_stored_so_every_stored_job_has_a_message() -> None:
    journal: list[str] = []

    submit_job(
        REQUEST,
        writer=JournalingStore(journal),
        publisher=JournalingPublisher(journal),
        payloads=all_inline(),
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )

    assert journal == ["publish", "put"]


def test_a_job_whose_message_the_queue_refused_is_not_stored_nor_counted() -> None:
    store, metrics = InMemoryJobStore(), RecordingJobMetrics()

    with pytest.raises(BackendUnavailableError):
        submit_job(
            REQUEST,
            writer=store,
            publisher=RecordingJobPublisher(fail_with=BackendUnavailableError("no queue")),
            payloads=all_inline(),
            links=FakeFileLinks(),
            owner=None,
            metrics=metrics,
        )

    assert (store.items, metrics.submitted) == ({}, 0)


def test_a_job_the_store_refused_after_its_message_left_is_refused_and_not_counted() -> None:
    publisher, metrics = RecordingJobPublisher(), RecordingJobMetrics()

    # The message names a job that never exists: the worker drops it as an orphan.
    with pytest.raises(BackendUnavailableError):
        submit_job(
            REQUEST,
            writer=InMemoryJobStore(fail_with=BackendUnavailableError("down")),
            publisher=publisher,
            payloads=all_inline(),
            links=FakeFileLinks(),
            owner=None,
            metrics=metrics,
        )

    assert (len(publisher.messages), metrics.submitted) == (1, 0)


class LandsThenFails(InMemoryJobStore):
    """A write that lands, then fails to answer: `answer` is what the caller sees instead."""

    def __init__(self, answer: Exception) -> None:
        super().__init__()
        self.answer = answer

    def put_new(self, item: JobItem) -> None:
        super().put_new(item)
        raise self.answer


def test_a_job_whose_write_landed_though_its_answer_was_lost_is_accepted() -> None:
    store, metrics = LandsThenFails(BackendUnavailableError("timed out")), RecordingJobMetrics()

    record = submit_job(
        REQUEST,
        writer=store,
        publisher=RecordingJobPublisher(),
        payloads=all_inline(),
        links=FakeFileLinks(),
        owner=None,
        metrics=metrics,
        new_job_id=lambda: JOB_ID,
    )

    assert record.job_id in store.items
    assert metrics.submitted == 1


def test_new_jobs_get_distinct_random_ids() -> None:
    store = InMemoryJobStore()

    ids = {
        submit_job(
            REQUEST,
            writer=store,
            publisher=RecordingJobPublisher(),
            payloads=all_inline(),
            links=FakeFileLinks(),
            owner=None,
            metrics=RecordingJobMetrics(),
        ).job_id
        for _ in range(20)
    }

    assert len(ids) == 20
    assert all(uuid.UUID(job_id).version == 4 for job_id in ids)


def test_payload_whose_stored_text_exceeds_the_limit_is_refused_before_anything_is_written() -> None:
    store, publisher = InMemoryJobStore(), RecordingJobPublisher()
    request = JobRequest(job_type="text_transform", payload={"text": "x" * MAX_STORED_PAYLOAD_BYTES})

    with pytest.raises(PayloadTooLargeError) as refused:
        submit_job(
            request,
            writer=store,
            publisher=publisher,
            payloads=all_inline(),
            links=FakeFileLinks(),
            owner=None,
            metrics=RecordingJobMetrics(),
        )

    assert refused.value.limit == MAX_STORED_PAYLOAD_BYTES
    assert store.items == {}
    assert publisher.messages == []


def test_timestamps_are_utc_with_milliseconds_and_z() -> None:
    store = InMemoryJobStore()
    midnight = datetime(2026, 1, 1, tzinfo=UTC)

    record = submit_job(
        REQUEST,
        writer=store,
        publisher=RecordingJobPublisher(),
        payloads=all_inline(),
        clock=lambda: midnight,
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )

    assert record.created_at == "2026-01-01T00:00:00.000Z"


OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"


def test_a_signed_in_callers_job_carries_its_owner_and_the_listing_keys_for_queued() -> None:
    store = InMemoryJobStore()

    record = submit_job(
        REQUEST,
        owner=OWNER,
        writer=store,
        publisher=RecordingJobPublisher(),
        payloads=all_inline(),
        links=FakeFileLinks(),
        metrics=RecordingJobMetrics(),
        clock=lambda: NOW,
    )

    stored = store.items[record.job_id]
    assert (stored["owner"], stored["owner_type"], stored["owner_status"], stored["owner_type_status"]) == (
        OWNER,
        f"{OWNER}#text_transform",
        f"{OWNER}#QUEUED",
        f"{OWNER}#text_transform#QUEUED",
    )
    assert store.index_entries[record.job_id]["created_at"] == "2026-11-24T17:05:09.123Z"


LARGE_REQUEST = JobRequest(job_type="text_transform", payload={"text": "é" * 3000})
LARGE_TEXT = '{"text":"' + "é" * 3000 + '"}'
LARGE_BYTES = len(LARGE_TEXT.encode("utf-8"))  # 6011: twice as many bytes as characters, nearly


@pytest.mark.parametrize(
    ("inline_max_bytes", "aside"),
    [(LARGE_BYTES - 1, True), (LARGE_BYTES, False), (MAX_STORED_PAYLOAD_BYTES, False)],
    ids=["one-byte-over", "exactly-at-the-threshold", "the-templates-default-keeps-all-inline"],
)
def test_a_payload_goes_aside_exactly_when_its_stored_utf_8_text_is_over_the_threshold(
    inline_max_bytes: int, aside: bool
) -> None:
    payloads, store = InMemoryPayloadStore(), InMemoryJobStore()

    record = submit_job(
        LARGE_REQUEST,
        writer=store,
        publisher=RecordingJobPublisher(),
        payloads=PayloadPlacement(payloads, inline_max_bytes),
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )

    item = store.items[record.job_id]
    key = f"payloads/{record.job_id}/payload.json"
    if aside:
        assert ("payload" in item, item["payload_ref"], payloads.objects) == (False, key, {key: LARGE_TEXT})
    else:
        assert (item["payload"], "payload_ref" in item, payloads.objects) == (LARGE_TEXT, False, {})


class JournalingPayloadStore(InMemoryPayloadStore):
    def __init__(self, journal: list[str]) -> None:
        super().__init__()
        self.journal = journal

    def put(self, key: str, text: str) -> None:
        self.journal.append("payload")
        super().put(key, text)


def test_a_payload_stored_aside_is_written_before_the_message_is_sent_and_the_job_stored() -> None:
    journal: list[str] = []

    submit_job(
        LARGE_REQUEST,
        writer=JournalingStore(journal),
        publisher=JournalingPublisher(journal),
        payloads=PayloadPlacement(JournalingPayloadStore(journal), 4096),
        links=FakeFileLinks(),
        owner=None,
        metrics=RecordingJobMetrics(),
    )

    assert journal == ["payload", "publish", "put"]


def test_a_refused_payload_write_sends_nothing_and_stores_nothing() -> None:
    store, publisher = InMemoryJobStore(), RecordingJobPublisher()

    with pytest.raises(BackendUnavailableError):
        submit_job(
            LARGE_REQUEST,
            writer=store,
            publisher=publisher,
            payloads=PayloadPlacement(InMemoryPayloadStore(fail_with=BackendUnavailableError("S3")), 4096),
            links=FakeFileLinks(),
            owner=None,
            metrics=RecordingJobMetrics(),
        )

    assert (store.items, publisher.messages) == ({}, [])
