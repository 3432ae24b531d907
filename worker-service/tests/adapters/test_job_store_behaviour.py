"""One suite, two stores: the in-memory fake must behave exactly like DynamoJobStore against DynamoDB."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.contract import check, load_contract
from conveyor_worker.jobs.errors import (
    CancelRequestedError,
    JobNotClaimableError,
    JobNotDueError,
    JobNotFoundError,
    LeaseLostError,
    OverdueJobChangedError,
)
from conveyor_worker.jobs.process import JobStore
from conveyor_worker.jobs.sweep import JobAsRead, OverdueJob, StopMarks, SweepStore
from conveyor_worker.models.job_item import JobError, JobItem, JobProgress, JobStatus
from conveyor_worker.models.job_outcome import JobFailed, JobOutcome, JobSucceeded, JobSucceededWithResultRef
from conveyor_worker.models.listing import OwnerListing
from conveyor_worker.store.dynamo import DynamoJobStore, DynamoSweepStore
from tests.support.clock import FakeClock
from tests.support.dynamo import JobsTable
from tests.support.fake_store import FakeJobStore
from tests.support.items import (
    CREATED_AT,
    OWNER,
    in_the_sweep_index,
    job_id_in_shard,
    listing_keys_of,
    owned,
    queued_item,
    without_pending,
)
from tests.support.spy import recorded_calls

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEASE = timedelta(seconds=60)
RETENTION = timedelta(days=30)
RESULT = '{"length":2,"uppercase":"HI","word_count":1}'


@dataclass
class StoreUnderTest:
    store: JobStore
    sweep_store: SweepStore
    put: Callable[[dict[str, Any]], None]
    get: Callable[[str], dict[str, Any] | None]

    def read(self, job_id: str) -> dict[str, Any]:
        item = self.get(job_id)
        assert item is not None, f"job {job_id} is gone"
        # Whatever the store writes must stay a valid job item for the API service to read.
        check(load_contract().job_item, "the stored item", item)
        return item


@pytest.fixture(params=["fake", "dynamodb"])
def subject(request: pytest.FixtureRequest) -> StoreUnderTest:
    if request.param == "fake":
        fake = FakeJobStore()
        return StoreUnderTest(fake, fake, fake.put, fake.get)
    table: JobsTable = request.getfixturevalue("jobs_table")
    return StoreUnderTest(
        DynamoJobStore(table.client, table.name),
        DynamoSweepStore(table.client, table.name),
        table.put,
        table.get,
    )


def claimed(subject: StoreUnderTest, clock: FakeClock, token: str = "token-1", *, watch: bool = False) -> str:
    item = queued_item("text_transform", {"text": "hi"})
    subject.put(item)
    subject.store.claim(
        item["job_id"], claim_token=token, now=clock(), lease_expires_at=clock() + LEASE, watch=watch
    )
    return str(item["job_id"])


def test_claiming_a_queued_job_returns_it_in_progress_with_a_lease(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    queued = queued_item("text_transform", {"text": "hi"})
    subject.put(queued)

    item = subject.store.claim(
        queued["job_id"], claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    assert item.status is JobStatus.IN_PROGRESS
    assert subject.read(queued["job_id"]) == {
        **queued,
        "status": "IN_PROGRESS",
        "attempts": 1,
        "claim_token": "token-1",
        "lease_expires_at": to_epoch_ms(clock() + LEASE),
        "started_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
    }
    assert item.model_dump(exclude_none=True) == subject.read(queued["job_id"])


def test_an_item_with_members_a_newer_writer_added_is_claimed_and_completed_keeping_them(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    newer = {"superseded_by": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", "added_later": {"by": "a newer API"}}
    queued = queued_item("text_transform", {"text": "hi"}) | newer
    subject.put(queued)

    item = subject.store.claim(
        queued["job_id"], claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    subject.store.complete(
        queued["job_id"],
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    assert item.status is JobStatus.IN_PROGRESS
    stored = subject.read(queued["job_id"])
    assert (stored["status"], stored["superseded_by"], stored["added_later"]) == (
        "SUCCEEDED",
        *newer.values(),
    )


def test_claiming_a_missing_job_is_not_found(subject: StoreUnderTest, clock: FakeClock) -> None:
    with pytest.raises(JobNotFoundError):
        subject.store.claim(
            "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5",
            claim_token="t",
            now=clock(),
            lease_expires_at=clock(),
            watch=False,
        )

    assert subject.get("0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5") is None


def test_a_job_under_a_live_lease_cannot_be_claimed_and_is_left_unchanged(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    before = subject.read(job_id)
    clock.advance(seconds=60)  # the lease ends now, and only a lease that ended before now has expired

    with pytest.raises(JobNotClaimableError) as refused:
        subject.store.claim(
            job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )

    assert refused.value.status == "IN_PROGRESS"
    assert subject.read(job_id) == before


def test_a_job_whose_lease_expired_is_claimed_again_keeping_its_first_start(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    first_start = subject.read(job_id)["started_at"]
    clock.advance(seconds=60, milliseconds=1)

    item = subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    assert (item.attempts, item.claim_token, item.started_at) == (2, "token-2", first_start)
    assert subject.read(job_id)["lease_expires_at"] == to_epoch_ms(clock() + LEASE)


@pytest.mark.parametrize("outcome", [JobSucceeded(RESULT), JobFailed(JobError(code="BOOM", message="no"))])
def test_a_finished_job_cannot_be_claimed(
    subject: StoreUnderTest, clock: FakeClock, outcome: JobSucceeded | JobFailed
) -> None:
    job_id = claimed(subject, clock)
    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=outcome,
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    clock.advance(days=1)

    with pytest.raises(JobNotClaimableError) as refused:
        subject.store.claim(
            job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )

    assert refused.value.status == subject.read(job_id)["status"]


def test_completing_with_success_stores_the_result_and_ends_the_lease(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    held = subject.read(job_id)
    clock.advance(milliseconds=250)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    expected = {**without_pending(held), "status": "SUCCEEDED", "result": RESULT}
    expected.update(
        finished_at=to_timestamp(clock()),
        updated_at=to_timestamp(clock()),
        expires_at=to_epoch_seconds(clock() + RETENTION),
    )
    assert subject.read(job_id) == expected


def test_completing_with_a_result_stored_aside_stores_only_its_key_and_ends_the_lease(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    held = subject.read(job_id)
    clock.advance(milliseconds=250)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceededWithResultRef(f"results/{job_id}/result.json"),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    assert subject.read(job_id) == {
        **without_pending(held),
        "status": "SUCCEEDED",
        "result_ref": f"results/{job_id}/result.json",
        "finished_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "expires_at": to_epoch_seconds(clock() + RETENTION),
    }


def test_a_completion_with_a_result_stored_aside_under_another_claims_token_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.complete(
            job_id,
            claim_token="stale-token",
            outcome=JobSucceededWithResultRef(f"results/{job_id}/result.json"),
            now=clock(),
            expires_at=clock() + RETENTION,
            listing=None,
        )

    assert subject.read(job_id) == before


def test_completing_with_failure_stores_the_error_and_ends_the_lease(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    error = JobError(code="VALUE_OUT_OF_RANGE", message="the sum is too large")

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobFailed(error),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    item = subject.read(job_id)
    assert (item["status"], item["error"], item["expires_at"]) == (
        "FAILED",
        {"code": "VALUE_OUT_OF_RANGE", "message": "the sum is too large"},
        to_epoch_seconds(clock() + RETENTION),
    )
    assert "lease_expires_at" not in item
    assert "result" not in item


@pytest.mark.parametrize(
    ("finished_at_ms", "expires_at"),
    [
        # 2026-11-24T17:05:09.000Z and .001Z; 30 days later is 1798131909 s, and a moment past it the next.
        (1795539909000, 1798131909),
        (1795539909001, 1798131910),
        (1795539909999, 1798131910),
    ],
)
@pytest.mark.parametrize("outcome", [JobSucceeded(RESULT), JobFailed(JobError(code="BOOM", message="no"))])
def test_a_finished_job_expires_in_whole_epoch_seconds_rounded_up_from_its_retention(
    subject: StoreUnderTest,
    clock: FakeClock,
    outcome: JobSucceeded | JobFailed,
    finished_at_ms: int,
    expires_at: int,
) -> None:
    job_id = claimed(subject, clock)
    clock.now = datetime.fromtimestamp(finished_at_ms / 1000, UTC)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=outcome,
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    item = subject.read(job_id)
    assert item["expires_at"] == expires_at
    # Never before finished_at plus the retention, as the item itself records them.
    assert item["expires_at"] * 1000 >= finished_at_ms + RETENTION // timedelta(milliseconds=1)


def test_only_a_finishing_write_sets_expires_at(subject: StoreUnderTest, clock: FakeClock) -> None:
    job_id = pending_in_shard(subject, to_epoch_ms(clock()) - 1)
    (overdue,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    subject.sweep_store.mark_resent(overdue, now=clock())
    resent = subject.read(job_id)
    subject.store.claim(
        job_id, claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    claimed_item = subject.read(job_id)
    subject.store.release(job_id, claim_token="token-1", now=clock())
    released = subject.read(job_id)
    subject.store.record_refused_completion(job_id)
    counted = subject.read(job_id)

    assert [("expires_at" in item) for item in (resent, claimed_item, released, counted)] == [False] * 4


def test_a_completion_under_another_claims_token_is_refused_and_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    clock.advance(seconds=61)
    subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.complete(
            job_id,
            claim_token="token-1",
            outcome=JobSucceeded(RESULT),
            now=clock(),
            expires_at=clock() + RETENTION,
            listing=None,
        )
    with pytest.raises(LeaseLostError):
        subject.store.release(job_id, claim_token="token-1", now=clock())

    assert subject.read(job_id) == before


def test_a_second_completion_of_a_finished_job_is_refused(subject: StoreUnderTest, clock: FakeClock) -> None:
    job_id = claimed(subject, clock)
    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.complete(
            job_id,
            claim_token="token-1",
            outcome=JobFailed(JobError(code="LATE", message="x")),
            now=clock(),
            expires_at=clock() + RETENTION,
            listing=None,
        )

    assert subject.read(job_id) == before


def test_a_released_job_can_be_claimed_again_a_moment_later(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    clock.advance(seconds=1)

    subject.store.release(job_id, claim_token="token-1", now=clock())

    released = subject.read(job_id)
    assert (released["status"], released["lease_expires_at"]) == ("IN_PROGRESS", to_epoch_ms(clock()))
    clock.advance(milliseconds=1)
    item = subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    assert item.attempts == 2


def test_an_effect_is_started_once_and_its_mark_outlives_the_attempt(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)

    assert subject.store.start_effect(job_id, claim_token="token-1", now=clock()) is True
    assert subject.store.start_effect(job_id, claim_token="token-1", now=clock()) is False
    subject.store.release(job_id, claim_token="token-1", now=clock())
    clock.advance(milliseconds=1)
    subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    # The next attempt finds the mark its predecessor left: that one may have caused the effect.
    assert subject.store.start_effect(job_id, claim_token="token-2", now=clock()) is False
    assert subject.read(job_id)["effect_started_at"] == to_timestamp(clock() - timedelta(milliseconds=1))


def test_an_abandoned_effect_may_be_started_again(subject: StoreUnderTest, clock: FakeClock) -> None:
    job_id = claimed(subject, clock)
    subject.store.start_effect(job_id, claim_token="token-1", now=clock())

    subject.store.abandon_effect(job_id, claim_token="token-1")

    assert "effect_started_at" not in subject.read(job_id)
    assert subject.store.start_effect(job_id, claim_token="token-1", now=clock()) is True


def test_an_effect_is_neither_started_nor_abandoned_under_a_lost_claim(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    subject.store.start_effect(job_id, claim_token="token-1", now=clock())
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.start_effect(job_id, claim_token="token-2", now=clock())
    with pytest.raises(LeaseLostError):
        subject.store.abandon_effect(job_id, claim_token="token-2")
    with pytest.raises(LeaseLostError):
        subject.store.start_effect("0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5", claim_token="t", now=clock())

    assert subject.read(job_id) == before


def test_fenced_writes_on_a_missing_job_are_refused(subject: StoreUnderTest, clock: FakeClock) -> None:
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"

    with pytest.raises(LeaseLostError):
        subject.store.complete(
            missing,
            claim_token="t",
            outcome=JobSucceeded(RESULT),
            now=clock(),
            expires_at=clock() + RETENTION,
            listing=None,
        )
    with pytest.raises(LeaseLostError):
        subject.store.release(missing, claim_token="t", now=clock())

    assert subject.get(missing) is None


def test_each_refused_completion_adds_one_to_the_jobs_count_and_changes_nothing_else(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    before = subject.read(job_id)

    subject.store.record_refused_completion(job_id)
    subject.store.record_refused_completion(job_id)

    assert subject.read(job_id) == {**before, "refused_completions": 2}


def test_counting_a_refused_completion_of_a_missing_job_creates_no_item(subject: StoreUnderTest) -> None:
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"

    with pytest.raises(JobNotFoundError):
        subject.store.record_refused_completion(missing)

    assert subject.get(missing) is None


SHARD = 7


def pending_in_shard(subject: StoreUnderTest, sweep_at: int, **attributes: Any) -> str:
    """A pending job in the sweep index's partition SHARD."""
    item = in_the_sweep_index(
        queued_item("text_transform", {"text": "hi"}, job_id=job_id_in_shard(SHARD)), sweep_at=sweep_at
    )
    subject.put({**item, **attributes})
    return str(item["job_id"])


