"""A running job learns of a cancel through its job context, and the worker ends it FAILED CANCELLED, never
retried; a job that does not look ends as it finished (docs/design.md, Cancel and retry)."""

from collections.abc import Mapping
from typing import Any

import pytest

from conveyor_worker.clock import to_timestamp
from conveyor_worker.job_types.context import JobCancelledError, JobContext
from conveyor_worker.jobs.progress import ProgressReporter
from tests.support.clock import FakeClock
from tests.support.fake_files import FakeFileStore
from tests.support.fake_store import FakeJobStore
from tests.support.items import queued_item
from tests.support.logs import CapturedLogs
from tests.support.processor import LEASE, MAX_RECEIVE_COUNT, CountingJob, harness_with

RESULT = {"length": 2, "uppercase": "HI", "word_count": 1}


class CancelledWhileRunning:
    """Runs until the API's cancel lands (after `reports_before_cancel` reports), then behaves as `how` says:
    reports progress once a second, checks explicitly, or does neither and returns."""

    def __init__(self, store: FakeJobStore, clock: FakeClock, how: str) -> None:
        self.store = store
        self.clock = clock
        self.how = how
        self.steps = 0

    def __call__(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        job.report_progress(10, "started")
        self.store.request_cancel(job.job_id, to_timestamp(self.clock()))
        for self.steps in range(1, 4):
            self.clock.advance(seconds=1)
            if self.how == "reports":
                job.report_progress(10 + self.steps, "working")
            elif self.how == "checks":
                job.check_cancelled()
        return RESULT


@pytest.mark.parametrize("how", ["reports", "checks"])
def test_a_job_that_reports_or_checks_stops_at_the_next_one_and_ends_cancelled_without_a_retry(
    clock: FakeClock, captured_logs: CapturedLogs, how: str
) -> None:
    store = FakeJobStore()
    job = CancelledWhileRunning(store, clock, how)
    harness = harness_with(clock, captured_logs, job, store=store)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert job.steps == 1
    assert (item["status"], item["error"]["code"], item["attempts"]) == ("FAILED", "CANCELLED", 1)
    assert "cancel_requested_at" in item
    assert harness.queue.postponed == []
    assert store.cancel_checks == (1 if how == "checks" else 0)


def test_a_job_that_never_looks_ends_as_it_finished_and_keeps_its_cancel_request(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = FakeJobStore()
    harness = harness_with(clock, captured_logs, CancelledWhileRunning(store, clock, "ignores"), store=store)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert item["status"] == "SUCCEEDED"
    assert "cancel_requested_at" in item
    assert store.cancel_checks == 0


def test_a_cancel_requested_job_claimed_again_after_its_lease_expired_ends_cancelled_without_running(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.store.claim(
        job_id, claim_token="died", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    harness.store.request_cancel(job_id, to_timestamp(clock()))
    clock.advance(seconds=61)

    harness.deliver(job_id, receive_count=2)

    item = harness.item(job_id)
    assert job.runs == 0
    assert (item["status"], item["error"]["code"], item["attempts"]) == ("FAILED", "CANCELLED", 2)
    assert "sweep_at" not in item


def test_a_cancel_request_on_the_last_receives_claim_still_ends_the_job_cancelled(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.store.claim(
        job_id, claim_token="died", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    harness.store.request_cancel(job_id, to_timestamp(clock()))
    clock.advance(seconds=61)

    harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    item = harness.item(job_id)
    assert (job.runs, item["status"], item["error"]["code"]) == (0, "FAILED", "CANCELLED")
    assert "sweep_shard" not in item


def test_a_job_cancelled_while_queued_is_acknowledged_without_running(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    item = queued_item("text_transform", {"text": "hi"})
    cancelled_at = to_timestamp(clock())
    ended = {key: value for key, value in item.items() if key not in ("sweep_shard", "sweep_at")}
    harness.store.put(
        ended
        | {
            "status": "FAILED",
            "error": {"code": "CANCELLED", "message": "Cancelled before it started."},
            "cancel_requested_at": cancelled_at,
            "finished_at": cancelled_at,
            "expires_at": 1798131910,
        }
    )

    harness.deliver(str(item["job_id"]))

    assert job.runs == 0
    assert harness.item(str(item["job_id"]))["status"] == "FAILED"
    assert harness.metrics.names() == ["duplicate"]


def test_every_report_after_the_cancel_was_learnt_raises_and_none_is_stored(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = FakeJobStore()
    item = queued_item("text_transform", {"text": "hi"})
    store.put(item)
    job_id = str(item["job_id"])
    store.claim(job_id, claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False)
    reporter = ProgressReporter(
        store=store, job_id=job_id, claim_token="token-1", clock=clock, logger=captured_logs.logger
    )
    reporter.report(5, "first")
    store.request_cancel(job_id, to_timestamp(clock()))
    clock.advance(seconds=1)

    with pytest.raises(JobCancelledError):
        reporter.report(6, "second")
    with pytest.raises(JobCancelledError):
        reporter.report(7, "third, within the second")

    assert store.get(job_id)["progress"]["percent"] == 5  # type: ignore[index]


def test_reports_within_the_second_of_the_last_write_do_not_learn_of_a_cancel(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = FakeJobStore()
    item = queued_item("text_transform", {"text": "hi"})
    store.put(item)
    job_id = str(item["job_id"])
    store.claim(job_id, claim_token="token-1", now=clock(), lease_expires_at=clock() + LEASE, watch=False)
    reporter = ProgressReporter(
        store=store, job_id=job_id, claim_token="token-1", clock=clock, logger=captured_logs.logger
    )
    reporter.report(5, "first")
    store.request_cancel(job_id, to_timestamp(clock()))

    reporter.report(6, "no write: within the second")

    assert reporter.waiting == (6, "no write: within the second")


def test_a_job_context_called_on_its_own_is_never_cancelled() -> None:
    context = JobContext("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore())

    context.check_cancelled()
    context.report_progress(50, "half")


def test_check_cancelled_asks_its_check_each_time_and_raises_once_it_says_so() -> None:
    answers = iter([False, True])
    context = JobContext(
        "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore(), cancel_check=lambda: next(answers)
    )

    context.check_cancelled()
    with pytest.raises(JobCancelledError):
        context.check_cancelled()
