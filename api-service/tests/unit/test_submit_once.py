"""The idempotent submit on its own: one job per key, whatever fails and however often the client retries."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from conveyor_api import contract
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
    JobAlreadyExistsError,
    PayloadTooLargeError,
)
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES, PayloadPlacement
from conveyor_api.jobs.submit import new_job
from conveyor_api.jobs.submit_once import keyed_job_id, owners_key, submit_job_once
from conveyor_api.models import JobItem, JobMessage, JobRecord, JobRequest
from tests.support.fakes import (
    FakeFileLinks,
    InMemoryJobStore,
    InMemoryPayloadStore,
    InMemorySubmissionLedger,
    RecordingJobMetrics,
    RecordingJobPublisher,
)

KEY = "9b2f6c1d-4e5a-4b7c-8d9e-0f1a2b3c4d5e"
REQUEST = JobRequest(job_type="text_transform", payload={"text": "Hello, Conveyor!"})
INLINE_MAX_BYTES = 4096
LARGE_REQUEST = JobRequest(job_type="text_transform", payload={"text": "x" * INLINE_MAX_BYTES})


class Service:
    """The submit's ports, faked, and the submit over them."""

    def __init__(self) -> None:
        self.ledger = InMemorySubmissionLedger()
        self.store = InMemoryJobStore()
        self.publisher = RecordingJobPublisher()
        self.metrics = RecordingJobMetrics()
        self.payloads = InMemoryPayloadStore()
        self.placement = PayloadPlacement(self.payloads, INLINE_MAX_BYTES)

    def submit(self, request: JobRequest = REQUEST, key: str = KEY, owner: str | None = None) -> JobRecord:
        return submit_job_once(
            key,
            request,
            ledger=self.ledger,
            store=self.store,
            publisher=self.publisher,
            payloads=self.placement,
            links=FakeFileLinks(),
            owner=owner,
            metrics=self.metrics,
        )


def _message(record: JobRecord) -> JobMessage:
    return JobMessage(
        contract_version="1", job_id=record.job_id, job_type=record.job_type, submitted_at=record.created_at
    )


def test_first_use_of_a_key_stores_and_announces_a_job_bound_to_the_key() -> None:
    service = Service()

    record = service.submit()

    assert list(service.store.items) == [record.job_id]
    assert service.publisher.messages == [_message(record)]
    assert service.ledger.uses[KEY].job == record


def test_a_retry_with_the_key_gets_the_same_job_and_neither_stores_nor_announces_again() -> None:
    service = Service()
    first = service.submit()

    assert service.submit() == first
    assert list(service.store.items) == [first.job_id]
    assert service.publisher.messages == [_message(first)]


def test_another_request_with_the_key_is_refused_and_changes_nothing() -> None:
    service = Service()
    first = service.submit()

    with pytest.raises(IdempotencyKeyReusedError):
        service.submit(JobRequest(job_type="text_transform", payload={"text": "another job"}))

    assert list(service.store.items) == [first.job_id]
    assert service.publisher.messages == [_message(first)]


def test_a_retry_while_the_first_use_runs_is_in_progress_and_changes_nothing() -> None:
    service = Service()
    service.ledger.hold_in_progress(KEY, REQUEST)

    with pytest.raises(IdempotencyKeyInProgressError):
        service.submit()

    assert service.store.items == {}
    assert service.publisher.messages == []


def test_when_the_queue_refuses_the_message_nothing_is_stored_and_the_retry_creates_the_job() -> None:
    service = Service()
    service.publisher.fail_with = BackendUnavailableError("the jobs queue did not answer")
    with pytest.raises(BackendUnavailableError):
        service.submit()
    assert service.store.items == {}
    service.publisher.fail_with = None

    retried = service.submit()

    assert list(service.store.items) == [retried.job_id]
    assert service.publisher.messages == [_message(retried)]


def test_when_the_job_cannot_be_stored_the_key_is_freed_and_the_retry_stores_it() -> None:
    service = Service()
    service.store.fail_with = BackendUnavailableError("the jobs table did not answer")
    with pytest.raises(BackendUnavailableError):
        service.submit()
    service.store.fail_with = None

    retried = service.submit()

    # The failed attempt's message left first; it names the very job the retry stores (a keyed job's id is
    # derived from its key and body), so the worker runs that job once and skips the other copy.
    assert list(service.store.items) == [retried.job_id]
    assert [message.job_id for message in service.publisher.messages] == [retried.job_id] * 2


def test_a_payload_too_large_to_store_is_refused_before_the_key_is_used() -> None:
    service = Service()

    with pytest.raises(PayloadTooLargeError):
        service.submit(
            JobRequest(job_type="text_transform", payload={"text": "x" * MAX_STORED_PAYLOAD_BYTES})
        )

    assert service.ledger.uses == {}
    assert service.store.items == {}


def test_a_replay_of_a_job_whose_payload_went_aside_writes_nothing_again_and_gets_the_same_job() -> None:
    service = Service()
    first = service.submit(LARGE_REQUEST)
    key = f"payloads/{first.job_id}/payload.json"
    assert (list(service.payloads.objects), service.store.items[first.job_id]["payload_ref"]) == ([key], key)
    service.payloads.objects.clear()

    replayed = service.submit(LARGE_REQUEST)

    assert (replayed, service.payloads.objects, len(service.publisher.messages)) == (first, {}, 1)