def overdue_ids(subject: StoreUnderTest, clock: FakeClock, *, limit: int = 100) -> list[str]:
    return [job.job_id for job in subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=limit).jobs]


def test_overdue_jobs_are_the_shards_read_jobs_with_sweep_at_before_the_cutoff_oldest_first(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    cutoff = to_epoch_ms(clock())
    older = pending_in_shard(subject, cutoff - 2000)
    old = pending_in_shard(subject, cutoff - 1000, status="IN_PROGRESS", attempts=2, sweeps=1)
    pending_in_shard(subject, cutoff)
    pending_in_shard(subject, cutoff + 1000)
    other_shard = queued_item("text_transform", {"text": "hi"}, job_id=job_id_in_shard(SHARD + 1))
    subject.put(in_the_sweep_index(other_shard, sweep_at=cutoff - 5000))
    subject.put(queued_item("text_transform", {"text": "waiting, outside the index"}))

    found = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100)

    assert found.left_over == 0
    assert found.jobs == [
        OverdueJob(older, "text_transform", JobStatus.QUEUED, CREATED_AT, 0, 0, cutoff - 2000),
        OverdueJob(old, "text_transform", JobStatus.IN_PROGRESS, CREATED_AT, 2, 1, cutoff - 1000),
    ]


@pytest.mark.parametrize("outcome", [JobSucceeded(RESULT), JobFailed(JobError(code="BOOM", message="no"))])
def test_a_finished_job_is_never_overdue(
    subject: StoreUnderTest, clock: FakeClock, outcome: JobSucceeded | JobFailed
) -> None:
    job_id = claimed(subject, clock, watch=True)
    shard = subject.read(job_id)["sweep_shard"]
    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=outcome,
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    clock.advance(days=365)

    assert subject.sweep_store.overdue_jobs(shard, before=clock(), limit=100).jobs == []


