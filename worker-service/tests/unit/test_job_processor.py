"""The domain on its own: one message through claim, run and complete, against the in-memory store."""

import contextlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.contract import check, load_contract
from conveyor_worker.job_types import JobFunction
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError
from conveyor_worker.jobs.errors import (
    JobAttemptFailedError,
    JobHeldElsewhereError,
    JobNotStartedError,
    JobNotStoredYetError,
)
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE, parse_job_message
from conveyor_worker.jobs.process import NOT_STORED_PAUSES_SECONDS, RECORD_CALLS
from conveyor_worker.models.job_outcome import JobOutcome
from conveyor_worker.models.listing import OwnerListing
from tests.support.clock import FakeClock
from tests.support.fake_files import FakeFileStore
from tests.support.fake_queue import FakeJobsQueue
from tests.support.fake_store import FakeJobStore
from tests.support.images import blank_png, upload_key
from tests.support.items import OWNER, job_message_body, owned, queued_item, without_pending
from tests.support.logs import CapturedLogs
from tests.support.processor import (
    LEASE,
    LEASE_WITHIN_BUDGET,
    MAX_RECEIVE_COUNT,
    RETENTION,
    CountingJob,
    FlakyJobError,
    Harness,
    always_flaky,
    harness_with,
    raises_permanent,
)


@pytest.fixture
def harness(clock: FakeClock, captured_logs: CapturedLogs) -> Harness:
    return Harness(clock, captured_logs, overrides=None)


def test_a_text_transform_job_succeeds_with_its_result_stored_as_json_text(harness: Harness) -> None:
    job_id = harness.submit("text_transform", {"text": "Hello, Conveyor!"})
    claimed_at = harness.clock()

    harness.deliver(job_id)

    assert harness.item(job_id) == {
        **without_pending(queued_item("text_transform", {"text": "Hello, Conveyor!"}, job_id=job_id)),
        "status": "SUCCEEDED",
        "attempts": 1,
        "started_at": to_timestamp(claimed_at),
        "updated_at": to_timestamp(claimed_at),
        "finished_at": to_timestamp(claimed_at),
        "claim_token": harness.item(job_id)["claim_token"],
        "result": '{"length":16,"uppercase":"HELLO, CONVEYOR!","word_count":2}',
        "expires_at": to_epoch_seconds(claimed_at + RETENTION),
    }


def test_a_data_analysis_job_succeeds_with_its_statistics(harness: Harness) -> None:
    job_id = harness.submit("data_analysis", {"data": [1, 2.5, -3]})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert item["status"] == "SUCCEEDED"
    assert json.loads(item["result"]) == {
        "count": 3,
        "sum": 0.5,
        "mean": 0.5 / 3,
        "median": 1.0,
        "min": -3.0,
        "max": 2.5,
        "stdev": pytest.approx(2.3213980461973533),
        "p90": pytest.approx(2.2),
        "p99": pytest.approx(2.47),
    }


@pytest.mark.parametrize(
    ("payload", "expected_in_message"),
    [
        ({"text": ""}, "/text"),
        ({"text": "hi", "upper": True}, "Additional properties"),
        ("{not json", "not valid JSON"),
    ],
    ids=["empty-text", "extra-field", "not-json"],
)
def test_a_payload_that_fails_the_input_schema_fails_the_job_at_once(
    clock: FakeClock, captured_logs: CapturedLogs, payload: dict[str, Any] | str, expected_in_message: str
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", payload)

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], item["error"]["code"], job.runs) == ("FAILED", "INVALID_PAYLOAD", 0)
    assert expected_in_message in item["error"]["message"]
    assert "lease_expires_at" not in item


def test_a_permanent_job_error_fails_the_job_with_its_code(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def refuses(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        raise PermanentJobError("TEXT_REFUSED", "this text cannot be transformed")

    harness = harness_with(clock, captured_logs, refuses)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.item(job_id)["error"] == {
        "code": "TEXT_REFUSED",
        "message": "this text cannot be transformed",
    }
    assert harness.item(job_id)["status"] == "FAILED"


@pytest.mark.parametrize(
    "result",
    [
        {"length": 2},
        {"length": 2, "uppercase": "HI", "word_count": -1},
        {"length": 2, "uppercase": "HI", "word_count": float("nan")},
    ],
    ids=["missing-fields", "negative-count", "not-a-json-number"],
)
def test_a_result_that_fails_the_result_schema_fails_the_job(
    clock: FakeClock, captured_logs: CapturedLogs, result: dict[str, Any]
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob(result))
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], item["error"]["code"]) == ("FAILED", "INVALID_RESULT")
    assert "result" not in item


