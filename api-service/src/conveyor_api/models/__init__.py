"""Models of the contract documents the API reads and writes, one module per document."""

from conveyor_api.models.contract_document import InvalidDocumentError
from conveyor_api.models.job_error import JobError
from conveyor_api.models.job_item import JobItem
from conveyor_api.models.job_list import JobList
from conveyor_api.models.job_list_query import JobListQuery
from conveyor_api.models.job_message import JobMessage
from conveyor_api.models.job_progress import JobProgress
from conveyor_api.models.job_record import JobRecord
from conveyor_api.models.job_request import JobRequest
from conveyor_api.models.job_status import JobStatus
from conveyor_api.models.problem import Problem, Violation
from conveyor_api.models.upload_request import UploadRequest
from conveyor_api.models.upload_ticket import UploadTicket

__all__ = [
    "InvalidDocumentError",
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
]