def test_the_limit_bounds_the_overdue_jobs_returned_and_the_rest_are_counted(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    cutoff = to_epoch_ms(clock())
    oldest_first = [pending_in_shard(subject, cutoff - 1000 * age) for age in range(7, 0, -1)]

    found = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=3)

    assert ([job.job_id for job in found.jobs], found.left_over) == (oldest_first[:3], 4)


class ShortPages:
    """The jobs table's client, but each Query page ends after `page_size` items, as DynamoDB's do at 1 MB."""

    def __init__(self, client: Any, page_size: int) -> None:
        self._client = client
        self._page_size = page_size
        self.pages = 0

    def query(self, **params: Any) -> Any:
        self.pages += 1
        return self._client.query(
            **{**params, "Limit": min(params.get("Limit", self._page_size), self._page_size)}
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_pages_cut_short_are_read_on_until_the_limit_and_the_rest_is_still_counted(
    jobs_table: JobsTable, clock: FakeClock
) -> None:
    client = ShortPages(jobs_table.client, page_size=2)
    sweep_store = DynamoSweepStore(cast("DynamoDBClient", client), jobs_table.name)
    subject = StoreUnderTest(
        DynamoJobStore(jobs_table.client, jobs_table.name), sweep_store, jobs_table.put, jobs_table.get
    )
    cutoff = to_epoch_ms(clock())
    oldest_first = [pending_in_shard(subject, cutoff - 1000 * age) for age in range(7, 0, -1)]

    found = sweep_store.overdue_jobs(SHARD, before=clock(), limit=4)

    assert ([job.job_id for job in found.jobs], found.left_over) == (oldest_first[:4], 3)
    # Two short pages of jobs to reach the limit of four, then two short COUNT pages for the three left over.
    assert client.pages == 4


def test_failing_an_overdue_job_ends_it_and_takes_it_out_of_the_index(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock, watch=True)
    held = subject.read(job_id)
    clock.advance(hours=1)
    (job,) = subject.sweep_store.overdue_jobs(held["sweep_shard"], before=clock(), limit=100).jobs
    error = JobError(code="RETRIES_EXHAUSTED", message="the worker stopped")

    subject.sweep_store.fail_overdue(job, error=error, now=clock(), expires_at=clock() + RETENTION)

    assert subject.read(job_id) == {
        **without_pending(held),
        "status": "FAILED",
        "error": {"code": "RETRIES_EXHAUSTED", "message": "the worker stopped"},
        "finished_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "expires_at": to_epoch_seconds(clock() + RETENTION),
    }
    assert subject.sweep_store.overdue_jobs(held["sweep_shard"], before=clock(), limit=100).jobs == []


def test_each_finishing_write_is_one_conditional_update_item_that_also_sets_expires_at(
    jobs_table: JobsTable, clock: FakeClock
) -> None:
    subject = StoreUnderTest(
        DynamoJobStore(jobs_table.client, jobs_table.name),
        DynamoSweepStore(jobs_table.client, jobs_table.name),
        jobs_table.put,
        jobs_table.get,
    )
    completed = claimed(subject, clock)
    abandoned = pending_in_shard(subject, to_epoch_ms(clock()) - 1)
    (overdue,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    expiry = {":expires_at": {"N": str(to_epoch_seconds(clock() + RETENTION))}}

    with recorded_calls(jobs_table.client, "UpdateItem") as calls:
        subject.store.complete(
            completed,
            claim_token="token-1",
            outcome=JobSucceeded(RESULT),
            now=clock(),
            expires_at=clock() + RETENTION,
            listing=None,
        )
        subject.sweep_store.fail_overdue(
            overdue,
            error=JobError(code="RETRIES_EXHAUSTED", message="x"),
            now=clock(),
            expires_at=clock() + RETENTION,
        )

    assert [call["Key"]["job_id"]["S"] for call in calls] == [completed, abandoned]
    for call in calls:
        assert "#expires_at = :expires_at" in call["UpdateExpression"]
        assert "ConditionExpression" in call
        assert call["ExpressionAttributeValues"].items() >= expiry.items()


def test_a_resend_takes_the_job_out_of_the_index_and_counts_the_resends(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = pending_in_shard(subject, to_epoch_ms(clock()) - 1, sweeps=1)
    before = subject.read(job_id)

    (job,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    subject.sweep_store.mark_resent(job, now=clock())
    clock.advance(days=30)

    assert subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs == []
    assert subject.read(job_id) == {
        **without_pending(before),
        "sweeps": 2,
        "updated_at": to_timestamp(clock() - timedelta(days=30)),
    }


def test_of_two_sweepers_that_read_the_same_overdue_job_only_the_first_writes(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = pending_in_shard(subject, to_epoch_ms(clock()) - 1)
    (seen_by_first,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    (seen_by_second,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    clock.advance(milliseconds=5)
    subject.sweep_store.mark_resent(seen_by_first, now=clock())
    after_first = subject.read(job_id)

    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.mark_resent(seen_by_second, now=clock())
    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.fail_overdue(
            seen_by_second,
            error=JobError(code="RETRIES_EXHAUSTED", message="x"),
            now=clock(),
            expires_at=clock() + RETENTION,
        )

    assert subject.read(job_id) == after_first


def test_a_sweep_write_is_refused_once_a_worker_claimed_the_job(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = pending_in_shard(subject, to_epoch_ms(clock()) - 1)
    (overdue,) = subject.sweep_store.overdue_jobs(SHARD, before=clock(), limit=100).jobs
    subject.store.claim(
        job_id, claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    claimed_item = subject.read(job_id)

    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.mark_resent(overdue, now=clock())
    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.fail_overdue(
            overdue,
            error=JobError(code="RETRIES_EXHAUSTED", message="x"),
            now=clock(),
            expires_at=clock() + RETENTION,
        )

    assert subject.read(job_id) == claimed_item


def test_a_sweep_write_on_a_missing_job_is_refused_and_creates_no_item(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    missing = OverdueJob(
        "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5", "text_transform", JobStatus.QUEUED, CREATED_AT, 0, 0, 1
    )

    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.mark_resent(missing, now=clock())

    assert subject.get(missing.job_id) is None


PROGRESS = JobProgress(percent=40, message="resizing", updated_at="2026-11-24T17:05:10.002Z")
PROGRESS_STORED = {"percent": 40, "message": "resizing", "updated_at": "2026-11-24T17:05:10.002Z"}


def test_progress_is_stored_while_the_claim_holds_and_changes_nothing_else(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    before = subject.read(job_id)

    subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)

    assert subject.read(job_id) == {**before, "progress": PROGRESS_STORED}


def test_progress_under_a_lost_lease_is_refused_and_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    clock.advance(seconds=61)
    subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)

    assert subject.read(job_id) == before


def test_progress_of_a_finished_or_missing_job_is_refused_and_creates_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    finished = subject.read(job_id)
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"

    for target in (job_id, missing):
        with pytest.raises(LeaseLostError):
            subject.store.record_progress(target, claim_token="token-1", progress=PROGRESS)

    assert subject.read(job_id) == finished
    assert subject.get(missing) is None


def test_a_new_claim_removes_the_progress_of_the_attempt_before(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)
    clock.advance(seconds=61)

    item = subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    assert item.progress is None
    assert "progress" not in subject.read(job_id)


@pytest.mark.parametrize(
    "outcome",
    [
        JobSucceeded(RESULT),
        JobSucceededWithResultRef("results/0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5/result.json"),
        JobFailed(JobError(code="BOOM", message="no")),
    ],
    ids=["succeeded", "succeeded-with-result-ref", "failed"],
)
def test_every_completion_removes_the_progress(
    subject: StoreUnderTest, clock: FakeClock, outcome: JobOutcome
) -> None:
    job_id = claimed(subject, clock)
    subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=outcome,
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    assert "progress" not in subject.read(job_id)


def test_the_sweepers_failure_of_an_overdue_job_removes_its_progress(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock, watch=True)
    subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)
    shard = subject.read(job_id)["sweep_shard"]
    clock.advance(hours=1)
    (job,) = subject.sweep_store.overdue_jobs(shard, before=clock(), limit=100).jobs

    subject.sweep_store.fail_overdue(
        job,
        error=JobError(code="RETRIES_EXHAUSTED", message="x"),
        now=clock(),
        expires_at=clock() + RETENTION,
    )

    assert "progress" not in subject.read(job_id)


def claimed_owned(subject: StoreUnderTest, clock: FakeClock, token: str = "token-1") -> tuple[str, JobItem]:
    item = owned(queued_item("text_transform", {"text": "hi"}))
    subject.put(item)
    claimed_item = subject.store.claim(
        item["job_id"], claim_token=token, now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    return str(item["job_id"]), claimed_item


def test_a_claim_returns_the_owner_and_leaves_the_listing_keys_for_the_follow_up_write(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    _, item = claimed_owned(subject, clock)

    assert (item.owner, item.owner_status) == (OWNER, f"{OWNER}#QUEUED")
    assert OwnerListing.of(item) == OwnerListing(OWNER, "text_transform")


def test_the_follow_up_write_makes_an_owned_claimed_jobs_listing_keys_name_in_progress(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id, _ = claimed_owned(subject, clock)
    before = subject.read(job_id)

    subject.store.set_listing_status(
        job_id, claim_token="token-1", listing=OwnerListing(OWNER, "text_transform")
    )

    assert subject.read(job_id) == {
        **before,
        "owner_status": f"{OWNER}#IN_PROGRESS",
        "owner_type_status": f"{OWNER}#text_transform#IN_PROGRESS",
    }


def test_the_listing_follow_up_under_a_lost_claim_is_refused_and_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id, _ = claimed_owned(subject, clock)
    clock.advance(seconds=61)
    subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.set_listing_status(
            job_id, claim_token="token-1", listing=OwnerListing(OWNER, "text_transform")
        )

    assert subject.read(job_id) == before


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (JobSucceeded(RESULT), "SUCCEEDED"),
        (JobSucceededWithResultRef("results/0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5/result.json"), "SUCCEEDED"),
        (JobFailed(JobError(code="BOOM", message="no")), "FAILED"),
    ],
    ids=["succeeded", "succeeded-with-result-ref", "failed"],
)
def test_a_completion_of_an_owned_job_writes_its_listing_keys_for_the_new_status(
    subject: StoreUnderTest, clock: FakeClock, outcome: JobOutcome, status: str
) -> None:
    job_id, item = claimed_owned(subject, clock)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=outcome,
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=OwnerListing.of(item),
    )

    finished = subject.read(job_id)
    assert finished["status"] == status
    assert listing_keys_of(finished) == (f"{OWNER}#{status}", f"{OWNER}#text_transform#{status}")
    assert (finished["owner"], finished["owner_type"]) == (OWNER, f"{OWNER}#text_transform")


def test_a_completion_of_an_unowned_job_adds_no_listing_keys(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)

    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    assert not {"owner", "owner_type", "owner_status", "owner_type_status"} & subject.read(job_id).keys()


@pytest.mark.parametrize("is_owned", [True, False], ids=["owned", "unowned"])
def test_the_sweepers_failure_of_an_overdue_job_keeps_its_listing_keys_matching(
    subject: StoreUnderTest, clock: FakeClock, is_owned: bool
) -> None:
    item = in_the_sweep_index(queued_item("text_transform", {"text": "hi"}, job_id=job_id_in_shard(SHARD)))
    subject.put(owned(item) if is_owned else item)
    (job,) = subject.sweep_store.overdue_jobs(SHARD, before=clock() + timedelta(hours=1), limit=100).jobs

    subject.sweep_store.fail_overdue(
        job,
        error=JobError(code="RETRIES_EXHAUSTED", message="x"),
        now=clock(),
        expires_at=clock() + RETENTION,
    )

    assert job.owner == (OWNER if is_owned else None)
    failed = subject.read(item["job_id"])
    assert failed["status"] == "FAILED"
    if is_owned:
        assert listing_keys_of(failed) == (f"{OWNER}#FAILED", f"{OWNER}#text_transform#FAILED")
    else:
        assert not {"owner", "owner_type", "owner_status", "owner_type_status"} & failed.keys()


def test_a_resend_leaves_an_owned_jobs_listing_keys_alone(subject: StoreUnderTest, clock: FakeClock) -> None:
    item = owned(
        in_the_sweep_index(queued_item("text_transform", {"text": "hi"}, job_id=job_id_in_shard(SHARD)))
    )
    subject.put(item)
    (job,) = subject.sweep_store.overdue_jobs(SHARD, before=clock() + timedelta(hours=1), limit=100).jobs

    subject.sweep_store.mark_resent(job, now=clock())

    assert listing_keys_of(subject.read(item["job_id"])) == (
        f"{OWNER}#QUEUED",
        f"{OWNER}#text_transform#QUEUED",
    )


# A claim on its message's last receive, and a duplicate dropped on its last receive, enter the job in the
# sweep index; every other claim takes it out (docs/design.md, The sweeper).


def test_a_watched_claim_enters_the_job_in_the_sweep_index_at_its_lease_expiry(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    queued = queued_item("text_transform", {"text": "hi"}, job_id=job_id_in_shard(SHARD))
    subject.put(queued)

    item = subject.store.claim(
        queued["job_id"], claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=True
    )

    lease_ms = to_epoch_ms(clock() + LEASE)
    assert (item.sweep_shard, item.sweep_at) == (SHARD, lease_ms)
    assert subject.read(queued["job_id"])["sweep_at"] == lease_ms
    assert overdue_ids(subject, clock) == []
    clock.advance(seconds=61)
    assert overdue_ids(subject, clock) == [queued["job_id"]]


def test_an_unwatched_claim_takes_a_job_out_of_the_sweep_index(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = pending_in_shard(subject, to_epoch_ms(clock()) - 1)

    subject.store.claim(
        job_id, claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    clock.advance(days=1)

    assert overdue_ids(subject, clock) == []
    assert not {"sweep_shard", "sweep_at"} & subject.read(job_id).keys()


def test_a_job_refused_to_a_claim_says_who_holds_it_until_when(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock, "token-1")

    with pytest.raises(JobNotClaimableError) as refused:
        subject.store.claim(
            job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )

    assert (refused.value.claim_token, refused.value.lease_expires_at) == (
        "token-1",
        to_epoch_ms(clock() + LEASE),
    )


def test_watching_a_held_job_enters_it_in_the_index_while_that_claim_holds_it(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock, "token-1")
    held = subject.read(job_id)

    subject.store.watch_held(job_id, claim_token="token-1", until=clock() + LEASE)

    assert subject.read(job_id) == {
        **held,
        "sweep_shard": held_shard(job_id),
        "sweep_at": to_epoch_ms(clock() + LEASE),
    }


def test_watching_a_job_another_claim_took_is_refused_and_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock, "token-1")
    clock.advance(seconds=61)
    subject.store.claim(
        job_id, claim_token="token-2", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    before = subject.read(job_id)

    with pytest.raises(LeaseLostError):
        subject.store.watch_held(job_id, claim_token="token-1", until=clock())

    assert subject.read(job_id) == before


def test_a_release_leaves_the_sweep_index_as_it_was(subject: StoreUnderTest, clock: FakeClock) -> None:
    waiting = claimed(subject, clock, "token-1")
    watched = claimed(subject, clock, "token-2", watch=True)
    watched_at = subject.read(watched)["sweep_at"]

    subject.store.release(waiting, claim_token="token-1", now=clock())
    subject.store.release(watched, claim_token="token-2", now=clock())

    assert "sweep_at" not in subject.read(waiting)
    assert subject.read(watched)["sweep_at"] == watched_at


def held_shard(job_id: str) -> int:
    return uuid.UUID(job_id).int % 16


# The expiry scan: pending jobs none of whose messages can still exist.


def stranded_ids(subject: StoreUnderTest, clock: FakeClock, updated_before: datetime) -> set[str]:
    jobs = subject.sweep_store.stranded_jobs(0, segments=1, updated_before=updated_before, now=clock())
    return {job.job_id for job in jobs}


def test_the_expiry_scan_finds_queued_jobs_and_lapsed_claims_last_written_before_the_cutoff(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    old_queued = queued_item("text_transform", {"text": "old"})
    subject.put(old_queued)
    lapsed = claimed(subject, clock, "token-1")
    live = claimed(subject, clock, "token-2")
    clock.advance(seconds=30)
    subject.store.release(lapsed, claim_token="token-1", now=clock())
    finished = claimed(subject, clock, "token-3")
    subject.store.complete(
        finished,
        claim_token="token-3",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    cutoff = clock() + timedelta(milliseconds=1)
    clock.advance(milliseconds=2)
    recent = queued_item("text_transform", {"text": "new"})
    subject.put({**recent, "updated_at": to_timestamp(clock())})

    # `live`'s lease (60 s from its claim) has not expired: its worker may still finish it.
    assert stranded_ids(subject, clock, cutoff) == {old_queued["job_id"], lapsed}
    assert live not in stranded_ids(subject, clock, cutoff)
    clock.advance(seconds=60)
    assert stranded_ids(subject, clock, cutoff) == {old_queued["job_id"], lapsed, live}


def test_failing_a_stranded_job_ends_it_out_of_the_index_with_its_listing_keys_matching(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    item = owned(in_the_sweep_index(queued_item("text_transform", {"text": "hi"})))
    subject.put(item)
    clock.advance(days=15)
    (job,) = subject.sweep_store.stranded_jobs(0, segments=1, updated_before=clock(), now=clock())
    error = JobError(code="MESSAGE_EXPIRED", message="gone")

    subject.sweep_store.fail_stranded(job, error=error, now=clock(), expires_at=clock() + RETENTION)

    assert subject.read(item["job_id"]) == {
        **without_pending(item),
        "status": "FAILED",
        "error": {"code": "MESSAGE_EXPIRED", "message": "gone"},
        "finished_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "expires_at": to_epoch_seconds(clock() + RETENTION),
        "owner_status": f"{OWNER}#FAILED",
        "owner_type_status": f"{OWNER}#text_transform#FAILED",
    }
    assert stranded_ids(subject, clock, clock()) == set()


def test_a_stranded_job_that_changed_since_the_scan_is_left_alone(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    item = queued_item("text_transform", {"text": "hi"})
    subject.put(item)
    clock.advance(days=15)
    (job,) = subject.sweep_store.stranded_jobs(0, segments=1, updated_before=clock(), now=clock())
    subject.store.claim(
        item["job_id"], claim_token="late", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    claimed_item = subject.read(item["job_id"])

    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.fail_stranded(
            job,
            error=JobError(code="MESSAGE_EXPIRED", message="x"),
            now=clock(),
            expires_at=clock() + RETENTION,
        )

    assert subject.read(item["job_id"]) == claimed_item


def test_the_expiry_scans_segments_cover_every_job_once(jobs_table: JobsTable, clock: FakeClock) -> None:
    sweep_store = DynamoSweepStore(jobs_table.client, jobs_table.name)
    job_ids = set()
    for number in range(40):
        item = queued_item("text_transform", {"text": f"job {number}"})
        jobs_table.put(item)
        job_ids.add(item["job_id"])
    clock.advance(days=15)

    found = [
        job.job_id
        for segment in range(7)
        for job in sweep_store.stranded_jobs(segment, segments=7, updated_before=clock(), now=clock())
    ]

    assert sorted(found) == sorted(job_ids)


# The DLQ rescue: a pending job read by id, and the fenced write before its message goes out again.


def test_a_read_job_is_read_with_what_the_rescue_decides_on(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    queued = queued_item("text_transform", {"text": "hi"})
    subject.put(queued)
    held = claimed(subject, clock, watch=True)

    assert subject.sweep_store.read_job(queued["job_id"]) == JobAsRead(
        queued["job_id"], "text_transform", JobStatus.QUEUED, CREATED_AT, CREATED_AT, None, watched=False
    )
    found = subject.sweep_store.read_job(held)
    assert found is not None
    assert (found.status, found.lease_expires_at, found.watched) == (
        JobStatus.IN_PROGRESS,
        to_epoch_ms(clock() + LEASE),
        True,
    )


def test_an_ended_job_reads_with_its_status_and_a_missing_one_as_none(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    subject.store.complete(
        job_id,
        claim_token="token-1",
        outcome=JobSucceeded(RESULT),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )

    ended = subject.sweep_store.read_job(job_id)
    assert ended is not None
    assert (ended.status, ended.watched) == (JobStatus.SUCCEEDED, False)
    assert subject.sweep_store.read_job("0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5") is None


def test_a_rescue_counts_a_resend_and_dates_the_job_while_it_is_as_it_was_read(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    queued = {**queued_item("text_transform", {"text": "hi"}), "sweeps": 1}
    subject.put(queued)
    seen = subject.sweep_store.read_job(queued["job_id"])
    assert seen is not None
    clock.advance(days=2)

    subject.sweep_store.mark_rescued(seen, now=clock())

    assert subject.read(queued["job_id"]) == {**queued, "sweeps": 2, "updated_at": to_timestamp(clock())}
    with pytest.raises(OverdueJobChangedError):
        subject.sweep_store.mark_rescued(seen, now=clock())


def test_a_claim_botocore_sends_again_after_its_answer_was_lost_is_that_claim(
    jobs_table: JobsTable, clock: FakeClock
) -> None:
    store = DynamoJobStore(jobs_table.client, jobs_table.name)
    queued = queued_item("text_transform", {"text": "hi"})
    jobs_table.put(queued)

    def claim() -> JobItem:
        return store.claim(
            queued["job_id"],
            claim_token="token-1",
            now=clock(),
            lease_expires_at=clock() + LEASE,
            watch=False,
        )

    first = claim()
    # The same request again, as botocore retries it: the condition refuses it, on the item the first made.
    again = claim()

    assert again == first
    assert jobs_table.get(queued["job_id"])["attempts"] == 1  # type: ignore[index]


def _cancel_requested(subject: StoreUnderTest, job_id: str, clock: FakeClock) -> dict[str, Any]:
    """As the API's cancel of a running job leaves it."""
    item = subject.read(job_id) | {"cancel_requested_at": to_timestamp(clock())}
    subject.put(item)
    return item


def test_progress_of_a_held_job_whose_cancel_was_asked_for_is_refused_as_a_cancel_and_changes_nothing(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    before = _cancel_requested(subject, job_id, clock)

    with pytest.raises(CancelRequestedError):
        subject.store.record_progress(job_id, claim_token="token-1", progress=PROGRESS)

    assert subject.read(job_id) == before


def test_progress_of_a_cancelled_job_under_a_lost_lease_is_a_lost_lease(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    _cancel_requested(subject, job_id, clock)

    with pytest.raises(LeaseLostError) as refused:
        subject.store.record_progress(job_id, claim_token="token-2", progress=PROGRESS)

    assert not isinstance(refused.value, CancelRequestedError)


def test_a_cancel_check_reads_whether_a_cancel_was_asked_for(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"

    before = subject.store.is_cancel_requested(job_id), subject.sweep_store.stop_marks(job_id)
    _cancel_requested(subject, job_id, clock)

    after = subject.store.is_cancel_requested(job_id), subject.sweep_store.stop_marks(job_id)
    assert (before, after) == ((False, StopMarks(False, False)), (True, StopMarks(True, False)))
    assert subject.store.is_cancel_requested(missing) is False
    assert subject.sweep_store.stop_marks(missing) == StopMarks(False, False)


def test_a_budget_overrun_is_marked_under_the_claim_once_and_the_sweeper_reads_it(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    job_id = claimed(subject, clock)
    first = clock()

    subject.store.mark_budget_exceeded(job_id, claim_token="token-1", now=first)
    clock.advance(seconds=1)
    subject.store.mark_budget_exceeded(job_id, claim_token="token-1", now=clock())

    assert subject.read(job_id)["budget_exceeded_at"] == to_timestamp(first)
    assert subject.sweep_store.stop_marks(job_id) == StopMarks(False, True)
    with pytest.raises(LeaseLostError):
        subject.store.mark_budget_exceeded(job_id, claim_token="another", now=clock())


# Run later: no claim before run_at; the expiry scan counts a delayed job's waiting from its run_at.


def delayed(subject: StoreUnderTest, clock: FakeClock, *, seconds: float) -> dict[str, Any]:
    item = queued_item("text_transform", {"text": "later"}) | {
        "run_at": to_timestamp(clock() + timedelta(seconds=seconds))
    }
    subject.put(item)
    return item


def test_a_job_is_not_claimed_before_its_run_at_and_is_left_unchanged(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    item = delayed(subject, clock, seconds=60)
    clock.advance(seconds=59.999)

    with pytest.raises(JobNotDueError) as refused:
        subject.store.claim(
            item["job_id"], claim_token="early", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )

    assert refused.value.run_at == item["run_at"]
    assert subject.read(item["job_id"]) == item


def test_a_job_is_claimed_from_its_run_at_on(subject: StoreUnderTest, clock: FakeClock) -> None:
    item = delayed(subject, clock, seconds=60)
    clock.advance(seconds=60)

    claimed_item = subject.store.claim(
        item["job_id"], claim_token="due", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    assert (claimed_item.status, claimed_item.run_at) == (JobStatus.IN_PROGRESS, item["run_at"])


def test_the_expiry_scan_counts_a_delayed_jobs_waiting_from_its_run_at(
    subject: StoreUnderTest, clock: FakeClock
) -> None:
    item = delayed(subject, clock, seconds=7 * 86400)
    clock.advance(days=7)

    assert stranded_ids(subject, clock, updated_before=clock()) == set()
    clock.advance(milliseconds=1)
    assert stranded_ids(subject, clock, updated_before=clock()) == {item["job_id"]}