def test_a_transient_failure_releases_the_lease_and_asks_for_a_retry(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT - 1)

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["lease_expires_at"]) == (
        "IN_PROGRESS",
        1,
        to_epoch_ms(clock()),
    )
    assert "error" not in item


def test_a_transient_failure_on_the_last_receive_fails_the_job_and_still_asks_for_a_retry(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})
    for receive_count in range(1, MAX_RECEIVE_COUNT):
        with pytest.raises(JobAttemptFailedError):
            harness.deliver(job_id, receive_count=receive_count)
        clock.advance(seconds=30)

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    item = harness.item(job_id)
    assert (item["status"], item["attempts"]) == ("FAILED", 3)
    assert item["error"] == {
        "code": "RETRIES_EXHAUSTED",
        "message": "gave up after 3 attempts; last error: FlakyJobError: the downstream service timed out",
    }
    assert "lease_expires_at" not in item


def test_a_duplicate_delivery_is_acknowledged_without_running_the_job_again(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.deliver(job_id)
    finished = harness.item(job_id)
    clock.advance(minutes=5)

    harness.deliver(job_id)

    assert job.runs == 1
    assert harness.item(job_id) == finished
    skipped = [line for line in captured_logs.lines() if line["message"] == "duplicate delivery skipped"]
    assert [(line["job_id"], line["current_status"], "status" in line) for line in skipped] == [
        (job_id, "SUCCEEDED", False)
    ]


def test_a_job_held_under_a_live_lease_is_not_run_and_its_message_comes_back_when_the_lease_ends(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.store.claim(
        job_id, claim_token="other", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    clock.advance(seconds=20)
    held = harness.item(job_id)

    # It may be the holder's own message, delivered twice: were it acknowledged and the holder died, no
    # message would be left to run the job again.
    with pytest.raises(JobHeldElsewhereError):
        harness.deliver(job_id, receipt_handle="receipt-2")

    assert job.runs == 0
    assert harness.item(job_id) == held
    assert harness.queue.postponed == [("receipt-2", 41)]
    assert harness.metrics.names() == ["deferred"]


def test_a_duplicate_on_its_last_receive_is_acknowledged_and_its_job_watched_until_the_holders_lease_ends(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob())
    job_id = harness.submit("text_transform", {"text": "hi"})
    harness.store.claim(
        job_id, claim_token="other", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )

    # Given back, it would go to the DLQ; acknowledged, it is gone: either way the sweeper must be able to
    # find the job should its holder die.
    harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    item = harness.item(job_id)
    assert (item["claim_token"], item["sweep_at"]) == ("other", to_epoch_ms(clock() + LEASE))
    assert harness.queue.postponed == []
    assert harness.metrics.names() == ["duplicate"]


def test_a_claim_on_the_last_receive_watches_the_job_and_any_other_claim_does_not(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})
    seen: list[dict[str, Any]] = []
    for receive_count in range(1, MAX_RECEIVE_COUNT):
        with pytest.raises(JobAttemptFailedError):
            harness.deliver(job_id, receive_count=receive_count)
        seen.append(harness.item(job_id))
        clock.advance(seconds=30)
    watched = harness_with(clock, captured_logs, CountingJob(), store=harness.store)

    claim_time = clock()
    with contextlib.suppress(JobAttemptFailedError):
        watched.processor.process(
            parse_job_message(job_message_body(job_id)),
            receive_count=MAX_RECEIVE_COUNT,
            receipt_handle="r",
        )

    assert ["sweep_at" in item for item in seen] == [False] * (MAX_RECEIVE_COUNT - 1)
    # Claimed with the watch, then finished: the completion took it out of the index again.
    assert "sweep_at" not in harness.item(job_id)
    assert harness.store.watched_claims == [(job_id, to_epoch_ms(claim_time + LEASE))]


def test_a_message_that_arrives_before_its_job_is_stored_waits_for_it_and_runs_it_once(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    item = queued_item("text_transform", {"text": "hi"})
    store = FakeJobStore()
    pauses = iter(range(3))

    def store_during_the_third_pause(seconds: float) -> None:
        clock.advance(seconds=seconds)
        if next(pauses) == 2:
            store.put(item)

    clock.sleep = store_during_the_third_pause  # type: ignore[method-assign]
    harness = harness_with(clock, captured_logs, job, store=store)

    harness.deliver(item["job_id"])

    assert job.runs == 1
    assert harness.item(item["job_id"])["status"] == "SUCCEEDED"
    assert store.claims == 4
    assert harness.queue.postponed == []


def test_a_message_whose_job_stays_unstored_comes_back_so_its_last_receive_is_old_enough_to_judge(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob())
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"
    sent = clock()  # the harness's messages are as old as the clock's start allows: a third of a second

    with pytest.raises(JobNotStoredYetError):
        harness.deliver(missing, receive_count=1, receipt_handle="r1")
    ((_, first_delay),) = harness.queue.postponed
    clock.advance(seconds=first_delay)
    with pytest.raises(JobNotStoredYetError):
        harness.deliver(missing, receive_count=2, receipt_handle="r2")
    (_, (_, second_delay)) = harness.queue.postponed
    clock.advance(seconds=second_delay)
    harness.deliver(missing, receive_count=MAX_RECEIVE_COUNT, receipt_handle="r3")

    assert clock.slept[: len(NOT_STORED_PAUSES_SECONDS)] == list(NOT_STORED_PAUSES_SECONDS)
    # The last receive came once its API could no longer store the job: acknowledged, not sent to the DLQ.
    assert clock() - sent >= ORPHAN_MESSAGE_AGE
    assert clock() - sent < ORPHAN_MESSAGE_AGE + timedelta(seconds=10)
    assert harness.store.get(missing) is None
    assert harness.metrics.names() == ["orphan"]


def test_a_message_whose_job_was_never_stored_is_acknowledged_as_an_orphan_once_its_api_gave_up(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob())
    missing = "0d6e7c3a-2b1f-4e5d-8a9b-c0d1e2f3a4b5"
    clock.advance(seconds=ORPHAN_MESSAGE_AGE.total_seconds())

    harness.deliver(missing)

    assert harness.store.get(missing) is None
    assert harness.queue.postponed == []
    assert harness.metrics.names() == ["orphan"]
    assert [line["job_id"] for line in captured_logs.lines() if line["message"].startswith("orphan")] == [
        missing
    ]


def test_a_job_whose_lease_expired_is_claimed_again_and_run(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})
    crashed_claim_at = clock()
    harness.store.claim(
        job_id, claim_token="crashed", now=clock(), lease_expires_at=clock() + LEASE, watch=False
    )
    clock.advance(seconds=60, milliseconds=1)

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (job.runs, item["status"], item["attempts"]) == (1, "SUCCEEDED", 2)
    assert item["started_at"] == to_timestamp(crashed_claim_at)


def test_a_completion_refused_after_another_claim_took_the_lease_drops_the_result(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness: Harness

    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=61)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], item["claim_token"], item["attempts"]) == ("IN_PROGRESS", "newer", 2)
    assert "result" not in item
    assert [
        line["job_id"] for line in captured_logs.lines() if line["message"].startswith("stale completion")
    ] == [job_id]


