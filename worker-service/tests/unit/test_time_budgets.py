"""A run past its job type's time budget (the contract's job-type.schema.json) ends FAILED TIMED_OUT
once, never retried; the job function sees what is left of it (docs/design.md, Time budgets)."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from conveyor_worker.clock import to_timestamp
from conveyor_worker.contract import load_contract
from conveyor_worker.job_types.context import JobContext, JobTimedOutError
from conveyor_worker.job_types.errors import PermanentJobError
from conveyor_worker.jobs.errors import JobAttemptFailedError
from tests.support.clock import FakeClock
from tests.support.logs import CapturedLogs
from tests.support.processor import LEASE, Harness, harness_with

BUDGET = load_contract().job_types["text_transform"].time_budget
TEXT = {"text": "hi"}


def _runs_for(clock: FakeClock, took: timedelta, *, then: Exception | None = None) -> Any:
    def job(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        clock.now += took
        if then is not None:
            raise then
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    return job


def test_a_run_that_takes_its_whole_budget_succeeds(clock: FakeClock, captured_logs: CapturedLogs) -> None:
    harness = harness_with(clock, captured_logs, _runs_for(clock, BUDGET))
    job_id = harness.submit("text_transform", TEXT)

    harness.deliver(job_id)

    assert harness.item(job_id)["status"] == "SUCCEEDED"


def test_a_run_past_its_budget_ends_timed_out_on_its_first_attempt_and_its_message_is_acknowledged(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, _runs_for(clock, BUDGET + timedelta(milliseconds=1)))
    job_id = harness.submit("text_transform", TEXT)

    harness.deliver(job_id)  # returns: the message is acknowledged, not given back for a retry

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 1, "TIMED_OUT")
    assert f"time budget of {BUDGET.total_seconds():g} s" in item["error"]["message"]
    assert harness.queue.postponed == []


def test_a_transient_failure_after_the_deadline_is_the_budgets_and_is_not_retried(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    late = _runs_for(clock, BUDGET + timedelta(seconds=1), then=ConnectionError("the socket closed"))
    harness = harness_with(clock, captured_logs, late)
    job_id = harness.submit("text_transform", TEXT)

    harness.deliver(job_id)

    assert (harness.item(job_id)["status"], harness.item(job_id)["error"]["code"]) == ("FAILED", "TIMED_OUT")


def test_a_transient_failure_within_the_budget_is_still_retried(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, _runs_for(clock, BUDGET, then=ConnectionError("closed")))
    job_id = harness.submit("text_transform", TEXT)

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id)

    assert harness.item(job_id)["status"] == "IN_PROGRESS"


def test_a_permanent_error_past_the_budget_keeps_its_own_code(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    refused = PermanentJobError("TEXT_REFUSED", "no")
    harness = harness_with(clock, captured_logs, _runs_for(clock, BUDGET * 2, then=refused))
    job_id = harness.submit("text_transform", TEXT)

    harness.deliver(job_id)

    assert harness.item(job_id)["error"]["code"] == "TEXT_REFUSED"


def test_the_job_function_sees_what_is_left_of_its_budget(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    seen: list[timedelta] = []

    def job(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        seen.append(context.time_left())
        clock.advance(seconds=2)
        seen.append(context.time_left())
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, job)
    harness.deliver(harness.submit("text_transform", TEXT))

    assert seen == [BUDGET, BUDGET - timedelta(seconds=2)]


def test_the_alarm_is_armed_with_the_budget_around_the_run_and_its_interruption_ends_the_job_timed_out(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    armed: list[tuple[str, timedelta]] = []

    @contextmanager
    def alarm(job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
        armed.append((job_id, after))
        yield True

    def never_looks(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        # What the real alarm raises inside a job function that never checks, where it stands.
        raise JobTimedOutError(context.job_id, BUDGET)

    harness = Harness(clock, captured_logs, overrides={"text_transform": never_looks}, alarm=alarm)
    job_id = harness.submit("text_transform", TEXT)

    harness.deliver(job_id)

    assert armed == [(job_id, BUDGET)]
    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 1, "TIMED_OUT")
    assert harness.queue.postponed == []


class _WorkerDied(BaseException):
    """Lambda's timeout ending the invocation: nothing of the worker runs after it."""


def test_a_run_its_worker_saw_overrun_its_budget_is_not_run_again_when_its_message_returns(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    runs: list[str] = []
    overruns: list[Callable[[], None]] = []

    @contextmanager
    def alarm(job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
        overruns.append(on_overrun)
        yield True

    def stuck_in_c(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        runs.append(context.job_id)
        clock.advance(seconds=BUDGET.total_seconds() + 1)
        overruns[-1]()  # what the alarm's watch thread does while the main thread stays stuck
        raise _WorkerDied

    harness = Harness(clock, captured_logs, overrides={"text_transform": stuck_in_c}, alarm=alarm)
    job_id = harness.submit("text_transform", TEXT)
    with pytest.raises(_WorkerDied):
        harness.deliver(job_id)
    assert harness.item(job_id)["budget_exceeded_at"] == to_timestamp(clock())

    clock.advance(seconds=LEASE.total_seconds())
    harness.deliver(job_id, receive_count=2, receipt_handle="receipt-2")

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 2, "TIMED_OUT")
    assert item["error"]["message"].startswith("not run again")
    assert runs == [job_id]


def test_a_crash_within_the_budget_leaves_no_mark_and_the_job_runs_again(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    runs: list[str] = []

    def dies_once(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        runs.append(context.job_id)
        if len(runs) == 1:
            raise _WorkerDied  # out of memory, say: no overrun was seen
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    harness = harness_with(clock, captured_logs, dies_once)
    job_id = harness.submit("text_transform", TEXT)
    with pytest.raises(_WorkerDied):
        harness.deliver(job_id)
    assert "budget_exceeded_at" not in harness.item(job_id)

    clock.advance(seconds=LEASE.total_seconds() + 1)
    harness.deliver(job_id, receive_count=2, receipt_handle="receipt-2")

    assert (harness.item(job_id)["status"], len(runs)) == ("SUCCEEDED", 2)
