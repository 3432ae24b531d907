"""Both services' domains on one simulated clock, over an in-memory jobs table and simulated queues, with the
deployed templates' defaults: hours and days of a deployment in a test's seconds.

What runs is the real code from the contract inward: the API's submit (send, then store), the worker's
JobProcessor (claim, run, complete), the sweeper. What is simulated is only AWS: the jobs table is the
worker's FakeJobStore (worker-service/tests/support, imported here as `support`), which
worker-service/tests/adapters/test_job_store_behaviour.py runs side by side with DynamoDB (and which checks
every item it holds against the contract); the queues are tests.support.simulated_sqs, checked against moto's
SQS in tests/simulated/test_simulated_sqs.py. The event source is as Lambda's: batches of up to 10, the
failures of a batch left on the queue, and a worker that dies takes its whole batch with it.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from conveyor_api.clock import to_epoch_seconds, to_timestamp
from conveyor_api.jobs.cancel import cancel_job
from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES, PayloadPlacement
from conveyor_api.jobs.submit import submit_job
from conveyor_api.models import JobError as ApiJobError
from conveyor_api.models import JobItem as ApiJobItem
from conveyor_api.models import JobMessage as ApiJobMessage
from conveyor_api.models import JobRecord, JobRequest
from conveyor_worker import job_types as job_types_package
from conveyor_worker.alarm import OVERRUN_GRACE
from conveyor_worker.contract import load_contract
from conveyor_worker.handlers.sweeper import JOBS_PER_SHARD_PER_RUN, SCAN_SEGMENTS
from conveyor_worker.job_types import build_registry, discover_job_functions
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.jobs.backoff import Backoff
from conveyor_worker.jobs.errors import JobNotDueError, NewerJobError
from conveyor_worker.jobs.later import EarlyMessages
from conveyor_worker.jobs.messages import parse_job_message
from conveyor_worker.jobs.newer import NewerJobWaiter
from conveyor_worker.jobs.process import JobProcessor
from conveyor_worker.jobs.sweep import DeadLetter, Sweeper, SweepSummary
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.queue.sqs import DEFERRALS_ATTRIBUTE
from support.fake_files import FakeFileStore
from support.fake_metrics import FakeMetrics
from support.fake_store import FakeJobStore

from tests.support.deployed_defaults import DeployedDefaults
from tests.support.faults import ProcessDied
from tests.support.simulated_sqs import SimulatedQueue

START = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class SimulatedClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class _ApiTable:
    """The jobs table as the API's store sees it: JobItem documents in the same in-memory table."""

    def __init__(self, table: FakeJobStore) -> None:
        self._table = table
        self.dies_before_the_next_write = False

    def put_new(self, item: ApiJobItem) -> None:
        if self.dies_before_the_next_write:
            self.dies_before_the_next_write = False
            raise ProcessDied("the API's sandbox vanished between its send and its write")
        if self._table.get(item.job_id) is not None:
            raise JobAlreadyExistsError(item.job_id)
        self._table.put(item.to_document())

    def get(self, job_id: str) -> ApiJobItem | None:
        document = self._table.get(job_id)
        return None if document is None else ApiJobItem.from_document(document)

    def cancel_queued(
        self, item: ApiJobItem, *, error: ApiJobError, now: datetime, expires_at: datetime
    ) -> ApiJobItem | None:
        """As the API's conditional UpdateItem: only while QUEUED; out of the sweep index (unowned jobs only
        here, so no listing keys)."""
        document = self._table.get(item.job_id)
        if document is None or document["status"] != "QUEUED":
            return None
        for pending in ("lease_expires_at", "sweep_shard", "sweep_at", "progress"):
            document.pop(pending, None)
        at = to_timestamp(now)
        document |= {
            "status": "FAILED",
            "error": error.to_document(),
            "cancel_requested_at": at,
            "finished_at": at,
            "updated_at": at,
            "expires_at": to_epoch_seconds(expires_at),
        }
        self._table.put(document)
        return ApiJobItem.from_document(document)

    def request_cancel(self, job_id: str, *, now: datetime) -> ApiJobItem | None:
        document = self._table.get(job_id)
        if document is None or document["status"] != "IN_PROGRESS" or "cancel_requested_at" in document:
            return None
        document |= {"cancel_requested_at": to_timestamp(now), "updated_at": to_timestamp(now)}
        self._table.put(document)
        return ApiJobItem.from_document(document)


