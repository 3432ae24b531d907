"""Accepting a job once per idempotency key, so that a client may retry a submission without a second job."""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from conveyor_api.clock import utc_now
from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.payloads import PayloadPlacement
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.status import JobReader
from conveyor_api.jobs.submit import JobPublisher, JobWriter, announcement, new_job
from conveyor_api.models import JobItem, JobRecord, JobRequest

KEYED_JOB_ID_DOMAIN = b"conveyor job id v1"
"""Starts every hashed text, so that no other SHA-256 the system computes of a key can yield a job id."""


class SubmissionLedger(Protocol):
    def job_for(self, key: str, request: JobRequest, store_job: Callable[[], JobRecord]) -> JobRecord:
        """The job `key` stands for: the one `store_job()` stores when `key` is new, then that one again.

        Raises IdempotencyKeyReusedError when `key` was first used with another request, and
        IdempotencyKeyInProgressError while that first use is still running. When `store_job` raises, the
        key is forgotten, so that a retry stores the job again.
        """


class KeyedJobStore(JobReader, JobWriter, Protocol):
    """Where a keyed submission stores its job, and finds it again when an earlier attempt stored it."""


def owners_key(owner: str | None, key: str) -> str:
    """The key as the ledger and the job id know it: scoped to its owner, so that two signed-in callers who
    choose the same key each get their own job. Without sign-in, keys are one space shared by all clients.

    A key is printable ASCII, so the NUL before it keeps every (owner, key) pair's text distinct, and apart
    from every unowned key.
    """
    return key if owner is None else f"{owner}\0{key}"


def keyed_job_id(key: str, request: JobRequest) -> uuid.UUID:
    """The id of the job `key` (as `owners_key` scopes it) and `request` stand for: a UUIDv8 (RFC 9562) of
    SHA-256 bits.

    Derived rather than random so that an attempt that finds its job already stored knows it is its own: a
    first attempt can die after storing the job and before the ledger records which job that was.
    """
    canonical_request = json.dumps(
        request.to_document(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    # The request's JSON text holds no NUL (json escapes control characters) and a key holds one only after
    # its owner: the NUL separators keep each (key, request) pair's text distinct.
    text = b"\0".join((KEYED_JOB_ID_DOMAIN, key.encode(), canonical_request.encode()))
    value = int.from_bytes(hashlib.sha256(text).digest()[:16], "big")
    value = (value & ~(0xF << 76)) | (0x8 << 76)  # version 8
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # the RFC 9562 variant
    return uuid.UUID(int=value)


def submit_job_once(
    key: str,
    request: JobRequest,
    *,
    owner: str | None,
    ledger: SubmissionLedger,
    store: KeyedJobStore,
    publisher: JobPublisher,
    payloads: PayloadPlacement,
    links: FileLinks,
    metrics: JobMetrics,
    clock: Callable[[], datetime] = utc_now,
) -> JobRecord:
    """The job of the first request with `key`, created once; later requests with the same body get it back.

    The first use stores a large payload aside, announces the job, then stores it (as submit_job does), and
    the key is bound to it once it is stored: a replay writes and sends nothing. If an attempt died between
    storing the job and the ledger recording it, the key is freed at that attempt's deadline, and the retry
    meets the stored job under the same id and adopts it (its own message is one more copy of the first, which
    the worker skips once the job has run).
    `owner` (the signed-in caller, or None) scopes the key: another owner's use of it is another key.
    """
    scoped_key = owners_key(owner, key)
    job_id = keyed_job_id(scoped_key, request)
    job = new_job(request, owner=owner, placement=payloads, clock=clock, new_job_id=lambda: job_id)

    def store_job() -> JobRecord:
        # A retry after an attempt died writes the same payload to the same key again: harmless.
        job.put_payload_aside(payloads)
        publisher.publish(announcement(record_from_item(job.item, links=links, clock=clock)))
        stored = _store_or_adopt(store, job.item, metrics)
        return record_from_item(stored, links=links, clock=clock)

    return ledger.job_for(scoped_key, request, store_job)


def _store_or_adopt(store: KeyedJobStore, item: JobItem, metrics: JobMetrics) -> JobItem:
    try:
        store.put_new(item)
    except JobAlreadyExistsError:
        stored = store.get(item.job_id)
        # The id is a hash of the owner, the key and the request, so a stored job with it is this request's
        # job unless SHA-256 collided; checking costs nothing next to the read.
        if stored is None or (stored.job_type, stored.payload, stored.payload_ref, stored.owner) != (
            item.job_type,
            item.payload,
            item.payload_ref,
            item.owner,
        ):
            raise
        # Adopted, not new: the attempt whose write stored the job counted it (a count lost only if that
        # invocation died before its metrics were written).
        return stored
    metrics.job_submitted()
    return item
