"""Accepting a job: tell the workers about it, then store it QUEUED."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from conveyor_api.clock import to_epoch_ms, to_timestamp, utc_now
from conveyor_api.jobs.errors import BackendUnavailableError, PayloadTooLargeError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES, PayloadPlacement, payload_key
from conveyor_api.jobs.records import record_from_item
from conveyor_api.models import JobItem, JobMessage, JobRecord, JobRequest


class JobWriter(Protocol):
    def put_new(self, item: JobItem) -> None:
        """Stores a job that does not exist yet; raises JobAlreadyExistsError rather than overwrite one."""

    def get(self, job_id: str) -> JobItem | None:
        """The stored job, read strongly consistent, or None."""


class JobPublisher(Protocol):
    def publish(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        """Hands the message to the workers' queue, delivered after `delay_seconds` (at most
        LONGEST_MESSAGE_DELAY_SECONDS); BackendUnavailableError when the queue refuses it."""


LONGEST_MESSAGE_DELAY_SECONDS = 900
"""SQS's longest DelaySeconds. A job to run further ahead gets no message at submission: it enters the sweep
index at its run_at, and the sweeper sends its message when it is due (docs/design.md, Run later)."""
SWEEP_SHARDS = 16
"""sweep_shard is uuid(job_id) mod 16 (contracts/v1/job-item.schema.json)."""


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job not written anywhere yet: its QUEUED item, and its payload's text when that goes aside."""

    item: JobItem
    payload_aside: str | None = None
    """The payload's JSON text, to be stored at the item's payload_ref before the job is announced; None when
    the item holds the payload itself."""
    delay_seconds: int = 0
    """How long after its submission the job may run (the request's delay_seconds)."""

    @property
    def announced_now(self) -> bool:
        """Whether its message leaves at submission; if not, the item is in the sweep index at run_at."""
        return self.delay_seconds <= LONGEST_MESSAGE_DELAY_SECONDS

    def announce(self, publisher: JobPublisher, record: JobRecord) -> None:
        """Sends the job's message, delayed to its run_at, unless the sweeper is to send it when due."""
        if self.announced_now:
            publisher.publish(announcement(record), delay_seconds=self.delay_seconds)

    def put_payload_aside(self, placement: PayloadPlacement) -> None:
        """Stores a payload that goes aside; BackendUnavailableError when it is refused. Called before the job
        is announced, so that a refusal is a 503 that accepted nothing; an object left by a later failure
        names no job and expires with the bucket's lifecycle rule."""
        if self.payload_aside is not None and self.item.payload_ref is not None:
            placement.store.put(self.item.payload_ref, self.payload_aside)


def submit_job(
    request: JobRequest,
    *,
    owner: str | None,
    writer: JobWriter,
    publisher: JobPublisher,
    payloads: PayloadPlacement,
    links: FileLinks,
    metrics: JobMetrics,
    clock: Callable[[], datetime] = utc_now,
    new_job_id: Callable[[], uuid.UUID] = uuid.uuid4,
    retry_of: str | None = None,
) -> JobRecord:
    """Announces the job, then stores it: every stored job has a message (or, to run more than 15 minutes
    later, is in the sweep index, whence the sweeper sends it when due), so an accepted job always runs.

    If the queue refuses the message, nothing is stored and BackendUnavailableError says so (503: nothing was
    accepted). If the store refuses the job after its message left, the same: the message names a job that
    never exists, and the worker drops it as an orphan (docs/design.md, The sweeper). A worker that receives
    the message before the write lands waits for it. `owner` is the signed-in caller, or None in a deployment
    without sign-in. `retry_of` is the FAILED job this one retries (jobs.retry), if it does.
    """
    job = new_job(
        request, owner=owner, placement=payloads, clock=clock, new_job_id=new_job_id, retry_of=retry_of
    )
    record = record_from_item(job.item, links=links, clock=clock)
    job.put_payload_aside(payloads)
    job.announce(publisher, record)
    store_new(writer, job.item)
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


def new_job(
    request: JobRequest,
    *,
    owner: str | None,
    placement: PayloadPlacement,
    clock: Callable[[], datetime],
    new_job_id: Callable[[], uuid.UUID],
    retry_of: str | None = None,
) -> NewJob:
    """The QUEUED item of a new job, with its payload inline or named by payload_ref as `placement` decides;
    raises PayloadTooLargeError before anything is written."""
    job_id = str(new_job_id())
    moment = clock()
    now = to_timestamp(moment)
    delay_seconds = request.delay_seconds or 0
    run_at = moment + timedelta(seconds=delay_seconds)
    # A message cannot wait that long in SQS: the sweeper finds the job in its index and sends it when due.
    swept = delay_seconds > LONGEST_MESSAGE_DELAY_SECONDS
    payload = _stored_payload(request)
    aside = placement.is_aside(len(payload.encode("utf-8")))
    # An owned job is in the listing indexes from its first write; an unowned one in none of them.
    owned = {} if owner is None else listing_keys(owner, request.job_type, "QUEUED")
    item = JobItem(
        job_id=job_id,
        job_type=request.job_type,
        status="QUEUED",
        created_at=now,
        updated_at=now,
        attempts=0,
        payload=None if aside else payload,
        payload_ref=payload_key(job_id) if aside else None,
        run_at=to_timestamp(run_at) if delay_seconds else None,
        # Otherwise not in the sweep index: its message leaves before it is stored (docs/design.md, The
        # sweeper).
        sweep_shard=uuid.UUID(job_id).int % SWEEP_SHARDS if swept else None,
        sweep_at=to_epoch_ms(run_at) if swept else None,
        owner=owned.get("owner"),
        owner_type=owned.get("owner_type"),
        owner_status=owned.get("owner_status"),
        owner_type_status=owned.get("owner_type_status"),
        retry_of=retry_of,
    )
    return NewJob(item, payload_aside=payload if aside else None, delay_seconds=delay_seconds)


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
