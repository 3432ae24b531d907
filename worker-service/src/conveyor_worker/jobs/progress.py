"""A job's progress reports, stored at most once a second and never at the job's expense.

docs/design.md, Progress. No background thread: a report that waits is written by a later report, or never
(the completion removes the progress anyway).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from conveyor_worker.clock import Clock, to_timestamp
from conveyor_worker.job_types.context import JobCancelledError
from conveyor_worker.jobs.errors import CancelRequestedError, LeaseLostError
from conveyor_worker.models.job_item import JobProgress

MIN_INTERVAL = timedelta(seconds=1)
"""At most one progress write per second per job."""


class ProgressStore(Protocol):
    """The jobs table's progress write."""

    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        """Replaces the job's progress; raises LeaseLostError unless the job is IN_PROGRESS under
        `claim_token`, and CancelRequestedError, storing nothing, when it is but a cancel was asked for (the
        refused write's item tells, so learning it costs no read)."""
        ...


@dataclass(frozen=True)
class _Report:
    percent: int
    message: str


class ProgressReporter:
    """One attempt's progress: the first report is stored at once; one within MIN_INTERVAL of the last write
    waits, replaced by any newer one, and the first report MIN_INTERVAL or more after that write stores the
    newest report there is, which is itself. After a refused write (the claim no longer holds) nothing more is
    written. Once a write is refused for a cancel, that report and every later one raise JobCancelledError."""

    def __init__(
        self, *, store: ProgressStore, job_id: str, claim_token: str, clock: Clock, logger: Logger
    ) -> None:
        self._store = store
        self._job_id = job_id
        self._claim_token = claim_token
        self._clock = clock
        self._logger = logger
        self._last_write: datetime | None = None
        self._waiting: _Report | None = None
        self._lease_lost = False
        self._cancelled = False

    @property
    def waiting(self) -> tuple[int, str] | None:
        """The newest report not stored yet, if any."""
        return None if self._waiting is None else (self._waiting.percent, self._waiting.message)

    def report(self, percent: int, message: str) -> None:
        """Takes a report already checked by JobContext.report_progress; raises only JobCancelledError, once
        a write has shown that a cancel was asked for."""
        if self._cancelled:
            raise JobCancelledError(self._job_id)
        if self._lease_lost:
            return
        now = self._clock()
        self._waiting = _Report(percent, message)
        if self._last_write is not None and now - self._last_write < MIN_INTERVAL:
            return
        self._write(self._waiting, now)

    def _write(self, report: _Report, now: datetime) -> None:
        # A failed write counts as one too: a throttled table is not asked again within the second.
        self._last_write = now
        self._waiting = None
        progress = JobProgress(percent=report.percent, message=report.message, updated_at=to_timestamp(now))
        try:
            self._store.record_progress(self._job_id, claim_token=self._claim_token, progress=progress)
        except CancelRequestedError:
            self._cancelled = True
            self._logger.info(
                "a cancel was asked for; the job function is told to stop",
                extra={"job_id": self._job_id, "percent": report.percent},
            )
            raise JobCancelledError(self._job_id) from None
        except LeaseLostError:
            self._lease_lost = True
            self._logger.info(
                "progress not stored: the claim no longer holds the job; later reports are ignored",
                extra={"job_id": self._job_id, "percent": report.percent},
            )
        except Exception:
            # Progress is best effort: the job goes on, and the next report after the interval tries again.
            self._logger.warning(
                "progress not stored",
                extra={"job_id": self._job_id, "percent": report.percent},
                exc_info=True,
            )
