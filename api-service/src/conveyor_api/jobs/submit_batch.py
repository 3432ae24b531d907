"""Accepting up to 25 jobs in one request: each judged on its own, then all announced and stored together.

The order of writes is submit_job's, for every job of the batch: a job's message leaves before the job is
stored, so that every stored job has a message (docs/design.md, Submitting a batch). A job is accepted only
once it is stored; one whose message or write failed is refused 503 and nothing of it is accepted: a message
that left for a job never stored is an orphan, which the worker drops.
"""

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

from conveyor_api import contract
from conveyor_api.clock import utc_now
from conveyor_api.jobs.availability import DeployedJobTypes, require_available
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    InvalidJobBatchError,
    InvalidJobRequestError,
    JobTypeUnavailableError,
    PayloadTooLargeError,
    UploadNotFoundError,
)
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.payloads import PayloadPlacement
from conveyor_api.jobs.records import record_from_item
from conveyor_api.jobs.request_validation import MAX_LISTED_VIOLATIONS, validate_job_request, violations_of
from conveyor_api.jobs.sources import Uploads, check_sources
from conveyor_api.jobs.submit import JobPublisher, JobWriter, NewJob, announcement, new_job
from conveyor_api.json_types import JsonValue
from conveyor_api.models import JobItem, JobMessage, JobRecord

MAX_BATCH_JOBS = 25
"""The job-batch-request schema's maxItems: one DynamoDB BatchWriteItem holds at most 25 puts."""

JobRefusal = (
    InvalidJobRequestError
    | PayloadTooLargeError
    | UploadNotFoundError
    | JobTypeUnavailableError
    | BackendUnavailableError
)
"""Why one job of a batch was refused: what POST /jobs would have refused it for."""


class BatchJobWriter(JobWriter, Protocol):
    def put_new_many(self, items: Sequence[JobItem]) -> Collection[str]:
        """Stores new jobs (at most 25); returns the ids of those certainly stored. Any other may be stored
        or not (its write's answer was lost), never raises for a write that failed."""

    def get_many(self, job_ids: Sequence[str]) -> Mapping[str, JobItem]:
        """The stored jobs among `job_ids`, read strongly consistent; BackendUnavailableError if unread."""


class BatchJobPublisher(JobPublisher, Protocol):
    def publish_many(
        self, messages: Sequence[JobMessage], *, delays: Mapping[str, int] | None = None
    ) -> Collection[str]:
        """Hands the messages to the workers' queue, each delivered after its job's delay in `delays` (by
        job id, 0 when absent); returns the job ids of those it certainly took, never raises for one it
        refused."""


@dataclass(frozen=True, slots=True)
class Accepted:
    job: JobRecord


@dataclass(frozen=True, slots=True)
class Refused:
    error: JobRefusal


BatchOutcome = Accepted | Refused


def validate_job_batch(document: JsonValue) -> list[JsonValue]:
    """The batch's job documents, each still to be judged; InvalidJobBatchError unless it holds 1 to 25."""
    errors = list(
        islice(contract.validator("job-batch-request").iter_errors(document), MAX_LISTED_VIOLATIONS + 1)
    )
    if errors:
        violations = list(dict.fromkeys(violations_of(errors[:MAX_LISTED_VIOLATIONS])))
        raise InvalidJobBatchError(violations, complete=len(errors) <= MAX_LISTED_VIOLATIONS)
    assert isinstance(document, dict)  # the schema's first rule
    jobs = document["jobs"]
    assert isinstance(jobs, list)
    return jobs


def submit_jobs(
    documents: Sequence[JsonValue],
    *,
    owner: str | None,
    writer: BatchJobWriter,
    publisher: BatchJobPublisher,
    uploads: Uploads,
    job_types: DeployedJobTypes,
    payloads: PayloadPlacement,
    links: FileLinks,
    metrics: JobMetrics,
    clock: Callable[[], datetime] = utc_now,
    new_job_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> list[BatchOutcome]:
    """Each job's outcome, in the order of `documents`: accepted, or refused with what POST /jobs would have
    answered for it alone.

    Every job is judged first (contract, uploads, whether a deployed worker runs its type, payload size; a
    payload that goes aside is stored), then the messages of those that passed leave together
    (SendMessageBatch), then the jobs whose message left are stored together (BatchWriteItem). A job whose
    write's answer was lost is read back, as store_new does for one job: stored, it is accepted; not found,
    or unreadable, it is refused 503.
    """
    outcomes: list[BatchOutcome | NewJob] = []
    for document in documents:
        if any(isinstance(o, Refused) and isinstance(o.error, BackendUnavailableError) for o in outcomes):
            # A request ends at its first failed call (aws_call_budget): 25 stalled calls would outlast it.
            outcomes.append(Refused(BackendUnavailableError("an earlier job's call failed; not tried")))
            continue
        outcomes.append(
            _prepared(
                document,
                owner=owner,
                uploads=uploads,
                job_types=job_types,
                payloads=payloads,
                clock=clock,
                new_job_id=new_job_id,
            )
        )
    ready = [outcome for outcome in outcomes if isinstance(outcome, NewJob)]
    records = {job.item.job_id: record_from_item(job.item, links=links, clock=clock) for job in ready}
    # A job to run more than 15 minutes later has no message yet: its entry in the sweep index stands for it.
    now = [job for job in ready if job.announced_now]
    announced = set(
        publisher.publish_many(
            [announcement(records[job.item.job_id]) for job in now],
            delays={job.item.job_id: job.delay_seconds for job in now if job.delay_seconds},
        )
    ) | {job.item.job_id for job in ready if not job.announced_now}
    stored = _stored(writer, [job.item for job in ready if job.item.job_id in announced])
    for _ in stored:
        metrics.job_submitted()
    return [_outcome(outcome, records, stored) for outcome in outcomes]


def _prepared(
    document: JsonValue,
    *,
    owner: str | None,
    uploads: Uploads,
    job_types: DeployedJobTypes,
    payloads: PayloadPlacement,
    clock: Callable[[], datetime],
    new_job_id: Callable[[], uuid.UUID],
) -> NewJob | Refused:
    """The job ready to announce, its payload stored if it goes aside; or why it is refused."""
    try:
        request = validate_job_request(document)
        check_sources(request, owner=owner, uploads=uploads)
        require_available(request.job_type, job_types)
        job = new_job(request, owner=owner, placement=payloads, clock=clock, new_job_id=new_job_id)
        job.put_payload_aside(payloads)
    except (
        InvalidJobRequestError,
        PayloadTooLargeError,
        UploadNotFoundError,
        JobTypeUnavailableError,
        BackendUnavailableError,
    ) as error:
        return Refused(error)
    return job


def _stored(writer: BatchJobWriter, items: Sequence[JobItem]) -> set[str]:
    """The ids of `items` that are stored once the batch's writes are done."""
    if not items:
        return set()
    stored = set(writer.put_new_many(items))
    unsure = [item for item in items if item.job_id not in stored]
    if unsure:
        try:
            found = writer.get_many([item.job_id for item in unsure])
        except BackendUnavailableError:
            return stored
        # A random id is this job's alone: an item that has it is this job, even if a worker claimed it since.
        stored |= {item.job_id for item in unsure if item.job_id in found}
    return stored


def _outcome(
    prepared: BatchOutcome | NewJob, records: Mapping[str, JobRecord], stored: set[str]
) -> BatchOutcome:
    if not isinstance(prepared, NewJob):
        return prepared
    if prepared.item.job_id in stored:
        return Accepted(records[prepared.item.job_id])
    return Refused(BackendUnavailableError("the job's message or its write failed; nothing was accepted"))
