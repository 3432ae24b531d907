"""The worker's domain wired to in-memory fakes: a JobProcessor with a store, a queue, files and metrics."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from conveyor_worker import job_types as job_types_package
from conveyor_worker.alarm import Alarm, no_alarm
from conveyor_worker.contract import load_contract
from conveyor_worker.job_types import JobFunction, build_registry, discover_job_functions
from conveyor_worker.job_types.context import JobContext, Mailer
from conveyor_worker.job_types.errors import PermanentJobError
from conveyor_worker.jobs.backoff import Backoff
from conveyor_worker.jobs.messages import parse_job_message
from conveyor_worker.jobs.process import JobProcessor

from .clock import FakeClock
from .fake_files import FakeFileStore
from .fake_metrics import FakeMetrics
from .fake_queue import FakeJobsQueue
from .fake_store import FakeJobStore
from .images import upload_key
from .items import job_message_body, queued_item
from .logs import CapturedLogs

LEASE = timedelta(seconds=60)
LEASE_WITHIN_BUDGET = timedelta(seconds=3)
"""Shorter than text_transform's time budget (5 s), for a run that loses its lease and still ends within its
budget: with the deployed lease, a run that outlives its lease has outlived its budget as well."""
MAX_RECEIVE_COUNT = 3
RETENTION = timedelta(days=30)
BACKOFF = Backoff(base_seconds=2, max_seconds=30, draw=lambda low, high: high)
"""Always the longest delay the backoff allows, so tests can name it."""


class Harness:
    def __init__(
        self,
        clock: FakeClock,
        logs: CapturedLogs,
        overrides: Mapping[str, JobFunction] | None,
        store: FakeJobStore | None = None,
        queue: FakeJobsQueue | None = None,
        files: FakeFileStore | None = None,
        alarm: Alarm = no_alarm,
        lease: timedelta = LEASE,
        mailer: Mailer | None = None,
    ) -> None:
        self.clock = clock
        self.logs = logs
        self.store = store or FakeJobStore()
        self.queue = queue or FakeJobsQueue()
        self.files = files or FakeFileStore()
        self.metrics = FakeMetrics()
        self.processor = JobProcessor(
            store=self.store,
            visibility=self.queue,
            files=self.files,
            job_types=build_registry(load_contract(), discover_job_functions(job_types_package), overrides),
            clock=clock,
            lease=lease,
            max_receive_count=MAX_RECEIVE_COUNT,
            backoff=BACKOFF,
            retention=RETENTION,
            logger=logs.logger,
            metrics=self.metrics,
            sleep=clock.sleep,
            alarm=alarm,
            mailer=mailer,
        )

    def submit(self, job_type: str, payload: dict[str, Any] | str) -> str:
        item = queued_item(job_type, payload)
        self.store.put(item)
        return str(item["job_id"])

    def submit_image(self, body: bytes, dimensions: tuple[int, int] = (20, 20), **options: str) -> str:
        """Uploads `body` as a client's image and submits an image_resize job that names it."""
        key = upload_key()
        self.files.put(key, body)
        return self.submit("image_resize", {"source_key": key, "dimensions": list(dimensions), **options})

    def deliver(
        self,
        job_id: str,
        *,
        job_type: str = "text_transform",
        receive_count: int = 1,
        receipt_handle: str = "receipt-1",
        time_left: timedelta | None = None,
    ) -> None:
        """The job's message, naming `job_type`, as a record of a batch that has `time_left` of its invocation
        (None: the first record, which starts however little is left)."""
        self.processor.process(
            parse_job_message(job_message_body(job_id, job_type)),
            receive_count=receive_count,
            receipt_handle=receipt_handle,
            time_left=time_left,
        )

    def item(self, job_id: str) -> dict[str, Any]:
        item = self.store.get(job_id)
        assert item is not None
        return item


class CountingJob:
    def __init__(self, result: dict[str, Any] | None = None) -> None:
        self.runs = 0
        self.result = result or {"length": 2, "uppercase": "HI", "word_count": 1}

    def __call__(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        self.runs += 1
        return self.result


class FlakyJobError(Exception):
    pass


def always_flaky(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    raise FlakyJobError("the downstream service timed out")


def harness_with(
    clock: FakeClock,
    logs: CapturedLogs,
    job: JobFunction,
    *,
    store: FakeJobStore | None = None,
    queue: FakeJobsQueue | None = None,
    files: FakeFileStore | None = None,
    lease: timedelta = LEASE,
) -> Harness:
    return Harness(
        clock, logs, overrides={"text_transform": job}, store=store, queue=queue, files=files, lease=lease
    )


def raises_permanent(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    raise PermanentJobError("TEXT_REFUSED", "no")
