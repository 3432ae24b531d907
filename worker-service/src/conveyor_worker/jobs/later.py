"""A job never runs before its run_at (docs/design.md, Run later).

The claim refuses a QUEUED job before its run_at, so a message that arrives early (a spare copy, a DLQ
redrive, a clock ahead of SQS's) runs nothing. It must not come back through the queue's visibility timeout
either: each receive counts, and after MAX_RECEIVE_COUNT SQS would move it to the DLQ. So, as for a job newer
than its worker (jobs/newer.py, whose store and queue calls this reuses), the job's item is dated and the same
body is sent again, delayed by what remains until run_at (at most SQS's 900 s); the original is acknowledged.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger

from conveyor_worker.clock import Clock
from conveyor_worker.jobs.errors import JobNotDueError
from conveyor_worker.jobs.newer import LONGEST_DELAY_SECONDS, WaitingJob, WaitingJobStore


class EarlyMessageQueue(Protocol):
    def send_later(self, body: str, *, delay_seconds: int, deferrals: int | None = None) -> None:
        """Sends `body` to the jobs queue, delivered after `delay_seconds`; no deferral count when None."""
        ...


@dataclass(frozen=True)
class EarlyMessages:
    store: WaitingJobStore
    queue: EarlyMessageQueue
    clock: Clock
    logger: Logger

    def send_again(self, early: JobNotDueError, body: str) -> None:
        """Sends `body` again to arrive at the job's run_at, or 900 s from now if that is further, unless the
        job has left QUEUED meanwhile (cancelled, or run through another message); the caller acknowledges the
        original. A failed send raises, and the original comes back after its visibility timeout."""
        now = self.clock()
        # At least a second: the claim found run_at ahead of its own clock reading, a moment ago.
        remaining = max(1, math.ceil((datetime.fromisoformat(early.run_at) - now).total_seconds()))
        about = {"job_id": early.job_id, "run_at": early.run_at}
        # Dated first: the expiry scan counts a QUEUED job's waiting from its last write, so from this copy.
        if self.store.mark_waiting(early.job_id, now=now) is not WaitingJob.WAITING:
            self.logger.info("early message dropped: its job no longer waits", extra=about)
            return
        delay_seconds = min(remaining, LONGEST_DELAY_SECONDS)
        self.queue.send_later(body, delay_seconds=delay_seconds)
        self.logger.info(
            "message arrived before its job's run_at; sent again for the remainder",
            extra={**about, "delay_seconds": delay_seconds},
        )
