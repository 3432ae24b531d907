"""Accepting a job: store it QUEUED, then tell the workers about it."""

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from conveyor_api.clock import to_epoch_ms, to_timestamp, utc_now
from conveyor_api.jobs.errors import BackendUnavailableError, JobNotAnnouncedError, PayloadTooLargeError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.records import record_from_item
from conveyor_api.models import JobItem, JobMessage, JobRecord, JobRequest

SWEEP_SHARDS = 16
"""Partitions of the jobs table's sparse `sweep` index (job-item contract: sweep_shard is 0..15)."""

MAX_STORED_PAYLOAD_BYTES = 256 * 1024
"""What a payload may take as stored JSON text, so that its item stays well under DynamoDB's 400 KB limit."""


class JobWriter(Protocol):
    def put_new(self, item: JobItem) -> None:
        """Stores a job that does not exist yet; raises JobAlreadyExistsError rather than overwrite one."""


class JobPublisher(Protocol):
    def publish(self, message: JobMessage) -> None:
        """Hands the message to the workers' queue."""


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
    """Stores the job before announcing it, so a worker never receives a message for a job it cannot find.

    `owner` is the signed-in caller, or None in a deployment without sign-in.
    """
    item = new_job_item(request, owner=owner, clock=clock, new_job_id=new_job_id)
    writer.put_new(item)
    metrics.job_submitted()
    record = record_from_item(item, links=links, clock=clock)
    announce(record, publisher=publisher)
    return record


def new_job_item(
    request: JobRequest,
    *,
    owner: str | None,
    clock: Callable[[], datetime],
    new_job_id: Callable[[], uuid.UUID],
) -> JobItem:
    """The QUEUED item of a new job; raises PayloadTooLargeError before anything is written."""
    job_id = str(new_job_id())
    submitted = clock()
    now = to_timestamp(submitted)
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
        # In the sweep index from the first write: if its message never leaves, the sweeper sends it.
        sweep_shard=uuid.UUID(job_id).int % SWEEP_SHARDS,
        sweep_at=to_epoch_ms(submitted),
        owner=owned.get("owner"),
        owner_type=owned.get("owner_type"),
        owner_status=owned.get("owner_status"),
        owner_type_status=owned.get("owner_type_status"),
    )


def announce(record: JobRecord, *, publisher: JobPublisher) -> None:
    """Sends the job's message; JobNotAnnouncedError names the stored job when the queue refuses it."""
    try:
        publisher.publish(announcement(record))
    except BackendUnavailableError as error:
        raise JobNotAnnouncedError(record.job_id) from error


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
