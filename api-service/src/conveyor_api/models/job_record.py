"""What POST /jobs and GET /jobs/{job_id} return (contract `job-record`)."""

from dataclasses import dataclass
from typing import ClassVar

from conveyor_api.json_types import JsonObject
from conveyor_api.models.contract_document import ContractDocument, JsonInteger
from conveyor_api.models.job_error import JobError
from conveyor_api.models.job_progress import JobProgress
from conveyor_api.models.job_status import JobStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRecord(ContractDocument):
    """Every attribute is always present; those that do not apply yet are null."""

    contract_schema = "job-record"
    nested_documents: ClassVar = {"error": JobError, "progress": JobProgress}

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    attempts: JsonInteger
    result: JsonObject | None
    result_url: str | None
    error: JobError | None
    progress: JobProgress | None
    """The running attempt's last report while IN_PROGRESS; None in every other status."""
