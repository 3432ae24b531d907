"""Progress reports: checked by JobContext, stored at most once a second, never at the job's expense."""

from typing import Any

import pytest

from conveyor_worker.clock import to_timestamp
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.jobs.errors import LeaseLostError
from conveyor_worker.jobs.progress import ProgressReporter
from conveyor_worker.models.job_item import JobProgress
from tests.support.clock import FakeClock
from tests.support.fake_files import FakeFileStore
from tests.support.fake_store import FakeJobStore
from tests.support.items import queued_item
from tests.support.logs import CapturedLogs


class RecordingStore(FakeJobStore):
    """Keeps every progress write asked for, stored or refused."""

    def __init__(self) -> None:
        super().__init__()
        self.progress_writes: list[JobProgress] = []

    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        self.progress_writes.append(progress)
        super().record_progress(job_id, claim_token=claim_token, progress=progress)


class ThrottledStore(RecordingStore):
    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        self.progress_writes.append(progress)
        raise ConnectionError("ProvisionedThroughputExceededException")


def claimed_job(store: FakeJobStore, clock: FakeClock) -> str:
    item = queued_item("text_transform", {"text": "hi"})
    store.put(item)
    store.claim(item["job_id"], claim_token="token-1", now=clock(), lease_expires_at=clock(), watch=False)
    return str(item["job_id"])


def reporter_for(store: FakeJobStore, clock: FakeClock, logs: CapturedLogs, job_id: str) -> ProgressReporter:
    return ProgressReporter(
        store=store, job_id=job_id, claim_token="token-1", clock=clock, logger=logs.logger
    )


def stored(store: FakeJobStore, job_id: str) -> dict[str, Any] | None:
    item = store.get(job_id)
    assert item is not None
    progress: dict[str, Any] | None = item.get("progress")
    return progress


def test_the_first_report_is_stored_at_once(clock: FakeClock, captured_logs: CapturedLogs) -> None:
    store = RecordingStore()
    job_id = claimed_job(store, clock)

    reporter_for(store, clock, captured_logs, job_id).report(5, "reading")

    assert stored(store, job_id) == {"percent": 5, "message": "reading", "updated_at": to_timestamp(clock())}


def test_reports_within_a_second_of_the_last_write_wait_and_only_the_newest_is_kept(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = RecordingStore()
    job_id = claimed_job(store, clock)
    reporter = reporter_for(store, clock, captured_logs, job_id)
    reporter.report(10, "first")

    for percent in (20, 30, 40):
        clock.advance(milliseconds=300)
        reporter.report(percent, f"at {percent}")

    assert [write.percent for write in store.progress_writes] == [10]
    assert reporter.waiting == (40, "at 40")
    assert stored(store, job_id) == {
        "percent": 10,
        "message": "first",
        "updated_at": store.progress_writes[0].updated_at,
    }


def test_the_first_report_a_second_after_the_last_write_stores_the_newest_report(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = RecordingStore()
    job_id = claimed_job(store, clock)
    reporter = reporter_for(store, clock, captured_logs, job_id)
    reporter.report(10, "first")
    clock.advance(milliseconds=999)
    reporter.report(20, "held, then superseded")
    clock.advance(milliseconds=1)

    reporter.report(30, "a second after the first write")

    assert [(write.percent, write.message) for write in store.progress_writes] == [
        (10, "first"),
        (30, "a second after the first write"),
    ]
    assert reporter.waiting is None
    assert stored(store, job_id) == {
        "percent": 30,
        "message": "a second after the first write",
        "updated_at": to_timestamp(clock()),
    }


def test_a_steady_stream_of_reports_is_stored_once_a_second(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = RecordingStore()
    job_id = claimed_job(store, clock)
    reporter = reporter_for(store, clock, captured_logs, job_id)

    for percent in range(100):  # one report every 100 ms for 10 seconds
        reporter.report(percent, "")
        clock.advance(milliseconds=100)

    assert [write.percent for write in store.progress_writes] == list(range(0, 100, 10))


def test_a_report_refused_for_a_lost_lease_is_logged_and_later_reports_write_nothing(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = RecordingStore()
    job_id = claimed_job(store, clock)
    clock.advance(seconds=61)
    store.claim(job_id, claim_token="newer", now=clock(), lease_expires_at=clock(), watch=False)
    reporter = reporter_for(store, clock, captured_logs, job_id)

    reporter.report(50, "stale")
    clock.advance(seconds=5)
    reporter.report(60, "still stale")

    assert len(store.progress_writes) == 1
    assert stored(store, job_id) is None
    (line,) = [line for line in captured_logs.lines() if "progress" in line["message"]]
    assert (line["level"], line["job_id"]) == ("INFO", job_id)


def test_a_write_that_fails_is_logged_and_swallowed_and_the_next_report_after_a_second_tries_again(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    store = ThrottledStore()
    job_id = claimed_job(store, clock)
    reporter = reporter_for(store, clock, captured_logs, job_id)

    reporter.report(10, "throttled")
    clock.advance(milliseconds=500)
    reporter.report(20, "not asked within the second")
    clock.advance(milliseconds=500)
    reporter.report(30, "tried again")

    assert [write.percent for write in store.progress_writes] == [10, 30]
    warnings = [line for line in captured_logs.lines() if line["level"] == "WARNING"]
    assert [line["message"] for line in warnings] == ["progress not stored", "progress not stored"]
    assert "ProvisionedThroughputExceededException" in warnings[0]["exception"]


def test_the_store_refuses_progress_without_the_claim_as_lease_lost(clock: FakeClock) -> None:
    store = FakeJobStore()
    job_id = claimed_job(store, clock)
    progress = JobProgress(percent=1, message="", updated_at=to_timestamp(clock()))

    with pytest.raises(LeaseLostError):
        store.record_progress(job_id, claim_token="another", progress=progress)


class Sink:
    def __init__(self) -> None:
        self.reports: list[tuple[int, str]] = []

    def __call__(self, percent: int, message: str) -> None:
        self.reports.append((percent, message))


def context_with(sink: Sink) -> JobContext:
    return JobContext("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore(), sink)


@pytest.mark.parametrize("percent", [0, 1, 99, 100])
def test_a_job_reports_a_whole_percent_from_0_to_100(percent: int) -> None:
    sink = Sink()

    context_with(sink).report_progress(percent, "working")

    assert sink.reports == [(percent, "working")]


def test_the_message_defaults_to_empty() -> None:
    sink = Sink()

    context_with(sink).report_progress(50)

    assert sink.reports == [(50, "")]


@pytest.mark.parametrize("percent", [-1, 101, 1000])
def test_a_percent_outside_0_to_100_is_a_bug_in_the_job_and_raises_value_error(percent: int) -> None:
    sink = Sink()

    with pytest.raises(ValueError, match="from 0 to 100"):
        context_with(sink).report_progress(percent)

    assert sink.reports == []


@pytest.mark.parametrize("percent", [50.0, True, "50", None])
def test_a_percent_that_is_not_an_int_raises_type_error(percent: Any) -> None:
    with pytest.raises(TypeError, match="percent"):
        context_with(Sink()).report_progress(percent)


def test_a_message_longer_than_200_characters_is_cut_to_200_ending_in_an_ellipsis() -> None:
    sink = Sink()

    context_with(sink).report_progress(10, "x" * 500)
    context_with(sink).report_progress(20, "y" * 200)

    assert sink.reports == [(10, "x" * 199 + "…"), (20, "y" * 200)]


def test_a_context_without_a_sink_ignores_reports() -> None:
    JobContext("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore()).report_progress(10, "nobody listens")
