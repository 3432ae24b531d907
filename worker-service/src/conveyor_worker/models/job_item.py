"""The job as stored in DynamoDB, in its plain JSON form (contracts/v1/job-item.schema.json)."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class JobStatus(StrEnum):
    """Mirrors contracts/v1/job-status.schema.json."""

    QUEUED = "QUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class JobError(BaseModel):
    """Mirrors contracts/v1/job-error.schema.json: why a job ended FAILED."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    message: str = Field(min_length=1, max_length=2000)


class JobProgress(BaseModel):
    """Mirrors contracts/v1/job-progress.schema.json: the running attempt's last stored progress report."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent: int = Field(ge=0, le=100)
    message: str = Field(max_length=200)
    updated_at: str


class JobItem(BaseModel):
    """Mirrors contracts/v1/job-item.schema.json; None stands for an absent attribute (never NULL)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    attempts: int = Field(ge=0)
    payload: str | None = None
    """JSON text of the payload object, unless it was stored aside (payload_ref): an item has exactly one."""
    payload_ref: str | None = None
    """The files bucket's key of the payload's JSON text, payloads/{job_id}/payload.json, instead of
    `payload` (the API stores a large payload aside)."""
    result: str | None = None
    """JSON text of the result object, when at most 65536 bytes; only when SUCCEEDED."""
    result_ref: str | None = None
    """The files bucket's key of a larger result's JSON text, instead of `result` (the claim-check rule)."""
    error: JobError | None = None
    claim_token: str | None = None
    lease_expires_at: int | None = Field(default=None, ge=0)
    """Epoch milliseconds."""
    sweep_shard: int | None = Field(default=None, ge=0, le=15)
    """Partition of the sparse sweep index; present only while the job is pending."""
    sweep_at: int | None = Field(default=None, ge=0)
    """Epoch ms the sweeper measures its grace period from; present only while the job is pending."""
    sweeps: int | None = Field(default=None, ge=0)
    """How many times the sweeper re-sent the job's message."""
    refused_completions: int | None = Field(default=None, ge=0)
    """Completions refused because their claim no longer held: stale workers' dropped results."""
    expires_at: int | None = Field(default=None, ge=0, le=9_999_999_999)
    """Epoch SECONDS (DynamoDB's time to live) after which the item may be deleted; only once finished."""
    progress: JobProgress | None = None
    """The running attempt's last progress report; only while IN_PROGRESS."""
    owner: str | None = None
    """The submitter's `sub`, in a deployment with sign-in; with it come the three listing keys below."""
    owner_type: str | None = None
    owner_status: str | None = None
    """`{owner}#{status}`: kept matching `status` by every write that changes it."""
    owner_type_status: str | None = None
    """`{owner}#{job_type}#{status}`: kept matching `status` like owner_status."""
