"""Run later in the worker and the sweeper: no job starts before its run_at, an early message is sent again
for the remainder, and the sweeper sends a delayed job's message as it comes due (docs/design.md, Run
later)."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from conveyor_worker.clock import to_epoch_ms, to_timestamp
from conveyor_worker.jobs.errors import JobNotDueError
from conveyor_worker.jobs.later import EarlyMessages
from conveyor_worker.jobs.newer import LONGEST_DELAY_SECONDS
from conveyor_worker.jobs.sweep import LOOKAHEAD, MESSAGE_EXPIRY_MARGIN, Sweeper, SweepSummary
from conveyor_worker.models.job_message import JobMessage
from tests.support.clock import FakeClock
from tests.support.fake_metrics import FakeMetrics
from tests.support.fake_queue import FakeDeadLetterQueue, FakeJobsQueue
from tests.support.fake_store import FakeJobStore
from tests.support.items import job_message_body, queued_item
from tests.support.logs import CapturedLogs
from tests.support.processor import CountingJob, harness_with

GRACE = timedelta(minutes=5)
MESSAGE_RETENTION = timedelta(days=14)


def delayed_item(clock: FakeClock, *, seconds: float, swept: bool) -> dict[str, Any]:
    """As the API stores a job with delay_seconds: run_at, and, over 900 s, the sweep index at run_at."""
    item = queued_item("text_transform", {"text": "later"})
    run_at = datetime.fromisoformat(item["created_at"]) + timedelta(seconds=seconds)
    item["run_at"] = to_timestamp(run_at)
    if swept:
        item |= {
            "sweep_shard": int(item["job_id"].replace("-", ""), 16) % 16,
            "sweep_at": to_epoch_ms(run_at),
        }
    return item


def test_a_message_before_run_at_runs_nothing_and_leaves_the_job_queued(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    item = delayed_item(clock, seconds=60, swept=False)
    harness.store.put(item)

    with pytest.raises(JobNotDueError) as early:
        harness.deliver(item["job_id"])

    assert early.value.run_at == item["run_at"]
    assert job.runs == 0
    assert harness.item(item["job_id"]) == item


def test_the_message_at_run_at_runs_the_job(clock: FakeClock, captured_logs: CapturedLogs) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    item = delayed_item(clock, seconds=60, swept=False)
    harness.store.put(item)
    clock.now = datetime.fromisoformat(item["run_at"])

    harness.deliver(item["job_id"])

    assert job.runs == 1
    assert harness.item(item["job_id"])["status"] == "SUCCEEDED"


class Early:
    def __init__(self, clock: FakeClock) -> None:
        self.store = FakeJobStore()
        self.queue = FakeJobsQueue()
        self.messages = EarlyMessages(store=self.store, queue=self.queue, clock=clock, logger=Logger())


@pytest.mark.parametrize(("ahead", "delay"), [(0.001, 1), (59.5, 60), (900, 900), (7 * 86400, 900)])
def test_an_early_message_is_sent_again_for_the_remainder_up_to_900_s_and_its_job_dated(
    clock: FakeClock, ahead: float, delay: int
) -> None:
    early = Early(clock)
    item = queued_item("text_transform", {"text": "later"}) | {
        "run_at": to_timestamp(clock() + timedelta(seconds=ahead))
    }
    early.store.put(item)
    body = job_message_body(item["job_id"])

    early.messages.send_again(JobNotDueError(item["job_id"], item["run_at"]), body)

    assert early.queue.sent_later == [(body, delay, None)]
    assert delay <= LONGEST_DELAY_SECONDS
    assert early.store.get(item["job_id"]) == item | {"updated_at": to_timestamp(clock())}


@pytest.mark.parametrize("status", ["FAILED", "IN_PROGRESS"])
def test_an_early_message_of_a_job_that_left_queued_is_dropped(clock: FakeClock, status: str) -> None:
    early = Early(clock)
    item = queued_item("text_transform", {"text": "later"}) | {
        "status": status,
        "run_at": to_timestamp(clock() + timedelta(hours=1)),
    }
    early.store.put(item)

    early.messages.send_again(
        JobNotDueError(item["job_id"], item["run_at"]), job_message_body(item["job_id"])
    )

    assert early.queue.sent_later == []


def sweeper(store: FakeJobStore, queue: FakeJobsQueue, clock: FakeClock) -> Sweeper:
    return Sweeper(
        store=store,
        queue=queue,
        dead_letters=FakeDeadLetterQueue(),
        clock=clock,
        grace=GRACE,
        max_attempts=3,
        jobs_per_shard=100,
        message_retention=MESSAGE_RETENTION,
        scan_segments=1,
        retention=timedelta(days=30),
        logger=Logger(),
        metrics=FakeMetrics(),
    )


def test_the_sweeper_leaves_a_delayed_job_alone_until_its_run_at_is_within_the_lookahead(
    clock: FakeClock,
) -> None:
    store, queue = FakeJobStore(), FakeJobsQueue()
    item = delayed_item(clock, seconds=7200, swept=True)
    store.put(item)
    run_at = datetime.fromisoformat(item["run_at"])
    clock.now = run_at - LOOKAHEAD

    assert sweeper(store, queue, clock).sweep() == SweepSummary()
    assert (queue.sent, store.get(item["job_id"])) == ([], item)


def test_the_sweeper_sends_a_due_message_delayed_to_run_at_and_dates_the_job(clock: FakeClock) -> None:
    store, queue = FakeJobStore(), FakeJobsQueue()
    item = delayed_item(clock, seconds=7200, swept=True)
    store.put(item)
    run_at = datetime.fromisoformat(item["run_at"])
    clock.now = run_at - LOOKAHEAD + timedelta(milliseconds=1)

    summary = sweeper(store, queue, clock).sweep()

    assert summary == SweepSummary(overdue=1, resent=1)
    assert queue.sent == [
        JobMessage(
            contract_version="1",
            job_id=item["job_id"],
            job_type="text_transform",
            submitted_at=item["created_at"],
        )
    ]
    assert queue.delays == [LOOKAHEAD // timedelta(seconds=1)]
    after = store.get(item["job_id"])
    assert after is not None
    assert "sweep_at" not in after
    assert (after["status"], after["updated_at"], after["sweeps"]) == ("QUEUED", to_timestamp(clock()), 1)


def test_a_sweeper_that_ran_late_sends_a_due_message_at_once(clock: FakeClock) -> None:
    store, queue = FakeJobStore(), FakeJobsQueue()
    item = delayed_item(clock, seconds=7200, swept=True)
    store.put(item)
    clock.now = datetime.fromisoformat(item["run_at"]) + timedelta(hours=3)

    sweeper(store, queue, clock).sweep()

    assert queue.delays == [0]


def test_a_cancelled_delayed_job_is_out_of_the_index_and_never_sent(clock: FakeClock) -> None:
    store, queue = FakeJobStore(), FakeJobsQueue()
    item = delayed_item(clock, seconds=7200, swept=True)
    # As the API's cancel of a QUEUED job leaves it: FAILED CANCELLED, out of the sweep index.
    cancelled = {k: v for k, v in item.items() if k not in ("sweep_shard", "sweep_at")} | {
        "status": "FAILED",
        "error": {"code": "CANCELLED", "message": "cancelled"},
        "finished_at": to_timestamp(clock()),
        "cancel_requested_at": to_timestamp(clock()),
        "expires_at": 1798131910,
    }
    store.put(cancelled)
    clock.now = datetime.fromisoformat(item["run_at"])

    sweeper(store, queue, clock).sweep()

    assert queue.sent == []


def test_a_job_that_waits_7_days_is_not_failed_by_the_expiry_scan_before_its_message_expired(
    clock: FakeClock,
) -> None:
    store, queue = FakeJobStore(), FakeJobsQueue()
    # Stored with run_at 7 days ahead, outside the index (as if its sweep's write were lost): the scan
    # counts from run_at, not from the submission.
    item = delayed_item(clock, seconds=7 * 86400, swept=False)
    store.put(item)
    clock.now = datetime.fromisoformat(item["run_at"]) + MESSAGE_RETENTION + MESSAGE_EXPIRY_MARGIN

    assert sweeper(store, queue, clock).sweep().stranded == 0
    clock.advance(seconds=1)
    assert sweeper(store, queue, clock).sweep().stranded == 1
