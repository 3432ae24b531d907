"""Random schedules of submits (one at a time and in batches), deliveries, crashes, lost writes, duplicates,
expiries, sweeps, cancels (of queued jobs, of jobs mid-run, of jobs whose worker died) and retries of failed
jobs.

A hypothesis state machine drives the real API, worker and sweeper handlers against the moto server,
injecting faults into their AWS clients. After every step: every item follows the contract, no job
moves backwards or out of a terminal state, and no job ran more often than it was claimed. Every 5xx the
API answers is a 503 for a fault injected into that very request. At the end, once time has passed and the
sweeper and workers have had their turns without faults, every accepted job is in the table and every job
there has ended, each completed once: DynamoDB accepted one terminal write for it, counted at the clients.

The jobs queue's visibility timeout is 0 here: a message that was not deleted is at once deliverable
again, harsher than any deployment: redeliveries meet live leases, and each one is a receive counted toward
the DLQ. moto's SQS runs on the test's simulated clock (tests.support.simulated_time), so a message the
worker postpones (to a lease's end, a backoff) comes back when that much simulated time has passed.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.job_types.context import JobContext
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.support import contract, report
from tests.support.completions import CompletionCounter, is_completion
from tests.support.depth import SCHEDULES, depth
from tests.support.faults import FaultInjector, Kind, Moment, ProcessDied
from tests.support.simulated_time import sqs_on
from tests.support.stack import (
    Stack,
    post_job_action_event,
    post_job_batch_event,
    post_jobs_event,
    running_stack,
)

LEASE_SECONDS = 30
GRACE_SECONDS = 60
MAX_RECEIVE_COUNT = 3
RUNNING = ("IN_PROGRESS", True)
"""A running job's cancel answer: still IN_PROGRESS, with cancel_requested_at."""
RANK = {"QUEUED": 0, "IN_PROGRESS": 1, "SUCCEEDED": 2, "FAILED": 2}
TERMINAL = ("SUCCEEDED", "FAILED")
FINAL_FIELDS = ("status", "result", "error", "finished_at")

API_FAULTS = st.sampled_from([None, None, None, "send-refused", "died-between-writes", "send-answer-lost"])
WORKER_FAULTS = st.sampled_from(
    [
        None,
        None,
        None,
        "claim-throttled",
        "job-died",
        "completion-never-written",
        "completion-answer-lost",
        "cancelled-mid-job",
    ]
)
BATCH_FAULT_PLANS: dict[str, tuple[str, Kind, Moment]] = {
    "send-refused": ("SendMessageBatch", "server-error", "before"),
    "died-after-send": ("SendMessageBatch", "process-death", "after"),
    "write-refused": ("BatchWriteItem", "server-error", "before"),
    "write-answer-lost": ("BatchWriteItem", "timeout", "after"),
}
"""A batch's faults, each (operation, kind, moment): the API's SQS client sends, its DynamoDB one writes."""
BATCH_FAULTS = st.sampled_from([None, None, *BATCH_FAULT_PLANS])
PICK = st.integers(min_value=0, max_value=1_000)
"""Which job a cancel or a retry names: an index into the jobs, by id, modulo their number."""

DEPTH = depth()
totals = report.counter("fault_schedules")


