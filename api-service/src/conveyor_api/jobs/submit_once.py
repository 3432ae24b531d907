"""Accepting a job once per idempotency key, so that a client may retry a submission without a second job."""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from conveyor_api.clock import utc_now
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.submit import JobPublisher, JobWriter, announcement, new_job_item
from conveyor_api.models import JobRecord, JobRequest


class SubmissionLedger(Protocol):
    def job_for(self, key: str, request: JobRequest, store_job: Callable[[], JobRecord]) -> JobRecord:
        """The job `key` stands for: the one `store_job()` stores when `key` is new, then that one again.

        Raises IdempotencyKeyReusedError when `key` was first used with another request, and
        IdempotencyKeyInProgressError while that first use is still running. When `store_job` raises, the
        key is forgotten, so that a retry stores the job again.
        """


def submit_job_once(
    key: str,
    request: JobRequest,
    *,
    ledger: SubmissionLedger,
    writer: JobWriter,
    publisher: JobPublisher,
    clock: Callable[[], datetime] = utc_now,
    new_job_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> JobRecord:
    """The job of the first request with `key`, created once; later requests with the same body get it back.

    The key is bound to the job as soon as the job is stored, before its message is sent: if the queue then
    refuses the message, the request fails, but its retry finds the stored job instead of storing a second
    one, and the sweeper sends the missing message.
    """
    item = new_job_item(request, clock=clock, new_job_id=new_job_id)

    def store_job() -> JobRecord:
        writer.put_new(item)
        return record_from_item(item)

    record = ledger.job_for(key, request, store_job)
    if record.job_id == item.job_id:
        # Only the request that stored the job announces it. A replay's job was announced by its first use,
        # or, if the queue refused that message, is overdue in the sweep index, where the sweeper finds it.
        publisher.publish(announcement(record))
    return record
