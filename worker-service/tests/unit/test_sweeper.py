"""The sweeper's domain against the in-memory store and queue (docs/design.md, The sweeper)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE
from conveyor_worker.jobs.sweep import (
    MESSAGE_EXPIRY_MARGIN,
    JobAsRead,
    OverdueJob,
    OverdueJobs,
    StopMarks,
    StrandedJob,
    Sweeper,
    SweepStore,
    SweepSummary,
)
from conveyor_worker.models.job_item import JobError
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.models.job_outcome import JobFailed
from tests.support.clock import FakeClock
from tests.support.fake_metrics import FakeMetrics
from tests.support.fake_queue import FakeDeadLetterQueue, FakeJobsQueue
from tests.support.fake_store import FakeJobStore
from tests.support.items import (
    CREATED_AT,
    CREATED_AT_MS,
    OWNER,
    in_the_sweep_index,
    job_id_in_shard,
    job_message_body,
    listing_keys_of,
    new_job_id,
    owned,
    queued_item,
    without_pending,
)
from tests.support.logs import CapturedLogs

GRACE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
MESSAGE_RETENTION = timedelta(days=14)
SCAN_SEGMENTS = 1440
LEASE = timedelta(seconds=60)
RETENTION = timedelta(days=30)


def sweeper_on(
    store: SweepStore,
    queue: FakeJobsQueue,
    clock: FakeClock,
    logs: CapturedLogs,
    *,
    jobs_per_shard: int = 100,
    metrics: FakeMetrics | None = None,
    dead_letters: FakeDeadLetterQueue | None = None,
) -> Sweeper:
    return Sweeper(
        store=store,
        queue=queue,
        dead_letters=dead_letters or FakeDeadLetterQueue(),
        clock=clock,
        grace=GRACE,
        max_attempts=MAX_ATTEMPTS,
        jobs_per_shard=jobs_per_shard,
        message_retention=MESSAGE_RETENTION,
        scan_segments=SCAN_SEGMENTS,
        retention=RETENTION,
        logger=logs.logger,
        metrics=metrics or FakeMetrics(),
    )


@pytest.fixture
def store() -> FakeJobStore:
    return FakeJobStore()


@pytest.fixture
def queue() -> FakeJobsQueue:
    return FakeJobsQueue()


@pytest.fixture
def sweeper(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> Sweeper:
    return sweeper_on(store, queue, clock, captured_logs)


def submitted(store: FakeJobStore, *, job_id: str | None = None, **attributes: Any) -> str:
    """A job as the API stores it: outside the sweep index, its message in the queue."""
    item = {**queued_item("text_transform", {"text": "hi"}, job_id=job_id), **attributes}
    store.put(item)
    return str(item["job_id"])


def stored_before_send_first(store: FakeJobStore, *, job_id: str | None = None, **attributes: Any) -> str:
    """A job as an API that stored jobs before sending their message left it: in the sweep index."""
    item = {**in_the_sweep_index(queued_item("text_transform", {"text": "hi"}, job_id=job_id)), **attributes}
    store.put(item)
    return str(item["job_id"])


def abandoned_in_progress(store: FakeJobStore, clock: FakeClock, *, attempts: int, last_receive: bool) -> str:
    """A job whose worker claimed it for attempt `attempts`, then died without a word; on its message's last
    receive, the claim watched it."""
    job_id = submitted(store, attempts=attempts - 1)
    store.claim(
        job_id, claim_token="dead-worker", now=clock(), lease_expires_at=clock() + LEASE, watch=last_receive
    )
    return job_id


def at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


def message_for(job_id: str) -> JobMessage:
    return JobMessage(contract_version="1", job_id=job_id, job_type="text_transform", submitted_at=CREATED_AT)


def item(store: FakeJobStore, job_id: str) -> dict[str, Any]:
    found = store.get(job_id)
    assert found is not None
    return found


def test_jobs_that_only_wait_are_never_sent_again_nor_failed_within_the_message_retention(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    waiting = submitted(store)
    released = abandoned_in_progress(store, clock, attempts=1, last_receive=False)
    store.release(released, claim_token="dead-worker", now=clock())
    before = {job_id: item(store, job_id) for job_id in (waiting, released)}

    summaries = []
    while clock() < at(CREATED_AT_MS) + MESSAGE_RETENTION:
        clock.advance(hours=6)
        summaries.append(sweeper.sweep())

    assert summaries == [SweepSummary()] * len(summaries)
    assert queue.sent == []
    assert {job_id: item(store, job_id) for job_id in before} == before


def test_a_job_stored_before_send_first_is_sent_again_exactly_once_and_leaves_the_index(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = stored_before_send_first(store)
    before = item(store, job_id)
    clock.advance(seconds=GRACE.total_seconds() + 1)

    first = sweeper.sweep()
    clock.advance(days=1)
    second = sweeper.sweep()

    assert queue.sent == [message_for(job_id)]
    assert item(store, job_id) == {
        **without_pending(before),
        "sweeps": 1,
        "updated_at": to_timestamp(clock() - timedelta(days=1)),
    }
    assert (first, second) == (SweepSummary(overdue=1, resent=1), SweepSummary())


def test_a_job_in_the_index_is_left_alone_until_its_grace_period_has_passed(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = stored_before_send_first(store)
    before = item(store, job_id)
    clock.now = at(CREATED_AT_MS) + GRACE  # only a sweep_at strictly before now - grace is overdue

    assert sweeper.sweep() == SweepSummary()
    assert (item(store, job_id), queue.sent) == (before, [])

    clock.advance(milliseconds=1)
    assert sweeper.sweep() == SweepSummary(overdue=1, resent=1)


def test_a_job_whose_worker_died_on_its_last_receive_fails_retries_exhausted_and_leaves_the_index(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    held = item(store, job_id)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    summary = sweeper.sweep()

    assert summary == SweepSummary(overdue=1, failed=1)
    assert item(store, job_id) == {
        **without_pending(held),
        "status": "FAILED",
        "error": {
            "code": "RETRIES_EXHAUSTED",
            "message": "the worker stopped during its last attempt (3 of 3) and recorded no outcome",
        },
        "finished_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "expires_at": to_epoch_seconds(clock() + RETENTION),
    }
    assert queue.sent == []
    clock.advance(days=1)
    assert sweeper.sweep() == SweepSummary()


def test_a_job_whose_worker_died_on_its_last_receive_after_a_cancel_was_asked_for_ends_cancelled(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    store.request_cancel(job_id, to_timestamp(clock()))
    held = item(store, job_id)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    assert sweeper.sweep() == SweepSummary(overdue=1, failed=1)

    assert item(store, job_id) == {
        **without_pending(held),
        "status": "FAILED",
        "error": {
            "code": "CANCELLED",
            "message": "cancelled; the worker stopped during its last attempt (3 of 3)"
            " and recorded no outcome",
        },
        "finished_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "expires_at": to_epoch_seconds(clock() + RETENTION),
    }
    assert held["cancel_requested_at"] == item(store, job_id)["cancel_requested_at"]


def test_a_job_whose_worker_died_on_its_last_receive_past_its_time_budget_ends_timed_out(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    store.mark_budget_exceeded(job_id, claim_token="dead-worker", now=clock())
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    assert sweeper.sweep() == SweepSummary(overdue=1, failed=1)

    assert item(store, job_id)["error"] == {
        "code": "TIMED_OUT",
        "message": "the worker stopped during its last attempt (3 of 3), past its time budget",
    }


def test_a_watched_job_with_attempts_left_is_sent_again_once(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    # Claimed on its message's last receive after some receives claimed nothing (the job was held elsewhere):
    # fewer attempts than receives, so one more attempt is its due.
    job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS - 1, last_receive=True)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    assert sweeper.sweep() == SweepSummary(overdue=1, resent=1)
    clock.advance(days=1)
    assert sweeper.sweep() == SweepSummary()
    assert queue.sent == [message_for(job_id)]
    resent = item(store, job_id)
    assert (resent["status"], resent["sweeps"], "sweep_at" in resent) == ("IN_PROGRESS", 1, False)


def test_a_job_none_of_whose_messages_can_still_exist_fails_message_expired(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    clock.now = at(CREATED_AT_MS)
    queued = submitted(store)
    released = abandoned_in_progress(store, clock, attempts=1, last_receive=False)
    store.release(released, claim_token="dead-worker", now=clock())
    clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + MESSAGE_EXPIRY_MARGIN

    assert sweeper.sweep() == SweepSummary()
    clock.advance(milliseconds=1)
    summary = sweeper.sweep()

    assert summary == SweepSummary(stranded=2)
    for job_id in (queued, released):
        finished = item(store, job_id)
        assert finished["status"] == "FAILED"
        assert finished["error"] == {
            "code": "MESSAGE_EXPIRED",
            "message": "the job's message was not processed within the queue's retention of 14 days",
        }
        assert finished["expires_at"] == to_epoch_seconds(clock() + RETENTION)
    assert queue.sent == []


def test_a_resent_jobs_message_retention_counts_from_its_resend(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = stored_before_send_first(store)
    clock.advance(seconds=GRACE.total_seconds() + 1)
    sweeper.sweep()
    resent_at = clock()

    clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + MESSAGE_EXPIRY_MARGIN + timedelta(minutes=1)
    assert sweeper.sweep() == SweepSummary()
    clock.now = resent_at + MESSAGE_RETENTION + MESSAGE_EXPIRY_MARGIN + timedelta(minutes=1)
    assert sweeper.sweep() == SweepSummary(stranded=1)
    assert item(store, job_id)["error"]["code"] == "MESSAGE_EXPIRED"


def test_a_job_running_under_a_live_lease_is_never_stranded(
    store: FakeJobStore, clock: FakeClock, sweeper: Sweeper
) -> None:
    clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + timedelta(days=1)
    job_id = submitted(store, updated_at=CREATED_AT)
    store.claim(
        job_id, claim_token="worker", now=at(CREATED_AT_MS), lease_expires_at=clock() + LEASE, watch=False
    )

    assert sweeper.sweep() == SweepSummary()
    assert item(store, job_id)["status"] == "IN_PROGRESS"


def test_each_sweep_scans_the_table_segment_of_its_minute(
    store: FakeJobStore, clock: FakeClock, sweeper: Sweeper
) -> None:
    clock.now = datetime(2026, 12, 6, 0, 0, 30, tzinfo=UTC)
    first = to_epoch_ms(clock()) // 60_000 % SCAN_SEGMENTS
    for _ in range(3):
        sweeper.sweep()
        clock.advance(minutes=1)
    clock.advance(days=1)
    sweeper.sweep()

    assert store.scanned_segments == [
        (first, SCAN_SEGMENTS),
        ((first + 1) % SCAN_SEGMENTS, SCAN_SEGMENTS),
        ((first + 2) % SCAN_SEGMENTS, SCAN_SEGMENTS),
        ((first + 3) % SCAN_SEGMENTS, SCAN_SEGMENTS),
    ]


def test_a_job_outside_the_sweeps_segment_waits_for_its_own_minute(
    store: FakeJobStore, clock: FakeClock, sweeper: Sweeper
) -> None:
    job_id = submitted(store)
    clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + timedelta(days=1)
    minute = to_epoch_ms(clock()) // 60_000 % SCAN_SEGMENTS
    store.segment_of = lambda job_id, segments: (minute + 1) % segments

    assert sweeper.sweep() == SweepSummary()
    clock.advance(minutes=1)
    assert sweeper.sweep() == SweepSummary(stranded=1)
    assert item(store, job_id)["status"] == "FAILED"


class ExpiryRecordingStore(FakeJobStore):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[tuple[str, datetime, datetime]] = []
        """(job_id, now, expires_at) of each failure the sweeper wrote."""

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        self.failures.append((job.job_id, now, expires_at))
        super().fail_overdue(job, error=error, now=now, expires_at=expires_at)

    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        self.failures.append((job.job_id, now, expires_at))
        super().fail_stranded(job, error=error, now=now, expires_at=expires_at)


@pytest.mark.parametrize("reason", ["RETRIES_EXHAUSTED", "MESSAGE_EXPIRED"])
def test_a_job_the_sweeper_fails_expires_the_retention_after_the_sweep_that_failed_it(
    queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs, reason: str
) -> None:
    store = ExpiryRecordingStore()
    if reason == "RETRIES_EXHAUSTED":
        job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
        clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1, milliseconds=1)
    else:
        job_id = submitted(store)
        clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + timedelta(days=1)

    sweeper_on(store, queue, clock, captured_logs).sweep()

    assert store.failures == [(job_id, clock(), clock() + RETENTION)]
    finished = item(store, job_id)
    assert (finished["error"]["code"], finished["expires_at"]) == (
        reason,
        to_epoch_seconds(clock() + RETENTION),
    )


class InterleavedStore:
    """Runs `meanwhile` once, right after the first read that found overdue jobs and before any write."""

    def __init__(self, store: FakeJobStore, meanwhile: Callable[[], object]) -> None:
        self._store = store
        self._meanwhile: Callable[[], object] | None = meanwhile

    def overdue_jobs(self, shard: int, *, before: datetime, limit: int) -> OverdueJobs:
        found = self._store.overdue_jobs(shard, before=before, limit=limit)
        if found.jobs and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return found

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        self._store.fail_overdue(job, error=error, now=now, expires_at=expires_at)

    def stop_marks(self, job_id: str) -> StopMarks:
        return self._store.stop_marks(job_id)

    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        self._store.mark_resent(job, now=now)

    def stranded_jobs(
        self, segment: int, *, segments: int, updated_before: datetime, now: datetime
    ) -> list[StrandedJob]:
        return self._store.stranded_jobs(segment, segments=segments, updated_before=updated_before, now=now)

    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        self._store.fail_stranded(job, error=error, now=now, expires_at=expires_at)

    def read_job(self, job_id: str) -> JobAsRead | None:
        return self._store.read_job(job_id)

    def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
        self._store.mark_rescued(job, now=now)


@pytest.mark.parametrize("attempts", [1, MAX_ATTEMPTS], ids=["to-resend", "to-fail"])
def test_of_two_sweepers_racing_on_one_job_only_one_writes(
    store: FakeJobStore,
    queue: FakeJobsQueue,
    clock: FakeClock,
    captured_logs: CapturedLogs,
    sweeper: Sweeper,
    attempts: int,
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=attempts, last_receive=True)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)
    other_summaries: list[SweepSummary] = []
    slower = sweeper_on(
        InterleavedStore(store, lambda: other_summaries.append(sweeper.sweep())), queue, clock, captured_logs
    )

    slower_summary = slower.sweep()

    assert other_summaries[0].overdue == 1
    assert other_summaries[0].resent + other_summaries[0].failed == 1
    assert slower_summary == SweepSummary(overdue=1, skipped=1)
    # A re-send goes out before its write: the slower sweeper may send a second message, never a second
    # write, and a second message is harmless (the claim runs a job once).
    assert len(queue.sent) == 2 * other_summaries[0].resent
    assert item(store, job_id).get("sweeps", 0) == other_summaries[0].resent


def test_a_job_a_worker_claims_while_the_sweeper_looks_is_left_to_the_worker(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    def worker_claims() -> None:
        store.claim(job_id, claim_token="worker", now=clock(), lease_expires_at=clock() + LEASE, watch=False)

    summary = sweeper_on(InterleavedStore(store, worker_claims), queue, clock, captured_logs).sweep()

    assert summary == SweepSummary(overdue=1, skipped=1)
    assert (item(store, job_id)["status"], item(store, job_id)["claim_token"]) == ("IN_PROGRESS", "worker")


def test_each_run_works_off_at_most_the_bound_per_shard_and_says_how_many_are_left(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    backlog = {stored_before_send_first(store, job_id=job_id_in_shard(3)) for _ in range(5)}
    other_shard = stored_before_send_first(store, job_id=job_id_in_shard(11))
    sweeper = sweeper_on(store, queue, clock, captured_logs, jobs_per_shard=2)
    clock.advance(seconds=GRACE.total_seconds() + 1)

    runs = [sweeper.sweep() for _ in range(3)]

    assert runs == [
        SweepSummary(overdue=3, resent=3, left_for_next_run=3),
        SweepSummary(overdue=2, resent=2, left_for_next_run=1),
        SweepSummary(overdue=1, resent=1),
    ]
    assert sorted(message.job_id for message in queue.sent) == sorted([*backlog, other_shard])


def test_a_job_whose_message_would_break_the_contract_is_left_pending_and_not_sent(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs, sweeper: Sweeper
) -> None:
    # A job type this sweeper's contract does not know yet: a newer API may have accepted it.
    job_id = stored_before_send_first(store, job_type="video_transcode")
    before = item(store, job_id)
    clock.advance(seconds=GRACE.total_seconds() + 1)

    assert sweeper.sweep() == SweepSummary(overdue=1, skipped=1)
    assert (item(store, job_id), queue.sent) == (before, [])
    assert [line["job_id"] for line in captured_logs.lines() if "breaks the contract" in line["message"]] == [
        job_id
    ]


def test_each_failure_is_logged_as_a_transition_and_each_resend_with_its_count(
    store: FakeJobStore, clock: FakeClock, captured_logs: CapturedLogs, sweeper: Sweeper
) -> None:
    failed = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    resent = stored_before_send_first(store, sweeps=1)
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    sweeper.sweep()

    pick = ("job_id", "job_type", "status", "error_code")
    assert [
        {key: line[key] for key in pick if key in line} for line in captured_logs.transitions(failed)
    ] == [
        {
            "job_id": failed,
            "job_type": "text_transform",
            "status": "FAILED",
            "error_code": "RETRIES_EXHAUSTED",
        }
    ]
    assert [
        (line["job_id"], line["sweeps"], "status" in line)
        for line in captured_logs.lines()
        if line["message"] == "message re-sent by the sweeper"
    ] == [(resent, 2, False)]


def test_a_sweep_counts_each_resend_and_each_job_it_failed(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    metrics = FakeMetrics()
    sweeper = sweeper_on(store, queue, clock, captured_logs, metrics=metrics)
    stored_before_send_first(store)
    abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    submitted(store, updated_at=to_timestamp(at(CREATED_AT_MS) - MESSAGE_RETENTION - timedelta(days=1)))
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    sweeper.sweep()

    assert sorted(metrics.names()) == ["overdue_failed", "resent", "stranded_failed"]
    sweeper.sweep()
    assert len(metrics.names()) == 3  # a sweep that finds nothing counts nothing


def test_every_line_about_a_job_carries_its_id_as_correlation_id_and_the_sweeps_summary_none(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs, sweeper: Sweeper
) -> None:
    resent = stored_before_send_first(store)
    failed = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    stranded = submitted(
        store, updated_at=to_timestamp(at(CREATED_AT_MS) - MESSAGE_RETENTION - timedelta(days=1))
    )
    clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)

    sweeper.sweep()

    lines = captured_logs.lines()
    about_jobs = [line for line in lines if "job_id" in line]
    assert sorted({line["job_id"] for line in about_jobs}) == sorted([resent, failed, stranded])
    assert all(line.get("correlation_id") == line["job_id"] for line in about_jobs)
    (summary,) = [line for line in lines if line["message"] == "sweep finished"]
    assert "correlation_id" not in summary


@pytest.mark.parametrize("reason", ["RETRIES_EXHAUSTED", "MESSAGE_EXPIRED"])
def test_failing_an_owned_job_makes_its_listing_keys_name_failed(
    store: FakeJobStore, clock: FakeClock, sweeper: Sweeper, reason: str
) -> None:
    job = owned(queued_item("text_transform", {"text": "hi"}))
    store.put(job)
    job_id = job["job_id"]
    if reason == "RETRIES_EXHAUSTED":
        store.claim(job_id, claim_token="dead", now=clock(), lease_expires_at=clock() + LEASE, watch=True)
        store.put({**item(store, job_id), "attempts": MAX_ATTEMPTS})
        clock.advance(seconds=(LEASE + GRACE).total_seconds() + 1)
    else:
        clock.now = at(CREATED_AT_MS) + MESSAGE_RETENTION + timedelta(days=1)

    sweeper.sweep()

    failed = item(store, job_id)
    assert (failed["status"], failed["error"]["code"]) == ("FAILED", reason)
    assert listing_keys_of(failed) == (f"{OWNER}#FAILED", f"{OWNER}#text_transform#FAILED")


# Messages in the DLQ: a pending job's is sent again; every other one stays, as evidence.


def dead_message(job_id: str) -> str:
    return message_for(job_id).model_dump_json()


def test_a_queued_jobs_message_found_in_the_dlq_is_sent_again_once_and_leaves_the_dlq(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    # Its receives ran out on batches whose worker died on another record before reaching it.
    job_id = submitted(store)
    dead_letters = FakeDeadLetterQueue(dead_message(job_id))
    sweeper = sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters)

    first, second = sweeper.sweep(), sweeper.sweep()

    assert (first, second) == (SweepSummary(rescued=1), SweepSummary())
    assert queue.sent == [message_for(job_id)]
    assert dead_letters.bodies == []
    rescued = item(store, job_id)
    assert (rescued["status"], rescued["sweeps"], rescued["updated_at"]) == (
        "QUEUED",
        1,
        to_timestamp(clock()),
    )


def test_a_lapsed_unwatched_claims_message_found_in_the_dlq_is_sent_again(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job_id = abandoned_in_progress(store, clock, attempts=1, last_receive=False)
    clock.advance(seconds=LEASE.total_seconds() + 1)
    dead_letters = FakeDeadLetterQueue(dead_message(job_id))

    assert sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters).sweep().rescued == 1
    assert queue.sent == [message_for(job_id)]


def test_dead_messages_of_ended_watched_held_missing_malformed_or_newer_jobs_stay_in_the_dlq(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    ended = abandoned_in_progress(store, clock, attempts=1, last_receive=False)
    store.complete(
        ended,
        claim_token="dead-worker",
        outcome=JobFailed(JobError(code="RETRIES_EXHAUSTED", message="x")),
        now=clock(),
        expires_at=clock() + RETENTION,
        listing=None,
    )
    watched = abandoned_in_progress(store, clock, attempts=MAX_ATTEMPTS, last_receive=True)
    held = abandoned_in_progress(store, clock, attempts=1, last_receive=False)
    newer = [job_message_body(new_job_id(), "video_transcode"), '{"contract_version": "2"}']
    bodies = [dead_message(job_id) for job_id in (ended, watched, held, new_job_id())] + ["not json", *newer]
    dead_letters = FakeDeadLetterQueue(*bodies)

    summary = sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters).sweep()

    assert (summary.rescued, queue.sent, dead_letters.bodies) == (0, [], bodies)
    # Released once the sweep is done: whoever lists the DLQ sees them now, not after its visibility timeout.
    assert dead_letters.visible_bodies == bodies


def test_every_dead_message_a_sweep_leaves_is_visible_again_when_it_ends_however_many_it_read(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    # Not job messages at all: each stays, as evidence; 25 of them take three receives and three releases.
    bodies = [f"not a job message {index}" for index in range(25)]
    dead_letters = FakeDeadLetterQueue(*bodies)

    sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters).sweep()

    assert dead_letters.visible_bodies == bodies


def test_a_dead_message_whose_job_changed_since_the_read_stays_for_the_next_sweep(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job_id = submitted(store)
    dead_letters = FakeDeadLetterQueue(dead_message(job_id))

    class ClaimedMeanwhile(FakeJobStore):
        def read_job(self, job_id: str) -> JobAsRead | None:
            found = store.read_job(job_id)
            store.claim(job_id, claim_token="w", now=clock(), lease_expires_at=clock() + LEASE, watch=False)
            return found

        def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
            store.mark_rescued(job, now=now)

    summary = sweeper_on(ClaimedMeanwhile(), queue, clock, captured_logs, dead_letters=dead_letters).sweep()

    assert (summary.rescued, queue.sent, len(dead_letters.bodies)) == (0, [], 1)


def test_a_sweep_reads_at_most_a_hundred_dead_messages(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job_ids = [submitted(store) for _ in range(105)]
    dead_letters = FakeDeadLetterQueue(*(dead_message(job_id) for job_id in job_ids))
    sweeper = sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters)

    assert sweeper.sweep().rescued == 100
    assert sweeper.sweep().rescued == 5
    assert sorted(message.job_id for message in queue.sent) == sorted(job_ids)


def test_an_orphan_in_the_dlq_is_dropped_once_its_api_can_no_longer_store_its_job(
    store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    # Its receives ran out while its API might still have been writing the job: it went to the DLQ.
    orphan = dead_message(new_job_id())
    dead_letters = FakeDeadLetterQueue(orphan)
    metrics = FakeMetrics()
    sweeper = sweeper_on(store, queue, clock, captured_logs, dead_letters=dead_letters, metrics=metrics)
    clock.now = at(CREATED_AT_MS) + ORPHAN_MESSAGE_AGE - timedelta(milliseconds=1)

    sweeper.sweep()
    assert dead_letters.bodies == [orphan]
    clock.advance(milliseconds=1)
    sweeper.sweep()

    assert (dead_letters.bodies, queue.sent, metrics.names()) == ([], [], ["orphan"])