def test_a_job_of_a_type_this_worker_lacks_is_retried_like_a_transient_failure(harness: Harness) -> None:
    job_id = harness.submit("video_transcode", {"url": "x"})

    with pytest.raises(JobAttemptFailedError) as failed:
        harness.deliver(job_id)

    assert "video_transcode" in str(failed.value.__cause__)
    assert harness.item(job_id)["status"] == "IN_PROGRESS"


def test_each_transition_is_logged_with_the_keys_the_local_stack_renders(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def slow(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(milliseconds=1500)
        raise PermanentJobError("TOO_SLOW", "took too long")

    harness = harness_with(clock, captured_logs, slow)
    succeeded = harness.submit("data_analysis", {"data": [1]})
    failed = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(succeeded)
    harness.deliver(failed)

    pick = ("job_id", "job_type", "status", "attempt", "duration_ms", "error_code")
    assert [{k: line[k] for k in pick if k in line} for line in captured_logs.transitions(succeeded)] == [
        {"job_id": succeeded, "job_type": "data_analysis", "status": "IN_PROGRESS", "attempt": 1},
        {"job_id": succeeded, "job_type": "data_analysis", "status": "SUCCEEDED", "duration_ms": 0},
    ]
    assert [{k: line[k] for k in pick if k in line} for line in captured_logs.transitions(failed)] == [
        {"job_id": failed, "job_type": "text_transform", "status": "IN_PROGRESS", "attempt": 1},
        {"job_id": failed, "job_type": "text_transform", "status": "FAILED", "error_code": "TOO_SLOW"},
    ]


def test_a_very_long_error_message_is_cut_to_the_contracts_limit(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    def verbose(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        raise PermanentJobError("VERBOSE", "x" * 5000)

    harness = harness_with(clock, captured_logs, verbose)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert len(harness.item(job_id)["error"]["message"]) == 2000


def test_a_transient_failure_postpones_the_retry_of_the_received_message_by_the_backoff(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=1, receipt_handle="first-receive")
    clock.advance(seconds=5)
    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=2, receipt_handle="second-receive")

    # BACKOFF always draws its ceiling: the base (2 s) on the first attempt, twice that on the second.
    assert harness.queue.postponed == [("first-receive", 2), ("second-receive", 4)]


@pytest.mark.parametrize(
    ("job", "receive_count"),
    [(CountingJob(), 1), (raises_permanent, 1), (always_flaky, MAX_RECEIVE_COUNT)],
    ids=["success", "permanent-failure", "last-attempt"],
)
def test_only_a_retry_that_will_happen_is_postponed(
    clock: FakeClock, captured_logs: CapturedLogs, job: JobFunction, receive_count: int
) -> None:
    harness = harness_with(clock, captured_logs, job)
    job_id = harness.submit("text_transform", {"text": "hi"})

    # The last attempt still reports the failure, so that the message reaches the DLQ.
    with contextlib.suppress(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=receive_count)

    assert harness.queue.postponed == []


def test_the_attempt_that_reaches_max_receive_count_is_the_last_even_on_a_first_receive(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky)
    job_id = harness.submit("text_transform", {"text": "hi"})
    # Workers that died took the earlier attempts; the sweeper's re-sent message starts SQS's count afresh.
    for crashed in range(MAX_RECEIVE_COUNT - 1):
        harness.store.claim(
            job_id,
            claim_token=f"crashed-{crashed}",
            now=clock(),
            lease_expires_at=clock() + LEASE,
            watch=False,
        )
        clock.advance(seconds=61)

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=1)

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 3, "RETRIES_EXHAUSTED")
    assert harness.queue.postponed == []


class VisibilityRefused(FakeJobsQueue):
    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        raise ConnectionError("SQS did not answer")


def test_a_retry_that_cannot_be_postponed_is_still_asked_for(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, always_flaky, queue=VisibilityRefused())
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id)

    assert harness.item(job_id)["lease_expires_at"] == to_epoch_ms(clock())
    assert [
        line["job_id"]
        for line in captured_logs.lines()
        if line["message"].startswith("message delay not set")
    ] == [job_id]


