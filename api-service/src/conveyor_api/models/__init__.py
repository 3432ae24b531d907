"""Models of the contract documents the API reads and writes: generated from contracts/v1 into generated/ by
`make contracts` (never edited by hand), on the hand-written bases of contract_document.

Every document model is checked against its schema whenever it is made, except JobRequest: a request is
checked once, by jobs.request_validation, with a message per violation, before its model is made; for a large
payload that check is the costliest step of a request.
"""

from conveyor_api.models.contract_document import ContractViolationError
from conveyor_api.models.generated.job_batch_response_schema import JobBatchResponse, JobBatchResult
from conveyor_api.models.generated.job_error_schema import JobError
from conveyor_api.models.generated.job_item_schema import JobItem
from conveyor_api.models.generated.job_list_query_schema import JobListQuery
from conveyor_api.models.generated.job_list_schema import JobList
from conveyor_api.models.generated.job_message_schema import JobMessage
from conveyor_api.models.generated.job_progress_schema import JobProgress
from conveyor_api.models.generated.job_record_schema import JobRecord
from conveyor_api.models.generated.job_request_schema import JobRequest
from conveyor_api.models.generated.problem_schema import Error as Violation
from conveyor_api.models.generated.problem_schema import Problem
from conveyor_api.models.generated.upload_request_schema import UploadRequest
from conveyor_api.models.generated.upload_ticket_schema import UploadTicket
from conveyor_api.models.generated.worker_job_types_schema import WorkerJobTypes
from conveyor_api.models.job_status import JobStatus

__all__ = [
    "ContractViolationError",
    "JobBatchResponse",
    "JobBatchResult",
    "JobError",
    "JobItem",
    "JobList",
    "JobListQuery",
    "JobMessage",
    "JobProgress",
    "JobRecord",
    "JobRequest",
    "JobStatus",
    "Problem",
    "UploadRequest",
    "UploadTicket",
    "Violation",
    "WorkerJobTypes",
]