def _plain(value: Mapping[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "N":
        return int(raw)
    if kind == "M":
        return {name: _plain(inner) for name, inner in raw.items()}
    return raw


def _is_claim(params: dict[str, Any]) -> bool:
    return ":queued" in params.get("ExpressionAttributeValues", {})


class Schedules(RuleBasedStateMachine):
    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self._resources = ExitStack()
        self.stack: Stack = self._resources.enter_context(
            running_stack(endpoint, visibility_timeout_seconds=0, max_receive_count=MAX_RECEIVE_COUNT)
        )
        self.offset = timedelta(0)
        self._resources.enter_context(sqs_on(self.clock))
        self.runs: Counter[str] = Counter()
        self.seen: dict[str, dict[str, Any]] = {}
        self.submitted = 0
        self.accepted: set[str] = set()
        self.die_in_next_job = False
        self.cancel_in_next_job = False
        self.completions = CompletionCounter()

        self.api_sqs = sqs_client(endpoint)
        self.api_faults = FaultInjector(self.api_sqs)
        # A cancel of a QUEUED job is the API's own terminal write: counted with the worker's and sweeper's.
        api_dynamodb = dynamodb_client(endpoint)
        self.completions.watch(api_dynamodb)
        self.api_store_faults = FaultInjector(api_dynamodb)
        self.api = self.stack.api_handler(sqs_client=self.api_sqs, dynamodb_client=api_dynamodb)
        self.worker_dynamodb = dynamodb_client(endpoint)
        self.completions.watch(self.worker_dynamodb)
        self.worker_faults = FaultInjector(self.worker_dynamodb)
        self.stack.replace_job("text_transform", self._text_job)
        worker = self.stack.worker_handler(
            dynamodb_client=self.worker_dynamodb,
            clock=self.clock,
            lease_seconds=LEASE_SECONDS,
            max_receive_count=MAX_RECEIVE_COUNT,
            retry_delay_seconds=0,
            sleep=self.sleep,
        )
        self.source = SqsEventSource(
            self.stack.sqs,
            worker,
            queue_url=self.stack.resources.queue_url,
            queue_arn=self.stack.resources.queue_arn,
            wait_time_seconds=0,
        )
        sweeper_dynamodb = dynamodb_client(endpoint)
        self.completions.watch(sweeper_dynamodb)
        self.sweeper = self.stack.sweeper_handler(
            dynamodb_client=sweeper_dynamodb,
            clock=self.clock,
            grace_seconds=GRACE_SECONDS,
            max_receive_count=MAX_RECEIVE_COUNT,
        )

    def clock(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)

    def _text_job(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        text = str(payload["text"])
        # By job, not by text: a retry runs the same text as another job.
        self.runs[job.job_id] += 1
        if self.die_in_next_job:
            self.die_in_next_job = False
            raise ProcessDied("the worker's sandbox vanished mid-job")
        if self.cancel_in_next_job:
            self.cancel_in_next_job = False
            response = self.api(post_job_action_event(job.job_id, "cancel"), None)
            assert response["statusCode"] == 202, response
            totals["cancelled_mid_run"] += 1
            job.check_cancelled()
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    @rule(fault=API_FAULTS)
    def submit(self, fault: str | None) -> None:
        totals["steps"] += 1
        if fault == "send-refused":
            self.api_faults.fail("SendMessage", "server-error")
        elif fault == "died-between-writes":
            self.api_faults.fail("SendMessage", "process-death")
        elif fault == "send-answer-lost":
            self.api_faults.fail("SendMessage", "timeout", moment="after")
        self.submitted += 1
        event = post_jobs_event("text_transform", {"text": f"job {self.submitted}"})
        faults_before = len(self.api_faults.injected)
        try:
            response = self.api(event, None)
        except ProcessDied:
            return
        status = response["statusCode"]
        faulted = len(self.api_faults.injected) > faults_before
        if status == 202:
            self.accepted.add(json.loads(response["body"])["job_id"])
        elif status >= 500:
            totals["503_for_injected_faults" if status == 503 and faulted else "5xx"] += 1
        assert status == 202 or (status == 503 and faulted), response

    @rule(size=st.integers(min_value=1, max_value=3), with_a_bad_job=st.booleans(), fault=BATCH_FAULTS)
    def submit_batch(self, size: int, with_a_bad_job: bool, fault: str | None) -> None:
        totals["steps"] += 1
        if fault is not None:
            operation, kind, moment = BATCH_FAULT_PLANS[fault]
            injector = self.api_faults if operation == "SendMessageBatch" else self.api_store_faults
            injector.fail(operation, kind, moment=moment)
        jobs: list[Any] = []
        for _ in range(size):
            self.submitted += 1
            jobs.append({"job_type": "text_transform", "payload": {"text": f"job {self.submitted}"}})
        if with_a_bad_job:
            jobs.insert(size // 2, {"job_type": "text_transform", "payload": {"text": 7}})
        faults_before = len(self.api_faults.injected) + len(self.api_store_faults.injected)
        try:
            response = self.api(post_job_batch_event(jobs), None)
        except ProcessDied:
            return
        finally:
            self.api_faults.clear()
            self.api_store_faults.clear()
        faulted = len(self.api_faults.injected) + len(self.api_store_faults.injected) > faults_before
        assert response["statusCode"] == 200, response
        results = json.loads(response["body"])["results"]
        for job, result in zip(jobs, results, strict=True):
            if result["status"] == 202:
                self.accepted.add(result["job"]["job_id"])
                totals["accepted_in_batches"] += 1
            elif job["payload"]["text"] == 7:
                assert result["status"] == 400, result
            else:
                assert (result["status"], faulted) == (503, True), result
                totals["503_for_injected_faults"] += 1

    @rule(fault=WORKER_FAULTS)
    def deliver(self, fault: str | None) -> None:
        totals["steps"] += 1
        if fault == "claim-throttled":
            self.worker_faults.fail("UpdateItem", "throttling", when=_is_claim)
        elif fault == "job-died":
            self.die_in_next_job = True
        elif fault == "cancelled-mid-job":
            self.cancel_in_next_job = True
        elif fault == "completion-never-written":
            self.worker_faults.fail("UpdateItem", "timeout", when=is_completion)
        elif fault == "completion-answer-lost":
            self.worker_faults.fail("UpdateItem", "server-error", moment="after", when=is_completion)
        with contextlib.suppress(ProcessDied):  # a dead instance deletes nothing: the batch is visible again
            self.source.poll_once()
        self.die_in_next_job = False
        self.cancel_in_next_job = False
        self.worker_faults.clear()

    @precondition(lambda self: self.submitted > 0)
    @rule(pick=PICK)
    def cancel(self, pick: int) -> None:
        totals["steps"] += 1
        items = self._items()
        if not items:
            return
        job = items[sorted(items)[pick % len(items)]]
        response = self.api(post_job_action_event(job["job_id"], "cancel"), None)
        status, body = response["statusCode"], json.loads(response["body"])
        cancelled_before = job.get("error", {}).get("code") == "CANCELLED"
        if job["status"] == "QUEUED" or cancelled_before:
            assert (status, body["status"], body["error"]["code"]) == (200, "FAILED", "CANCELLED"), response
            totals["cancelled_while_queued"] += not cancelled_before
        elif job["status"] == "IN_PROGRESS":
            assert (status, body["status"], body.get("cancel_requested_at") is not None) == (202, *RUNNING)
            totals["cancel_requested_of_a_stopped_worker"] += 1
        else:
            assert (status, body["type"]) == (409, "urn:conveyor:problem:job-ended"), response

    @precondition(lambda self: self.submitted > 0)
    @rule(pick=PICK)
    def retry(self, pick: int) -> None:
        totals["steps"] += 1
        items = self._items()
        if not items:
            return
        job = items[sorted(items)[pick % len(items)]]
        response = self.api(post_job_action_event(job["job_id"], "retry"), None)
        status, body = response["statusCode"], json.loads(response["body"])
        if job["status"] != "FAILED":
            assert (status, body["type"]) == (409, "urn:conveyor:problem:job-not-failed"), response
            return
        assert (status, body["retry_of"]) == (202, job["job_id"]), response
        self.accepted.add(body["job_id"])
        totals["retries"] += 1

    @rule()
    def duplicate_a_message(self) -> None:
        totals["steps"] += 1
        items = self._items()
        if items:
            job = min(items.values(), key=lambda item: item["job_id"])
            body = {
                "contract_version": "1",
                "job_id": job["job_id"],
                "job_type": job["job_type"],
                "submitted_at": job["created_at"],
            }
            self.stack.send_raw_message(json.dumps(body))

    @rule(seconds=st.sampled_from([LEASE_SECONDS + 1, GRACE_SECONDS + 1]))
    def time_passes(self, seconds: int) -> None:
        totals["steps"] += 1
        self.offset += timedelta(seconds=seconds)

    @precondition(lambda self: self.submitted > 0)
    @rule()
    def sweep(self) -> None:
        totals["steps"] += 1
        self.sweeper({"source": "aws.events", "detail-type": "Scheduled Event"}, None)

    def _items(self) -> dict[str, dict[str, Any]]:
        return {
            plain["job_id"]: plain
            for plain in (
                {name: _plain(value) for name, value in item.items()} for item in self.stack.items()
            )
        }

    @invariant()
    def jobs_move_forward_only_and_follow_the_contract(self) -> None:
        for job_id, item in self._items().items():
            contract.validator("job-item").validate(item)
            before = self.seen.get(job_id)
            if before is not None:
                assert RANK[item["status"]] >= RANK[before["status"]], (before, item)
                if before["status"] in TERMINAL:
                    assert [item.get(f) for f in FINAL_FIELDS] == [before.get(f) for f in FINAL_FIELDS]
            assert self.runs[job_id] <= item["attempts"]
            if item.get("error", {}).get("code") == "CANCELLED":
                assert "cancel_requested_at" in item, item
            self.seen[job_id] = item

    def teardown(self) -> None:
        try:
            self._settle()
        finally:
            self._resources.close()

    def _settle(self) -> None:
        """No more faults: time passes, the sweeper and the workers run, until every job has ended."""
        self.api_faults.clear()
        self.api_store_faults.clear()
        self.worker_faults.clear()
        for _ in range(12):
            while self.source.poll_once().received:
                pass
            items = self._items()
            if all(item["status"] in TERMINAL for item in items.values()):
                break
            self.offset += timedelta(seconds=max(LEASE_SECONDS, GRACE_SECONDS) + 1)
            self.sweeper({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
        items = self._items()
        self.jobs_move_forward_only_and_follow_the_contract()
        never_stored = sorted(self.accepted - items.keys())
        unfinished = {
            job_id: item["status"] for job_id, item in items.items() if item["status"] not in TERMINAL
        }
        totals["lost"] += len(never_stored) + len(unfinished)
        totals["completed_twice"] += self.completions.completed_twice()
        assert never_stored == [], f"accepted jobs that were never stored: {never_stored}"
        assert unfinished == {}, f"jobs that never ended: {unfinished}"
        # Exactly one each: a completion counted twice is a job completed twice, and none missed shows the
        # count sees every terminal write there is.
        completions = dict(self.completions.by_job)
        assert completions == dict.fromkeys(items, 1), f"terminal writes accepted, by job: {completions}"
        for item in items.values():
            if item["status"] == "SUCCEEDED":
                text = json.loads(item["payload"])["text"]
                assert json.loads(item["result"])["uppercase"] == text.upper()
        totals["schedules"] += 1
        totals["jobs"] += len(items)
        totals["succeeded"] += sum(item["status"] == "SUCCEEDED" for item in items.values())
        totals["failed"] += sum(item["status"] == "FAILED" for item in items.values())
        totals["refused_completions"] += sum(item.get("refused_completions", 0) for item in items.values())
        totals["cancelled"] += sum(
            item.get("error", {}).get("code") == "CANCELLED" for item in items.values()
        )


def _runs() -> Iterator[tuple[int, int | None]]:
    """Each hypothesis run's schedules and seed: `make test`'s single run, or a soak's until it has its steps.

    Hypothesis ends a schedule early now and then, on purpose (shorter failures shrink better), so a number
    of schedules cannot promise a number of steps: a soak runs again, on the next seed, for what is missing.
    """
    if DEPTH.steps is None:
        yield SCHEDULES, DEPTH.seed
        return
    for run in itertools.count():
        missing = DEPTH.steps - totals["steps"]
        if missing <= 0:
            return
        yield math.ceil(missing / DEPTH.steps_per_schedule), None if DEPTH.seed is None else DEPTH.seed + run


def _settings(schedules: int) -> settings:
    chosen = settings(
        max_examples=schedules,
        stateful_step_count=DEPTH.steps_per_schedule,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    # A seeded run is replayed by its seed alone: no failures saved by earlier runs are tried first.
    return chosen if DEPTH.seed is None else settings(chosen, database=None)


def _machine(endpoint: str, run_seed: int | None) -> type[RuleBasedStateMachine]:
    def machine() -> Schedules:
        return Schedules(endpoint)

    seeded = machine if run_seed is None else seed(run_seed)(machine)
    # Hypothesis annotates a class, and takes any factory that returns a machine (its docstring says so).
    return cast("type[RuleBasedStateMachine]", seeded)


def test_random_schedules_never_lose_a_job_nor_complete_one_twice(aws_endpoint: str) -> None:
    for schedules, run_seed in _runs():
        run_state_machine_as_test(_machine(aws_endpoint, run_seed), settings=_settings(schedules))
    report.line(
        f"schedules: {totals['schedules']} schedules, {totals['steps']} steps, {totals['jobs']} jobs "
        f"({totals['succeeded']} succeeded, {totals['failed']} failed, 0 unfinished), "
        f"{totals['refused_completions']} stale completions refused, {totals['cancelled']} cancelled "
        f"({totals['cancelled_while_queued']} while queued, {totals['cancelled_mid_run']} mid-run, "
        f"{totals['cancel_requested_of_a_stopped_worker']} asked of a job whose worker stopped), "
        f"{totals['retries']} retries, {totals['accepted_in_batches']} accepted in batches; "
        f"{totals['lost']} lost, "
        f"{totals['completed_twice']} completed twice, {totals['5xx']} 5xx "
        f"({totals['503_for_injected_faults']} 503s for injected faults)"
    )
    assert totals["schedules"] > 0
