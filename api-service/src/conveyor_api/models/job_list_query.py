"""The query string of GET /jobs as a JSON object of its parameters (contract `job-list-query`)."""

from dataclasses import dataclass

from conveyor_api.models.contract_document import SparseContractDocument
from conveyor_api.models.job_status import JobStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class JobListQuery(SparseContractDocument):
    """Every parameter is optional; one not sent is None. Each is the text it was sent as."""

    contract_schema = "job-list-query"

    status: JobStatus | None = None
    job_type: str | None = None
    limit: str | None = None
    """1 to 100 in decimal; the page size, 20 when absent."""
    cursor: str | None = None
    """A next_cursor this API returned."""
