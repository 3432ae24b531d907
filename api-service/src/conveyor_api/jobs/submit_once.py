"""Accepting a job once per idempotency key, so that a client may retry a submission without a second job."""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from conveyor_api.clock import utc_now
from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.payloads import PayloadPlacement
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.status import JobReader
from conveyor_api.jobs.submit import JobPublisher, JobWriter, new_job
from conveyor_api.models import JobItem, JobRecord, JobRequest

KEYED_JOB_ID_DOMAIN = b"conveyor job id v1"
"""Starts every hashed text, so that no other SHA-256 the system computes of a key can yield a job id."""


@dataclass(frozen=True, slots=True)
class FirstUse:
    """The key is this request's: never used, or its first use died and its deadline has passed. The caller
    stores the job, then binds the key to it, or releases the key if it could not."""


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's first use finished: its job, to answer again without writing anything."""

    job: JobRecord


KeyUse = FirstUse | Replay


class SubmissionLedger(Protocol):
    def claim(self, key: str, request: JobRequest, *, time_left: timedelta | None) -> KeyUse:
        """What `key` stands for now: FirstUse, after which no other request gets the key until `bind` or
        `release` (or until `time_left` has passed, in case this attempt dies before either); or the Replay of
        the first use's job.

        Raises IdempotencyKeyReusedError when `key` was first used with another request, and
        IdempotencyKeyInProgressError while that first use is still running.
        """

    def bind(self, key: str, request: JobRequest, job: JobRecord) -> None:
        """Ends a FirstUse: from now on `key` replays `job`."""

    def release(self, key: str, request: JobRequest) -> None:
        """Ends a FirstUse that stored nothing: `key` is free, so that a retry stores the job again."""


class KeyedJobStore(JobReader, JobWriter, Protocol):
    """Where a keyed submission stores its job, and finds it again when an earlier attempt stored it."""


def owners_key(owner: str | None, key: str) -> str:
    """The key as the ledger and the job id know it: scoped to its owner, so that two signed-in callers who
    choose the same key each get their own job. Without sign-in, keys are one space shared by all clients.

    A key is printable ASCII, so the NUL before it keeps every (owner, key) pair's text distinct, and apart
    from every unowned key.
    """
    return key if owner is None else f"{owner}\0{key}"


def retry_key(scoped_key: str, retry_of: str) -> str:
    """The key of a retry of job `retry_of`, apart from the same key's use with POST /jobs or with a retry of
    another job: the request a retry stands for is the failed job's, so one key per job it retries keeps
    "same key, same request" true. A job id holds no NUL, and neither does a key but after its owner."""
    return f"{scoped_key}\0retry of\0{retry_of}"


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
    time_left: timedelta | None = None,
    clock: Callable[[], datetime] = utc_now,
    retry_of: str | None = None,
) -> JobRecord:
    """The job of the first request with `key`, created once; later requests with the same body get it back.

    The first use stores a large payload aside, announces the job, then stores it (as submit_job does), and
    the key is bound to it once it is stored: a replay writes and sends nothing. If an attempt died between
    storing the job and binding the key, the key is freed at that attempt's deadline (`time_left` from its
    start), and the retry meets the stored job under the same id and adopts it (its own message is one more
    copy of the first, which the worker skips once the job has run).
    `owner` (the signed-in caller, or None) scopes the key: another owner's use of it is another key. So does
    `retry_of`, the FAILED job a retry (jobs.retry) runs again: a retry has no body, so its key is its own
    for each job it retries (`retry_key`).
    """
    scoped_key = owners_key(owner, key) if retry_of is None else retry_key(owners_key(owner, key), retry_of)
    job_id = keyed_job_id(scoped_key, request)
    job = new_job(
        request, owner=owner, placement=payloads, clock=clock, new_job_id=lambda: job_id, retry_of=retry_of
    )
    use = ledger.claim(scoped_key, request, time_left=time_left)
    if isinstance(use, Replay):
        return use.job
    try:
        # A retry after an attempt died writes the same payload to the same key again: harmless.
        job.put_payload_aside(payloads)
        job.announce(publisher, record_from_item(job.item, links=links, clock=clock))
        adopted = _stored_by_an_earlier_attempt(store, job.item)
    except Exception:
        ledger.release(scoped_key, request)
        raise
    if adopted is None:
        # Adopted jobs are not counted: the attempt whose write stored one counted it (a count lost only if
        # that invocation died before its metrics were written).
        metrics.job_submitted()
    record = record_from_item(adopted or job.item, links=links, clock=clock)
    ledger.bind(scoped_key, request, record)
    return record


def _stored_by_an_earlier_attempt(store: KeyedJobStore, item: JobItem) -> JobItem | None:
    """Stores the new job; or, when an earlier attempt with the same key and body stored it, that job."""
    try:
        store.put_new(item)
    except JobAlreadyExistsError:
        stored = store.get(item.job_id)
        # The id is a hash of the owner, the key and the request, so a stored job with it is this request's
        # job unless SHA-256 collided; checking costs nothing next to the read.
        if stored is None or (
            stored.job_type,
            stored.payload,
            stored.payload_ref,
            stored.owner,
            stored.retry_of,
        ) != (item.job_type, item.payload, item.payload_ref, item.owner, item.retry_of):
            raise
        return stored
    return None
