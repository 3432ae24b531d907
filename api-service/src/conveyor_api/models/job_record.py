"""What POST /jobs and GET /jobs/{job_id} return (contract `job-record`)."""

from conveyor_api.models.contract_document import ContractDocument, JsonInteger, JsonObject
from conveyor_api.models.job_error import JobError
from conveyor_api.models.job_status import JobStatus


class JobRecord(ContractDocument):
    """Every attribute is always present; those that do not apply yet are null."""

    contract_schema = "job-record"

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    started_at: str | None
    finished_at: str | None
    attempts: JsonInteger
    result: JsonObject | None
    error: JobError | None
