"""What the processor reports besides the job's outcome: progress, metrics and the owner's listing keys."""

import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from conveyor_worker.clock import to_timestamp
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.jobs.errors import JobAttemptFailedError
from conveyor_worker.models.job_item import JobProgress
from conveyor_worker.models.listing import OwnerListing
from tests.support.clock import FakeClock
from tests.support.fake_store import FakeJobStore
from tests.support.items import OWNER, listing_keys_of, owned, queued_item
from tests.support.logs import CapturedLogs
from tests.support.processor import (
    LEASE,
    MAX_RECEIVE_COUNT,
    CountingJob,
    Harness,
    always_flaky,
    harness_with,
    raises_permanent,
)

SUBMITTED_BEFORE_CLAIM = timedelta(milliseconds=333)
"""The test support's items are created at 17:05:09.123, and its clock starts at 17:05:09.456."""


def submit_owned(harness: Harness) -> str:
    item = owned(queued_item("text_transform", {"text": "hi"}))
    harness.store.put(item)
    return str(item["job_id"])


# Progress


def test_a_job_functions_progress_reports_reach_the_store_while_it_runs(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    seen: list[dict[str, Any] | None] = []

    def reports(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        job.report_progress(10, "started")
        seen.append(harness.item(job.job_id).get("progress"))
        clock.advance(milliseconds=400)
        job.report_progress(50, "halfway, within the second: waits")
        seen.append(harness.item(job.job_id).get("progress"))
        clock.advance(milliseconds=600)
        job.report_progress(90, "almost")
        seen.append(harness.item(job.job_id).get("progress"))
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, reports)
    job_id = harness.submit("text_transform", {"text": "hi"})
    started = clock()

    harness.deliver(job_id)

    assert seen == [
        {"percent": 10, "message": "started", "updated_at": to_timestamp(started)},
        {"percent": 10, "message": "started", "updated_at": to_timestamp(started)},
        {"percent": 90, "message": "almost", "updated_at": to_timestamp(clock())},
    ]
    finished = harness.item(job_id)
    assert (finished["status"], "progress" in finished) == ("SUCCEEDED", False)


class ProgressRefused(FakeJobStore):
    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        raise ConnectionError("DynamoDB did not answer")


def test_progress_that_cannot_be_stored_never_fails_the_job(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def reports(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        job.report_progress(10, "started")
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, reports, store=ProgressRefused())
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.item(job_id)["status"] == "SUCCEEDED"
    assert "progress not stored" in [line["message"] for line in captured_logs.lines()]


def test_progress_after_the_lease_was_lost_is_dropped_without_raising_into_the_job(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=61)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        job.report_progress(99, "too late")
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["claim_token"], "progress" in item) == ("newer", False)


def test_a_retry_starts_without_the_progress_of_the_attempt_before(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    progress_at_start: list[dict[str, Any] | None] = []

    def reports_then_fails_once(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        progress_at_start.append(harness.item(job.job_id).get("progress"))
        job.report_progress(30, "working")
        if len(progress_at_start) == 1:
            raise ConnectionError("the downstream service is unreachable")
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, reports_then_fails_once)
    job_id = harness.submit("text_transform", {"text": "hi"})
    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id)
    assert harness.item(job_id)["progress"]["percent"] == 30  # the released job keeps it until a new claim
    clock.advance(milliseconds=1)

    harness.deliver(job_id, receive_count=2)

    assert progress_at_start == [None, None]


# Metrics


def test_a_job_that_succeeds_is_counted_claimed_then_succeeded_with_its_queue_wait_and_run_time(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def takes_a_while(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(milliseconds=250)
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, takes_a_while)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.metrics.events == [
        ("claimed", SUBMITTED_BEFORE_CLAIM),
        ("succeeded", timedelta(milliseconds=250)),
    ]


def test_a_job_that_fails_permanently_is_counted_failed_with_its_run_time(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, raises_permanent)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.metrics.events == [("claimed", SUBMITTED_BEFORE_CLAIM), ("failed", timedelta(0))]


def test_transient_failures_are_counted_retried_until_the_last_attempt_which_is_counted_failed(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})

    for receive_count in range(1, MAX_RECEIVE_COUNT + 1):
        with pytest.raises(JobAttemptFailedError):
            harness.deliver(job_id, receive_count=receive_count)
        clock.advance(seconds=30)

    # Only the first claim measures the queue wait: a retry's wait is the backoff, not the queue's.
    assert harness.metrics.events == [
        ("claimed", SUBMITTED_BEFORE_CLAIM),
        ("retried", None),
        ("claimed", None),
        ("retried", None),
        ("claimed", None),
        ("failed", timedelta(0)),
    ]


def test_a_duplicate_delivery_is_counted_as_skipped_and_nothing_else(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob())
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.deliver(job_id)
    harness.metrics.events.clear()

    harness.deliver(job_id)

    assert harness.metrics.names() == ["duplicate"]


def test_a_refused_completion_counts_neither_success_nor_failure(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=61)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.metrics.names() == ["claimed"]


def test_a_clock_behind_the_apis_never_makes_the_queue_wait_negative(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob())
    job_id = harness.submit("text_transform", {"text": "hi"})
    clock.advance(seconds=-5)

    harness.deliver(job_id)

    assert harness.metrics.events[0] == ("claimed", timedelta(0))


# Listing keys


class CountingListingWrites(FakeJobStore):
    def __init__(self, *, fails: bool = False) -> None:
        super().__init__()
        self.listing_writes = 0
        self._fails = fails

    def set_listing_status(self, job_id: str, *, claim_token: str, listing: OwnerListing) -> None:
        self.listing_writes += 1
        if self._fails:
            raise ConnectionError("DynamoDB did not answer")
        super().set_listing_status(job_id, claim_token=claim_token, listing=listing)


def listing_while_running(harness_box: list[Harness], seen: list[Any]) -> Any:
    def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        item = harness_box[0].item(job.job_id)
        seen.append((item["owner_status"], item["owner_type_status"]))
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    return run


def test_an_owned_jobs_listing_keys_name_in_progress_while_it_runs_and_its_outcome_after(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = CountingListingWrites()
    box: list[Harness] = []
    seen: list[Any] = []
    harness = harness_with(clock, captured_logs, listing_while_running(box, seen), store=store)
    box.append(harness)
    job_id = submit_owned(harness)

    harness.deliver(job_id)

    assert seen == [(f"{OWNER}#IN_PROGRESS", f"{OWNER}#text_transform#IN_PROGRESS")]
    assert listing_keys_of(harness.item(job_id)) == (
        f"{OWNER}#SUCCEEDED",
        f"{OWNER}#text_transform#SUCCEEDED",
    )
    assert store.listing_writes == 1


@pytest.mark.parametrize("job", [raises_permanent, always_flaky], ids=["permanent", "retries-exhausted"])
def test_an_owned_job_that_fails_gets_failed_listing_keys(
    clock: FakeClock, captured_logs: CapturedLogs, job: Any
) -> None:
    harness = harness_with(clock, captured_logs, job)
    job_id = submit_owned(harness)

    with pytest.raises(JobAttemptFailedError) if job is always_flaky else contextlib.nullcontext():
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    item = harness.item(job_id)
    assert listing_keys_of(item) == (f"{OWNER}#FAILED", f"{OWNER}#text_transform#FAILED")


def test_an_unowned_job_gets_no_listing_keys_and_no_extra_write(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = CountingListingWrites()
    harness = harness_with(clock, captured_logs, CountingJob(), store=store)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert not {"owner", "owner_type", "owner_status", "owner_type_status"} & harness.item(job_id).keys()
    assert store.listing_writes == 0


def test_a_re_claim_after_a_lease_expiry_needs_no_listing_write(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = CountingListingWrites()
    harness = harness_with(clock, captured_logs, CountingJob(), store=store)
    job_id = submit_owned(harness)
    harness.store.claim(
        job_id, claim_token="crashed", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    harness.store.set_listing_status(
        job_id, claim_token="crashed", listing=OwnerListing(OWNER, "text_transform")
    )
    clock.advance(seconds=60, milliseconds=1)

    harness.deliver(job_id)

    assert store.listing_writes == 1  # the crashed worker's, above
    assert harness.item(job_id)["status"] == "SUCCEEDED"


def test_a_listing_write_that_fails_is_logged_and_the_job_still_runs_and_ends_with_matching_keys(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job, store=CountingListingWrites(fails=True))
    job_id = submit_owned(harness)

    harness.deliver(job_id)

    assert job.runs == 1
    assert listing_keys_of(harness.item(job_id)) == (
        f"{OWNER}#SUCCEEDED",
        f"{OWNER}#text_transform#SUCCEEDED",
    )
    (failure,) = [line for line in captured_logs.lines() if line["level"] == "ERROR"]
    assert (failure["message"], failure["job_id"]) == ("listing keys not updated for IN_PROGRESS", job_id)