class _ApiQueue:
    def __init__(self, queue: SimulatedQueue) -> None:
        self._queue = queue

    def publish(self, message: ApiJobMessage, *, delay_seconds: int = 0) -> None:
        self._queue.send(message.to_json(), delay=timedelta(seconds=delay_seconds))


class _NoPayloadsAside:
    """The simulation's payloads are a few bytes: the api template's default keeps every one inline."""

    def put(self, key: str, text: str) -> None:
        raise AssertionError("no payload is stored aside in a simulation")

    def read(self, key: str) -> str | None:
        raise AssertionError("no payload is stored aside in a simulation, so none is read back")


class _NoFiles:
    """Text jobs have no files, so the API never presigns anything here."""

    def upload_form(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no uploads in a simulation")

    def download_url(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("no downloads in a simulation")


class _Counted:
    def job_submitted(self) -> None:
        pass


class _Visibility:
    def __init__(self, queue: SimulatedQueue) -> None:
        self._queue = queue

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        self._queue.change_visibility(receipt_handle, delay_seconds)


class _WaitingQueue:
    def __init__(self, queue: SimulatedQueue) -> None:
        self._queue = queue

    def send_later(self, body: str, *, delay_seconds: int, deferrals: int | None = None) -> None:
        attributes = {} if deferrals is None else {DEFERRALS_ATTRIBUTE: str(deferrals)}
        self._queue.send(body, delay=timedelta(seconds=delay_seconds), attributes=attributes)


class _SweeperQueue:
    def __init__(self, queue: SimulatedQueue) -> None:
        self._queue = queue

    def send(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        self._queue.send(message.model_dump_json(), delay=timedelta(seconds=delay_seconds))


class _DeadLetters:
    def __init__(self, queue: SimulatedQueue) -> None:
        self._queue = queue

    def receive(self, max_messages: int) -> list[DeadLetter]:
        return [DeadLetter(m.body, m.receipt_handle) for m in self._queue.receive(max_messages)]

    def delete(self, receipt_handle: str) -> None:
        self._queue.delete(receipt_handle)

    def release(self, receipt_handles: Sequence[str]) -> None:
        for receipt_handle in receipt_handles:
            self._queue.change_visibility(receipt_handle, 0)


class SimulatedSystem:
    def __init__(self, defaults: DeployedDefaults | None = None) -> None:
        self.defaults = defaults = defaults or DeployedDefaults.of_the_templates()
        self.clock = SimulatedClock()
        self.table = FakeJobStore()
        # Segments as DynamoDB spreads items: by a hash of the key, so each job is scanned once a pass.
        self.table.segment_of = lambda job_id, segments: uuid.UUID(job_id).int % segments
        self.dlq = SimulatedQueue(
            self.clock, visibility_timeout=timedelta(seconds=30), retention=defaults.message_retention
        )
        self.queue = SimulatedQueue(
            self.clock,
            visibility_timeout=defaults.visibility_timeout,
            retention=defaults.message_retention,
            max_receive_count=defaults.max_receive_count,
            dead_letters=self.dlq,
        )
        self.api_table = _ApiTable(self.table)
        self.runs: Counter[str] = Counter()
        self.started: dict[str, list[datetime]] = {}
        """When each text's job function started, at each run."""
        self.dies: set[str] = set()
        """Texts whose job kills the worker running it, every time (a sandbox out of memory, say)."""
        self.stuck: set[str] = set()
        """Texts whose job runs in C code the alarm cannot reach until the function's timeout kills it."""
        self._overrun: Callable[[], None] | None = None
        self.sweeper_metrics = FakeMetrics()
        logger = Logger(service="simulation", level="WARNING")
        registry = build_registry(
            load_contract(), discover_job_functions(job_types_package), {"text_transform": self._text_job}
        )
        self.processor = JobProcessor(
            store=self.table,
            visibility=_Visibility(self.queue),
            files=FakeFileStore(),
            job_types=registry,
            clock=self.clock,
            lease=defaults.lease,
            max_receive_count=defaults.max_receive_count,
            backoff=Backoff(defaults.retry_base_seconds, defaults.retry_max_seconds, lambda low, high: high),
            retention=defaults.job_retention,
            logger=logger,
            metrics=FakeMetrics(),
            sleep=self.clock.sleep,
            alarm=self._alarm,
        )
        self.newer_metrics = FakeMetrics()
        self.waiter = NewerJobWaiter(
            store=self.table,
            queue=_WaitingQueue(self.queue),
            clock=self.clock,
            draw=random.Random(7).randint,
            logger=logger,
            metrics=self.newer_metrics,
        )
        self.early_messages = EarlyMessages(
            store=self.table, queue=_WaitingQueue(self.queue), clock=self.clock, logger=logger
        )
        self.sweeper = Sweeper(
            store=self.table,
            queue=_SweeperQueue(self.queue),
            dead_letters=_DeadLetters(self.dlq),
            clock=self.clock,
            grace=defaults.sweep_grace,
            max_attempts=defaults.max_receive_count,
            jobs_per_shard=JOBS_PER_SHARD_PER_RUN,
            message_retention=defaults.message_retention,
            scan_segments=SCAN_SEGMENTS,
            retention=defaults.job_retention,
            logger=logger,
            metrics=self.sweeper_metrics,
        )
        self._next_sweep = self.clock() + defaults.sweep_every
        self.sweeps: list[SweepSummary] = []

    @contextmanager
    def _alarm(self, job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
        # The signal never reaches a stuck job here; the overrun's watch thread is the stuck job's to call.
        self._overrun = on_overrun
        yield True

    def _text_job(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        text = str(payload["text"])
        self.runs[text] += 1
        self.started.setdefault(text, []).append(self.clock())
        if text in self.dies:
            raise ProcessDied(f"the worker running {text!r} ran out of memory")
        if text in self.stuck and self._overrun is not None:
            budget = job.time_left()
            self.clock.advance(budget + OVERRUN_GRACE)
            self._overrun()
            self.clock.advance(self.defaults.lease - budget - OVERRUN_GRACE)
            raise ProcessDied(f"the worker running {text!r} timed out")
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    def submit(self, text: str, *, delay_seconds: int | None = None) -> JobRecord:
        return submit_job(
            JobRequest(job_type="text_transform", payload={"text": text}, delay_seconds=delay_seconds),
            owner=None,
            writer=self.api_table,
            publisher=_ApiQueue(self.queue),
            payloads=PayloadPlacement(_NoPayloadsAside(), MAX_STORED_PAYLOAD_BYTES),
            links=_NoFiles(),
            metrics=_Counted(),
            clock=self.clock,
        )

    def cancel(self, job_id: str) -> JobRecord:
        """POST /jobs/{job_id}/cancel, as the API's domain answers it."""
        return cancel_job(
            job_id,
            owner=None,
            store=self.api_table,
            links=_NoFiles(),
            retention=self.defaults.job_retention,
            clock=self.clock,
        )

    def poll(self) -> int:
        """One receive of the event source and one worker invocation on its batch; the messages received."""
        batch = self.queue.receive(10)
        done: list[str] = []
        try:
            for record in batch:
                try:
                    self.processor.process(
                        parse_job_message(record.body),
                        receive_count=record.receive_count,
                        receipt_handle=record.receipt_handle,
                    )
                except NewerJobError as newer:  # as the worker's handler: a copy waits, the original goes
                    deferrals = int(record.attributes.get(DEFERRALS_ATTRIBUTE, "0"))
                    self.waiter.wait(newer, record.body, deferrals=deferrals)
                except JobNotDueError as early:  # as the worker's handler: a copy arrives at run_at
                    self.early_messages.send_again(early, record.body)
                except Exception:  # a batch item failure: the message stays
                    continue
                done.append(record.receipt_handle)
        except ProcessDied:
            return len(batch)  # the sandbox is gone: it deletes nothing, its batch comes back
        for receipt_handle in done:
            self.queue.delete(receipt_handle)
        return len(batch)

    def run(
        self, duration: timedelta, *, workers: bool, batch_time: timedelta = timedelta(milliseconds=100)
    ) -> None:
        """`duration` passes; the sweeper runs on its schedule; with `workers`, the event source polls, each
        batch taking `batch_time`, and an empty receive waiting a second before the next."""
        end = self.clock() + duration
        while self.clock() < end:
            if self.clock() >= self._next_sweep:
                self.sweeps.append(self.sweeper.sweep())
                self._next_sweep += self.defaults.sweep_every
            if not workers:
                self.clock.advance(min(self._next_sweep, end) - self.clock())
            elif self.poll():
                self.clock.advance(batch_time)
            else:
                self.clock.advance(min(timedelta(seconds=1), end - self.clock()))

    def items(self) -> dict[str, dict[str, Any]]:
        return self.table.all_items()

    def statuses(self) -> Counter[str]:
        return Counter(item["status"] for item in self.items().values())

    def resends(self) -> int:
        """Messages sent again by the sweeper (index re-sends and DLQ rescues): counted on the jobs."""
        return sum(item.get("sweeps", 0) for item in self.items().values())