def test_a_refused_completion_is_counted_on_the_job(clock: FakeClock, captured_logs: CapturedLogs) -> None:
    harness: Harness

    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=61)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert harness.item(job_id)["refused_completions"] == 1


def test_a_refused_retries_exhausted_completion_is_counted_on_the_job(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness: Harness

    def outlives_its_lease_then_fails(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=4)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        raise FlakyJobError("too late anyway")

    harness = harness_with(clock, captured_logs, outlives_its_lease_then_fails, lease=LEASE_WITHIN_BUDGET)
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    item = harness.item(job_id)
    assert (item["status"], item["claim_token"], item["refused_completions"]) == ("IN_PROGRESS", "newer", 1)


class CountingRefused(FakeJobStore):
    def record_refused_completion(self, job_id: str) -> None:
        raise ConnectionError("DynamoDB did not answer")


def test_a_refused_completion_that_cannot_be_counted_is_still_acknowledged(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness: Harness

    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=61)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease, store=CountingRefused())
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)  # returns: the message is acknowledged

    assert "refused_completions" not in harness.item(job_id)
    assert [
        line["job_id"]
        for line in captured_logs.lines()
        if line["message"] == "refused completion not counted"
    ] == [job_id]


class ExpiryRecordingStore(FakeJobStore):
    def __init__(self) -> None:
        super().__init__()
        self.completions: list[tuple[datetime, datetime]] = []
        """(now, expires_at) of each completion asked for, refused or not."""

    def complete(
        self,
        job_id: str,
        *,
        claim_token: str,
        outcome: JobOutcome,
        now: datetime,
        expires_at: datetime,
        listing: OwnerListing | None,
    ) -> None:
        self.completions.append((now, expires_at))
        super().complete(
            job_id, claim_token=claim_token, outcome=outcome, now=now, expires_at=expires_at, listing=listing
        )


