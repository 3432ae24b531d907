"""Accepting a job: tell the workers about it, then store it QUEUED."""

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from conveyor_api.clock import to_timestamp, utc_now
from conveyor_api.jobs.errors import BackendUnavailableError, PayloadTooLargeError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.records import record_from_item
from conveyor_api.models import JobItem, JobMessage, JobRecord, JobRequest

MAX_STORED_PAYLOAD_BYTES = 256 * 1024
"""What a payload may take as stored JSON text, so that its item stays well under DynamoDB's 400 KB limit."""


class JobWriter(Protocol):
    def put_new(self, item: JobItem) -> None:
        """Stores a job that does not exist yet; raises JobAlreadyExistsError rather than overwrite one."""

    def get(self, job_id: str) -> JobItem | None:
        """The stored job, read strongly consistent, or None."""


class JobPublisher(Protocol):
    def publish(self, message: JobMessage) -> None:
        """Hands the message to the workers' queue; BackendUnavailableError when the queue refuses it."""


def submit_job(
    request: JobRequest,
    *,
    owner: str | None,
    writer: JobWriter,
    publisher: JobPublisher,
    links: FileLinks,
    metrics: JobMetrics,
    clock: Callable[[], datetime] = utc_now,
    new_job_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> JobRecord:
    """Announces the job, then stores it: every stored job has a message, so an accepted job always runs.

    If the queue refuses the message, nothing is stored and BackendUnavailableError says so (503: nothing was
    accepted). If the store refuses the job after its message left, the same: the message names a job that
    never exists, and the worker drops it as an orphan (docs/design.md, The sweeper). A worker that receives
    the message before the write lands waits for it. `owner` is the signed-in caller, or None in a deployment
    without sign-in.
    """
    item = new_job_item(request, owner=owner, clock=clock, new_job_id=new_job_id)
    record = record_from_item(item, links=links, clock=clock)
    publisher.publish(announcement(record))
    store_new(writer, item)
    metrics.job_submitted()
    return record


def store_new(writer: JobWriter, item: JobItem) -> None:
    """Stores a new job whose message has left; raises only when it is not stored.

    A write whose answer was lost may have landed: the job then runs, so it must be answered 202. On that
    failure path only, one strongly consistent read tells. (A write botocore sent again after a lost answer
    meets its own item, which the store counts as stored.) If the read fails too, the answer is 503 although
    the job may be stored: the one case where a 503 is not the whole truth (docs/design.md, Submitting a job).
    """
    try:
        writer.put_new(item)
    except BackendUnavailableError:
        if writer.get(item.job_id) != item:
            raise


def new_job_item(
    request: JobRequest,
    *,
    owner: str | None,
    clock: Callable[[], datetime],
    new_job_id: Callable[[], uuid.UUID],
) -> JobItem:
    """The QUEUED item of a new job; raises PayloadTooLargeError before anything is written."""
    job_id = str(new_job_id())
    now = to_timestamp(clock())
    # An owned job is in the listing indexes from its first write; an unowned one in none of them.
    owned = {} if owner is None else listing_keys(owner, request.job_type, "QUEUED")
    return JobItem(
        job_id=job_id,
        job_type=request.job_type,
        status="QUEUED",
        created_at=now,
        updated_at=now,
        attempts=0,
        payload=_stored_payload(request),
        # Not in the sweep index: its message leaves before it is stored (docs/design.md, The sweeper).
        owner=owned.get("owner"),
        owner_type=owned.get("owner_type"),
        owner_status=owned.get("owner_status"),
        owner_type_status=owned.get("owner_type_status"),
    )


def announcement(record: JobRecord) -> JobMessage:
    """The message that tells the workers about a job: a pointer to it, never its payload."""
    return JobMessage(
        contract_version="1", job_id=record.job_id, job_type=record.job_type, submitted_at=record.created_at
    )


def _stored_payload(request: JobRequest) -> str:
    # Compact text rather than the request's own, which had to be parsed; floats come back in their shortest
    # exact form, which for a few (1e15 becomes 1000000000000000.0) is longer than what the client sent.
    text = json.dumps(request.payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_STORED_PAYLOAD_BYTES:
        raise PayloadTooLargeError(size, MAX_STORED_PAYLOAD_BYTES)
    return text
