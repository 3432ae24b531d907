"""The pacing rule: how long GET /jobs/{id} tells a follower to wait, and how long a record stays true."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor_api.clock import to_timestamp
from conveyor_api.jobs.pacing import (
    FOREVER,
    LONGEST_WAIT_SECONDS,
    SHORTEST_WAIT_SECONDS,
    TYPICAL_RUN,
    fresh_for,
    retry_after,
)
from conveyor_api.jobs.records import RESULT_LINK_LIFETIME
from conveyor_api.models import JobProgress, JobRecord

SUBMITTED = datetime(2026, 11, 24, 17, 5, 9, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return SUBMITTED + timedelta(seconds=seconds)


def job(
    status: str,
    *,
    job_type: str = "text_transform",
    started: float | None = None,
    progress: tuple[int, float] | None = None,
    **fields: Any,
) -> JobRecord:
    running = status != "QUEUED"
    ended = status in ("SUCCEEDED", "FAILED")
    start = at(0.1 if started is None else started)
    document: dict[str, Any] = {
        "job_id": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
        "job_type": job_type,
        "status": status,
        "created_at": to_timestamp(SUBMITTED),
        "updated_at": to_timestamp(start if running else SUBMITTED),
        "started_at": to_timestamp(start) if running else None,
        "finished_at": to_timestamp(start) if ended else None,
        "attempts": 1 if running else 0,
        "result": {"length": 2, "uppercase": "HI", "word_count": 1} if status == "SUCCEEDED" else None,
        "result_url": None,
        "error": {"code": "RETRIES_EXHAUSTED", "message": "gave up"} if status == "FAILED" else None,
        "progress": None,
    } | fields
    if progress is not None:
        percent, reported = progress
        document["progress"] = JobProgress(percent=percent, message="", updated_at=to_timestamp(at(reported)))
    return JobRecord(**document)


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED"])
def test_an_ended_job_asks_for_no_further_read(status: str) -> None:
    assert retry_after(job(status), now=at(5)) is None


def test_a_job_just_queued_is_read_again_once_its_type_usually_has_run() -> None:
    assert retry_after(job("QUEUED"), now=at(0)) == 1
    # Half a second for a worker to take it, 2 s to resize, a quarter of a second to record the result.
    assert retry_after(job("QUEUED", job_type="image_resize"), now=at(0)) == 3


def test_a_running_job_that_reports_progress_is_read_again_when_its_rate_says_it_ends() -> None:
    # 25 % in the first 10 s: 30 s more at that rate, 2 s of which have passed since the report; and a
    # quarter of a second for the completion's writes, rounded up.
    record = job("IN_PROGRESS", started=0, progress=(25, 10))

    assert retry_after(record, now=at(12), typical_run={"text_transform": timedelta(seconds=1)}) == 29


def test_a_running_job_without_progress_is_read_again_when_its_type_usually_ends() -> None:
    record = job("IN_PROGRESS", started=1, job_type="image_resize")

    assert retry_after(record, now=at(1.5), typical_run={"image_resize": timedelta(seconds=4)}) == 4


def test_a_job_past_every_estimate_is_read_again_after_a_fifth_of_its_time_so_far() -> None:
    record = job("IN_PROGRESS", started=0)

    assert retry_after(record, now=at(50), typical_run={"text_transform": timedelta(seconds=1)}) == 10


def test_a_long_estimate_is_capped_so_an_early_end_is_still_heard_of() -> None:
    record = job("IN_PROGRESS", started=0, progress=(1, 10))

    assert retry_after(record, now=at(10)) == LONGEST_WAIT_SECONDS


def test_a_job_long_queued_backs_off_with_its_wait_not_its_run() -> None:
    # A backlog: the job has waited 100 s for a worker, so another 20 s is worth waiting.
    assert retry_after(job("QUEUED"), now=at(100)) == 20


def test_a_job_of_a_type_the_table_does_not_know_gets_the_default_run() -> None:
    assert retry_after(job("QUEUED"), now=at(0), typical_run={}) == 2


def test_every_contract_job_type_has_a_typical_run() -> None:
    from conveyor_api import contract

    assert set(TYPICAL_RUN) == set(contract.job_types())


job_types = st.sampled_from(sorted(TYPICAL_RUN))
records = st.builds(job, st.just("QUEUED"), job_type=job_types) | st.builds(
    job,
    st.just("IN_PROGRESS"),
    job_type=job_types,
    started=st.floats(0, 3600),
    progress=st.none() | st.tuples(st.integers(0, 100), st.floats(0, 3600)),
)


@given(record=records, later=st.floats(-5, 86_400))
def test_the_wait_is_always_a_whole_number_of_seconds_within_the_bounds(
    record: JobRecord, later: float
) -> None:
    wait = retry_after(record, now=at(later))

    assert wait is not None
    assert SHORTEST_WAIT_SECONDS <= wait <= LONGEST_WAIT_SECONDS


def follow(duration: float, queue_delay: float, *, reports: bool, typical: float) -> tuple[int, float]:
    """Submits a job of `duration` and reads it, waiting each Retry-After (the submission's first); the reads
    made, and how long after its end the follower saw it. A reporting job stores its progress each second, as
    the worker does."""
    started = queue_delay
    ended = started + duration
    now = 0.0
    reads = -1  # the submission, whose answer is the QUEUED record
    while True:
        reads += 1
        if now >= ended:
            return reads, now - ended
        if now < started:
            record = job("QUEUED")
        else:
            reported = started + math.floor(now - started)
            percent = math.floor(100 * (reported - started) / duration)
            progress = (percent, reported) if reports and 0 < percent < 100 else None
            record = job("IN_PROGRESS", started=started, progress=progress)
        wait = retry_after(record, now=at(now), typical_run={"text_transform": timedelta(seconds=typical)})
        assert wait is not None
        now += wait


@pytest.mark.parametrize(("duration", "most_reads"), [(10, 3), (60, 6)])
@given(queue_delay=st.floats(0, 0.5))
@settings(max_examples=50)
def test_a_follower_of_a_job_that_reports_progress_reads_a_few_times_and_hears_of_its_end_soon(
    duration: float, most_reads: int, queue_delay: float
) -> None:
    reads, late = follow(duration, queue_delay, reports=True, typical=0.1)

    assert reads <= most_reads
    assert late <= max(0.2 * duration, 1.0)


@given(duration=st.floats(0.05, 300), queue_delay=st.floats(0, 0.5))
def test_a_follower_hears_of_the_end_of_a_job_without_progress_within_a_fifth_of_it_or_a_second(
    duration: float, queue_delay: float
) -> None:
    # Past its type's usual run, a job is read again after a fifth of its time so far, rounded down.
    _, late = follow(duration, queue_delay, reports=False, typical=0.1)

    assert late <= max(0.2 * (queue_delay + duration), 1.0)


@given(duration=st.floats(0.05, 300), queue_delay=st.floats(0, 0.5))
def test_a_follower_hears_of_the_end_of_a_job_with_progress_within_a_fifth_of_it_or_a_second_and_one_more(
    duration: float, queue_delay: float
) -> None:
    # An estimated end is rounded up to whole seconds (RFC 9110), so a reporting job can be seen up to a
    # second later than the share alone allows.
    _, late = follow(duration, queue_delay, reports=True, typical=0.1)

    assert late <= max(0.2 * (queue_delay + duration), 1.0) + 1.0


def test_a_coarse_percent_waits_for_the_earliest_end_it_allows() -> None:
    # 2 % after 10 s: 2 to 3 % done, so the job may end 333 s after its start, not only 500 s.
    record = job("IN_PROGRESS", started=0, progress=(2, 10))

    assert retry_after(record, now=at(320)) == 14


@given(queue_delay=st.floats(0, 0.5))
def test_a_job_whose_type_runs_as_expected_is_read_once(queue_delay: float) -> None:
    reads, late = follow(10, queue_delay, reports=False, typical=10)

    assert reads == 1
    assert late <= 2.0


def test_an_ended_record_without_links_stays_true_for_good() -> None:
    assert fresh_for(job("SUCCEEDED")) == FOREVER
    assert fresh_for(job("FAILED")) == FOREVER


def test_an_ended_record_with_links_is_kept_for_half_their_lifetime() -> None:
    record = job("SUCCEEDED", result_url="https://files.test/results/x.json?signed", result=None)

    assert fresh_for(record) == RESULT_LINK_LIFETIME / 2


@pytest.mark.parametrize("status", ["QUEUED", "IN_PROGRESS"])
def test_a_record_of_a_job_not_ended_may_change_at_any_moment(status: str) -> None:
    assert fresh_for(job(status)) is None