def succeeds_slowly(clock: FakeClock) -> JobFunction:
    def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(milliseconds=1500)
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    return run


def fails_slowly(clock: FakeClock) -> JobFunction:
    def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(milliseconds=1500)
        raise PermanentJobError("TEXT_REFUSED", "no")

    return run


def flaky_slowly(clock: FakeClock) -> JobFunction:
    def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(milliseconds=1500)
        raise FlakyJobError("the downstream service timed out")

    return run


@pytest.mark.parametrize(
    ("job", "status"),
    [(succeeds_slowly, "SUCCEEDED"), (fails_slowly, "FAILED"), (flaky_slowly, "FAILED")],
    ids=["success", "permanent-failure", "retries-exhausted"],
)
def test_a_finished_job_expires_the_retention_after_it_finished_not_after_it_started(
    clock: FakeClock,
    captured_logs: CapturedLogs,
    job: Callable[[FakeClock], JobFunction],
    status: str,
) -> None:
    store = ExpiryRecordingStore()
    harness = harness_with(clock, captured_logs, job(clock), store=store)
    job_id = harness.submit("text_transform", {"text": "hi"})
    finished_at = clock() + timedelta(milliseconds=1500)

    with contextlib.suppress(JobAttemptFailedError):  # the last attempt still reports its failure
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT)

    assert store.completions == [(finished_at, finished_at + RETENTION)]
    item = harness.item(job_id)
    assert (item["status"], item["finished_at"], item["expires_at"]) == (
        status,
        to_timestamp(finished_at),
        to_epoch_seconds(finished_at + RETENTION),
    )


def test_a_transient_failure_with_retries_left_sets_no_expiry(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = ExpiryRecordingStore()
    harness = harness_with(clock, captured_logs, always_flaky, store=store)
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=1)

    assert store.completions == []
    assert "expires_at" not in harness.item(job_id)


def test_a_job_function_gets_its_jobs_id_and_the_file_store(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    contexts: list[JobContext] = []

    def remembers_its_context(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        contexts.append(job)
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, remembers_its_context)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    assert [(job.job_id, job.files, job.result_key("x.json")) for job in contexts] == [
        (job_id, harness.files, f"results/{job_id}/x.json")
    ]


def test_a_result_over_64_kib_is_stored_aside_and_the_item_keeps_only_its_key(harness: Harness) -> None:
    text = "word " * 14_000  # 70000 characters: the upper case alone is over 65536 bytes of JSON text
    job_id = harness.submit("text_transform", {"text": text})

    harness.deliver(job_id)

    item = harness.item(job_id)
    check(load_contract().job_item, "the stored item", item)
    key = f"results/{job_id}/result.json"
    assert (item["status"], "result" in item, item["result_ref"]) == ("SUCCEEDED", False, key)
    stored = harness.files.get(key)
    assert stored is not None
    assert stored.content_type == "application/json"
    assert json.loads(stored.body) == {"length": 70_000, "uppercase": text.upper(), "word_count": 14_000}


EMPTY_RESULT_BYTES = len(b'{"length":2,"uppercase":"","word_count":1}')


@pytest.mark.parametrize(
    ("uppercase", "stored_aside"),
    [
        ("A" * (65_536 - EMPTY_RESULT_BYTES), False),
        ("A" * (65_537 - EMPTY_RESULT_BYTES), True),
        ("É" * 40_000, True),  # 40000 characters, but 80000 bytes in UTF-8
    ],
    ids=["65536-bytes", "65537-bytes", "fewer-characters-more-bytes"],
)
def test_the_claim_check_threshold_is_65536_bytes_of_compact_utf8_json(
    clock: FakeClock, captured_logs: CapturedLogs, uppercase: str, stored_aside: bool
) -> None:
    result = {"length": 2, "uppercase": uppercase, "word_count": 1}
    harness = harness_with(clock, captured_logs, CountingJob(result))
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    document = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    if stored_aside:
        stored = harness.files.get(item["result_ref"])
        assert stored is not None
        assert (stored.body, "result" in item) == (document.encode(), False)
    else:
        assert (item["result"], "result_ref" in item, harness.files.stored_keys()) == (document, False, [])


class WritesRefused(FakeFileStore):
    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        raise ConnectionError("S3 did not answer")


def test_a_large_result_that_cannot_be_stored_aside_is_retried_like_a_transient_failure(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    large = CountingJob({"length": 2, "uppercase": "A" * 70_000, "word_count": 1})
    harness = harness_with(clock, captured_logs, large, files=WritesRefused())
    job_id = harness.submit("text_transform", {"text": "hi"})

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=1)

    item = harness.item(job_id)
    assert (item["status"], item["lease_expires_at"]) == ("IN_PROGRESS", to_epoch_ms(clock()))
    assert {"result", "result_ref", "error"} & item.keys() == set()


def test_a_stale_workers_large_result_is_written_but_never_named_by_the_job(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness: Harness

    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=4)
        harness.store.claim(
            job_id, claim_token="newer", now=clock(), lease_expires_at=clock() + LEASE, watch=False
        )
        return {"length": 2, "uppercase": "A" * 70_000, "word_count": 1}

    harness = harness_with(clock, captured_logs, outlives_its_lease, lease=LEASE_WITHIN_BUDGET)
    job_id = harness.submit("text_transform", {"text": "hi"})

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], item["claim_token"], "result_ref" in item) == ("IN_PROGRESS", "newer", False)
    # Left for the bucket's lifecycle rule; the newer claim's completion writes the same key again.
    assert harness.files.stored_keys() == [f"results/{job_id}/result.json"]


