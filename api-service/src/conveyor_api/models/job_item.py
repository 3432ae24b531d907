"""The job as stored in the DynamoDB jobs table (contract `job-item`)."""

from dataclasses import dataclass
from typing import ClassVar

from conveyor_api.models.contract_document import JsonInteger, SparseContractDocument
from conveyor_api.models.job_error import JobError
from conveyor_api.models.job_progress import JobProgress
from conveyor_api.models.job_status import JobStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class JobItem(SparseContractDocument):
    """Attributes that do not apply yet are absent from the item, never null: None here means absent."""

    contract_schema = "job-item"
    nested_documents: ClassVar = {"error": JobError, "progress": JobProgress}

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    attempts: JsonInteger
    payload: str | None = None
    """The payload's JSON text, unless it was stored aside; the item has exactly one of it and payload_ref."""
    payload_ref: str | None = None
    """The files bucket's key of a payload too large for the item (payloads/{job_id}/payload.json)."""
    result: str | None = None
    result_ref: str | None = None
    """The files bucket's key of a result too large for the item (the claim check), instead of `result`."""
    error: JobError | None = None
    progress: JobProgress | None = None
    """The running attempt's last progress report; the worker writes it, and only while IN_PROGRESS."""
    claim_token: str | None = None
    lease_expires_at: JsonInteger | None = None
    sweep_shard: JsonInteger | None = None
    sweep_at: JsonInteger | None = None
    sweeps: JsonInteger | None = None
    refused_completions: JsonInteger | None = None
    expires_at: JsonInteger | None = None
    """Epoch seconds after which DynamoDB may delete the finished job (time to live); not in its record."""
    owner: str | None = None
    """The `sub` of the signed-in caller who submitted the job; None in a deployment without sign-in."""
    owner_type: str | None = None
    owner_status: str | None = None
    owner_type_status: str | None = None
    """The listing indexes' partition keys (jobs.listing_indexes), present exactly when `owner` is."""
