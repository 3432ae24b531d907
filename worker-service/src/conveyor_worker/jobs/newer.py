"""A message of a job newer than this worker waits for a worker that knows it: never failed, never left to
reach the DLQ as poison (docs/design.md, Jobs newer than their worker).

Returning such a message to the queue would count a receive each time, and after MAX_RECEIVE_COUNT of them SQS
moves it to the DLQ; so the worker sends the same body again, delayed, and the original is acknowledged. Each
copy starts with no receives, so a job waits as long as no worker knows it, at one send per delay, and a
newer worker, once deployed, runs it from the next copy.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto
from typing import Protocol

from aws_lambda_powertools import Logger

from conveyor_worker.clock import Clock
from conveyor_worker.jobs.backoff import Backoff, RandomInteger
from conveyor_worker.jobs.errors import NewerJobError
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE

FIRST_DELAY_SECONDS = 30
LONGEST_DELAY_SECONDS = 900
"""SQS's longest message delay (DelaySeconds): a newer worker, once deployed, runs a waiting job within it."""


class WaitingJob(Enum):
    """What the jobs table says of a waiting message's job."""

    WAITING = auto()
    """QUEUED: its last message is now dated, so that the sweeper's expiry scan counts from the copy."""
    NOT_QUEUED = auto()
    """It has left QUEUED (a newer worker claimed it through another copy, or it was cancelled): this copy
    is spare."""
    MISSING = auto()
    """Not stored: not yet (the API sends before it stores), or never (its API answered 5xx)."""


class WaitingJobStore(Protocol):
    def mark_waiting(self, job_id: str, *, now: datetime) -> WaitingJob:
        """Dates the last message of the job at `now` when it is QUEUED (a conditional write), and says so."""
        ...


class NewerJobQueue(Protocol):
    def send_later(self, body: str, *, delay_seconds: int, deferrals: int) -> None:
        """Sends `body` to the jobs queue, delivered after `delay_seconds`, with its count of deferrals."""
        ...


class NewerJobMetrics(Protocol):
    def newer_job_waiting(self) -> None:
        """A message of a job newer than this worker was sent again to wait for a newer worker."""
        ...


@dataclass(frozen=True)
class NewerJobWaiter:
    store: WaitingJobStore
    queue: NewerJobQueue
    clock: Clock
    draw: RandomInteger
    logger: Logger
    metrics: NewerJobMetrics

    def wait(self, newer: NewerJobError, body: str, *, deferrals: int) -> None:
        """Sends `body` again, later, unless its job no longer waits; the caller acknowledges the original.

        A message of a newer contract major names a job whose item this worker cannot read, so only its
        copy is sent. A failed send raises, and the original message comes back after its visibility timeout.
        """
        about = {"job_id": newer.job_id, "reason": str(newer), "deferrals": deferrals}
        if newer.job_id is not None:
            now = self.clock()
            state = self.store.mark_waiting(newer.job_id, now=now)
            if state is WaitingJob.NOT_QUEUED or (state is WaitingJob.MISSING and self._orphan(newer, now)):
                self.logger.info("message of a newer job dropped: its job no longer waits", extra=about)
                return
        backoff = Backoff(FIRST_DELAY_SECONDS, LONGEST_DELAY_SECONDS, self.draw)
        # Full jitter from the first delay up: copies of many waiting jobs do not come back together.
        ceiling = backoff.ceiling_seconds(deferrals + 1)
        delay = self.draw(FIRST_DELAY_SECONDS, ceiling)
        self.queue.send_later(body, delay_seconds=delay, deferrals=deferrals + 1)
        self.metrics.newer_job_waiting()
        self.logger.warning(
            "message of a job newer than this worker sent again to wait for a newer worker",
            extra={**about, "delay_seconds": delay},
        )

    @staticmethod
    def _orphan(newer: NewerJobError, now: datetime) -> bool:
        return newer.submitted_at is not None and now - datetime.fromisoformat(newer.submitted_at) >= (
            ORPHAN_MESSAGE_AGE
        )
