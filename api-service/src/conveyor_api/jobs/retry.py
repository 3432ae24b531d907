"""Running a FAILED job again: a new job of the same type and payload that links to it (docs/design.md, Cancel
and retry). The failed job is only read: an ended record never changes."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from conveyor_api import contract
from conveyor_api.clock import utc_now
from conveyor_api.jobs.availability import DeployedJobTypes, require_available
from conveyor_api.jobs.errors import (
    InvalidJobIdError,
    JobNotFailedError,
    JobNotFoundError,
    RetryPayloadMissingError,
)
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.payloads import PayloadPlacement
from conveyor_api.jobs.status import readable_by
from conveyor_api.jobs.submit import JobPublisher, submit_job
from conveyor_api.jobs.submit_once import KeyedJobStore, SubmissionLedger, submit_job_once
from conveyor_api.models import JobItem, JobRecord, JobRequest


def retry_job(
    job_id: str,
    *,
    owner: str | None,
    idempotency_key: str | None,
    store: KeyedJobStore,
    job_types: DeployedJobTypes,
    publisher: JobPublisher,
    ledger: SubmissionLedger,
    payloads: PayloadPlacement,
    links: FileLinks,
    metrics: JobMetrics,
    time_left: timedelta | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> JobRecord:
    """The new job's record: submitted as POST /jobs submits one (with `idempotency_key`, once per key), with
    the failed job's type, payload and owner, and `retry_of` its id.

    The payload is copied, never shared: a payload stored aside is read and stored again under the new job's
    own key (or inline, as the deployment's threshold now places it), so the new job does not depend on what
    the failed one keeps, nor for how long. Raises JobNotFoundError as a read does, JobNotFailedError for a
    job in any other status, JobTypeUnavailableError when no deployed worker runs its type (or this API's
    contract lacks it), RetryPayloadMissingError when its payload stored aside is gone.
    """
    if not contract.validator("job-id").is_valid(job_id):
        raise InvalidJobIdError(job_id)
    failed = store.get(job_id)
    if failed is None or not readable_by(failed, owner):
        raise JobNotFoundError(job_id)
    if failed.status != "FAILED":
        raise JobNotFailedError(job_id, failed.status)
    require_available(failed.job_type, job_types)
    # The contract accepted this payload when the job was submitted, and v1 only widens: no new check.
    # No delay_seconds: a retry runs at once, whatever delay the failed job waited.
    request = JobRequest(job_type=failed.job_type, payload=json.loads(_payload_text(failed, payloads)))
    if idempotency_key is None:
        return submit_job(
            request,
            owner=failed.owner,
            writer=store,
            publisher=publisher,
            payloads=payloads,
            links=links,
            metrics=metrics,
            clock=clock,
            retry_of=job_id,
        )
    return submit_job_once(
        idempotency_key,
        request,
        owner=failed.owner,
        ledger=ledger,
        store=store,
        publisher=publisher,
        payloads=payloads,
        links=links,
        metrics=metrics,
        time_left=time_left,
        clock=clock,
        retry_of=job_id,
    )


def _payload_text(item: JobItem, payloads: PayloadPlacement) -> str:
    if item.payload is not None:
        return item.payload
    # job-item: an item without payload has payload_ref.
    text = payloads.store.read(str(item.payload_ref))
    if text is None:
        raise RetryPayloadMissingError(item.job_id)
    return text
