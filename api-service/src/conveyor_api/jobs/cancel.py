"""Cancelling a job: a QUEUED one ends at once, a running one is asked to stop (docs/design.md, Cancel and
retry).

Each step is one conditional write on the status the read showed. Statuses only move forward (QUEUED,
IN_PROGRESS, then an ended one), so a write refused because the job moved on is followed by a read of the new
status and an answer for it: at most three rounds.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from conveyor_api import contract
from conveyor_api.clock import utc_now
from conveyor_api.jobs.errors import InvalidJobIdError, JobEndedError, JobNotFoundError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.status import JobReader, readable_by
from conveyor_api.models import JobError, JobItem, JobRecord

CANCELLED = "CANCELLED"
"""The error code of a job that ended because a cancel was asked for (contract `job-error`)."""
CANCELLED_WHILE_QUEUED = JobError(code=CANCELLED, message="Cancelled before it started.")


class JobCanceller(JobReader, Protocol):
    def cancel_queued(
        self, item: JobItem, *, error: JobError, now: datetime, expires_at: datetime
    ) -> JobItem | None:
        """Ends the QUEUED job FAILED with `error` in one conditional write, as every finishing write does
        (finished_at, expires_at, out of the sweep index, listing keys of the new status); cancel_requested_at
        is `now` too. The item as written, or None when the job was no longer QUEUED."""

    def request_cancel(self, job_id: str, *, now: datetime) -> JobItem | None:
        """Sets cancel_requested_at (and updated_at) on the IN_PROGRESS job that has none, in one conditional
        write. The item as written, or None when the job was not IN_PROGRESS without one."""


def cancel_job(
    job_id: str,
    *,
    owner: str | None,
    store: JobCanceller,
    links: FileLinks,
    retention: timedelta,
    clock: Callable[[], datetime] = utc_now,
) -> JobRecord:
    """The job's record once cancelled: FAILED CANCELLED if it was QUEUED (or already cancelled so), still
    IN_PROGRESS with cancel_requested_at if it was running. Asking again answers the same, and writes nothing.

    Raises JobNotFoundError as a read does (with sign-in, another owner's job is not found), and JobEndedError
    for a job that ended otherwise, which is left unchanged.
    """
    if not contract.validator("job-id").is_valid(job_id):
        raise InvalidJobIdError(job_id)
    while True:
        item = store.get(job_id)
        if item is None or not readable_by(item, owner):
            raise JobNotFoundError(job_id)
        if _already_cancelled(item):
            return record_from_item(item, links=links, clock=clock)
        now = clock()
        if item.status == "QUEUED":
            written = store.cancel_queued(
                item, error=CANCELLED_WHILE_QUEUED, now=now, expires_at=now + retention
            )
        elif item.status == "IN_PROGRESS":
            written = store.request_cancel(job_id, now=now)
        else:
            raise JobEndedError(job_id, item.status)
        if written is not None:
            return record_from_item(written, links=links, clock=clock)
        # Refused: the job moved on (a worker claimed or ended it, or another cancel landed) since the read.


def _already_cancelled(item: JobItem) -> bool:
    if item.status == "IN_PROGRESS":
        return item.cancel_requested_at is not None
    return item.status == "FAILED" and item.error is not None and item.error.code == CANCELLED
