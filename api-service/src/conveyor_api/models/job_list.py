"""What GET /jobs returns: one page of the caller's jobs, newest first (contract `job-list`)."""

from dataclasses import dataclass
from typing import ClassVar

from conveyor_api.models.contract_document import ContractDocument
from conveyor_api.models.job_record import JobRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class JobList(ContractDocument):
    contract_schema = "job-list"
    nested_documents: ClassVar = {"jobs": JobRecord}

    jobs: list[JobRecord]
    next_cursor: str | None
    """Null on the last page; otherwise the `cursor` of the next one."""