def test_a_job_starts_only_when_its_time_budget_and_the_records_calls_fit_in_the_time_left(
    harness: Harness,
) -> None:
    job_id = harness.submit("text_transform", {"text": "hi"})
    unclaimed = harness.item(job_id)
    needed = load_contract().job_types["text_transform"].time_budget + RECORD_CALLS

    with pytest.raises(JobNotStartedError):
        harness.deliver(job_id, time_left=needed - timedelta(milliseconds=1))

    # Given back at once and unclaimed: still QUEUED, no attempt spent, for an invocation with time for it.
    assert harness.item(job_id) == unclaimed
    assert harness.queue.postponed == [("receipt-1", 0)]

    harness.deliver(job_id, receipt_handle="receipt-2", time_left=needed)
    assert (harness.item(job_id)["status"], harness.item(job_id)["attempts"]) == ("SUCCEEDED", 1)


def test_an_image_job_needs_the_time_its_job_type_declares(harness: Harness) -> None:
    job_id = harness.submit_image(blank_png(20, 20))
    budget = load_contract().job_types["image_resize"].time_budget

    with pytest.raises(JobNotStartedError):
        harness.deliver(
            job_id,
            job_type="image_resize",
            time_left=budget + RECORD_CALLS - timedelta(milliseconds=1),
        )
    assert harness.item(job_id)["status"] == "QUEUED"

    harness.deliver(job_id, job_type="image_resize", time_left=budget + RECORD_CALLS)
    assert harness.item(job_id)["status"] == "SUCCEEDED"


ANOTHER_OWNER = "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f"


@pytest.mark.parametrize(
    ("uploaded_by", "job_owner", "status"),
    [
        pytest.param(OWNER, OWNER, "SUCCEEDED", id="the-callers-own-upload"),
        pytest.param(OWNER, ANOTHER_OWNER, "FAILED", id="another-callers-upload"),
        pytest.param(OWNER, None, "FAILED", id="a-callers-upload-named-by-a-job-without-an-owner"),
        pytest.param(None, OWNER, "SUCCEEDED", id="an-upload-from-an-older-api-that-records-no-owner"),
        pytest.param(None, None, "SUCCEEDED", id="without-sign-in"),
    ],
)
def test_an_image_job_reads_only_its_owners_uploads_and_those_that_record_no_owner(
    harness: Harness, uploaded_by: str | None, job_owner: str | None, status: str
) -> None:
    key = upload_key()
    harness.files.put(key, blank_png(20, 20), owner=uploaded_by)
    item = queued_item("image_resize", {"source_key": key, "dimensions": [10, 10]})
    harness.store.put(item if job_owner is None else owned(item, job_owner))

    harness.deliver(item["job_id"], job_type="image_resize")

    finished = harness.item(item["job_id"])
    assert finished["status"] == status
    if status == "FAILED":
        assert finished["error"]["code"] == "SOURCE_NOT_FOUND"
        assert [key for key in harness.files.stored_keys() if key.startswith("results/")] == []