def test_a_retry_that_adopts_a_job_stored_aside_by_a_first_use_that_died_gets_that_job() -> None:
    service = Service()
    _first_use_dies_after_storing_the_job(service, LARGE_REQUEST)
    service.ledger.pass_deadline_of_first_use(KEY)

    adopted = service.submit(LARGE_REQUEST)

    assert list(service.store.items) == [adopted.job_id]
    assert list(service.payloads.objects) == [f"payloads/{adopted.job_id}/payload.json"]


class SandboxVanished(BaseException):
    """The Lambda sandbox gone mid-invocation: no `except Exception` runs, as after a timeout."""


class DyingAfterStoreJobStore(InMemoryJobStore):
    def put_new(self, item: JobItem) -> None:
        super().put_new(item)
        raise SandboxVanished()


def test_a_keyed_job_id_is_a_uuid8_of_the_key_and_the_request() -> None:
    job_id = keyed_job_id(KEY, REQUEST)

    assert (job_id.version, job_id.variant) == (8, uuid.RFC_4122)
    assert contract.validator("job-id").is_valid(str(job_id))
    assert keyed_job_id(KEY, replace(REQUEST)) == job_id
    assert keyed_job_id("another-key", REQUEST) != job_id
    assert keyed_job_id(KEY, JobRequest(job_type="text_transform", payload={"text": "other"})) != job_id


def _first_use_dies_after_storing_the_job(service: Service, request: JobRequest = REQUEST) -> str:
    dying_store = DyingAfterStoreJobStore()
    with pytest.raises(SandboxVanished):
        submit_job_once(
            KEY,
            request,
            ledger=service.ledger,
            store=dying_store,
            publisher=service.publisher,
            payloads=service.placement,
            links=FakeFileLinks(),
            owner=None,
            metrics=RecordingJobMetrics(),
        )
    service.store.items = dying_store.items
    [stored_job_id] = service.store.items
    return stored_job_id


def test_when_the_first_use_died_after_storing_the_job_the_retry_after_its_deadline_adopts_it() -> None:
    service = Service()
    stored_job_id = _first_use_dies_after_storing_the_job(service)
    service.ledger.pass_deadline_of_first_use(KEY)

    retried = service.submit()

    assert retried.job_id == stored_job_id
    assert list(service.store.items) == [stored_job_id]
    # Each attempt announced the job before storing it: two messages for one job.
    assert [message.job_id for message in service.publisher.messages] == [retried.job_id] * 2
    assert service.ledger.uses[KEY].job == retried
    assert service.submit() == retried


def test_an_adopted_job_that_a_worker_already_claimed_is_answered_as_it_is() -> None:
    service = Service()
    stored_job_id = _first_use_dies_after_storing_the_job(service)
    # Meanwhile a worker received the dead attempt's message and claimed the job.
    service.store.items[stored_job_id] |= {
        "status": "IN_PROGRESS",
        "attempts": 1,
        "started_at": "2026-11-24T17:05:10.000Z",
        "claim_token": "4c1d7f0e-2b3a-4e5f-8a9b-0c1d2e3f4a5b",
        "lease_expires_at": 1795626370000,
    }
    service.ledger.pass_deadline_of_first_use(KEY)

    retried = service.submit()

    assert (retried.job_id, retried.status) == (stored_job_id, "IN_PROGRESS")
    assert list(service.store.items) == [stored_job_id]


def test_a_retry_before_the_dead_first_uses_deadline_is_in_progress() -> None:
    service = Service()
    _first_use_dies_after_storing_the_job(service)

    with pytest.raises(IdempotencyKeyInProgressError):
        service.submit()


ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"


def test_a_new_job_is_counted_once_and_a_replay_not_again() -> None:
    service = Service()

    service.submit()
    service.submit()

    assert service.metrics.submitted == 1


def test_an_adopted_job_is_not_counted_again() -> None:
    service = Service()
    _first_use_dies_after_storing_the_job(service)
    service.ledger.pass_deadline_of_first_use(KEY)

    service.submit()

    assert service.metrics.submitted == 0


def test_an_owners_key_is_their_own_and_apart_from_the_shared_key_space() -> None:
    assert owners_key(None, KEY) == KEY
    assert len({owners_key(None, KEY), owners_key(ALICE, KEY), owners_key(BOB, KEY)}) == 3
    # The NUL keeps an owner ending in what a key starts with apart from another owner.
    assert owners_key("a", "b") != owners_key("a\0b", "")


def test_two_owners_with_one_key_and_one_body_get_two_jobs_each_under_its_owner() -> None:
    service = Service()

    alices = service.submit(owner=ALICE)
    bobs = service.submit(owner=BOB)

    assert alices.job_id != bobs.job_id
    assert {service.store.items[job.job_id]["owner"] for job in (alices, bobs)} == {ALICE, BOB}
    assert (service.submit(owner=ALICE), service.submit(owner=BOB)) == (alices, bobs)
    assert service.metrics.submitted == 2


def test_a_stored_job_of_another_owner_under_the_same_id_is_never_adopted() -> None:
    # Only a SHA-256 collision could give two owners one id; the adoption checks the owner all the same.
    service = Service()
    job_id = keyed_job_id(owners_key(ALICE, KEY), REQUEST)
    service.store.put_new(
        new_job(
            REQUEST,
            owner=BOB,
            placement=service.placement,
            clock=lambda: datetime(2026, 11, 24, tzinfo=UTC),
            new_job_id=lambda: job_id,
        ).item
    )

    with pytest.raises(JobAlreadyExistsError):
        service.submit(owner=ALICE)
