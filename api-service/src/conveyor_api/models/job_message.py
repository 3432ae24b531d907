"""The body of the SQS message sent for each accepted job (contract `job-message`)."""

from dataclasses import dataclass
from typing import Literal

from conveyor_api.models.contract_document import ContractDocument


@dataclass(frozen=True, slots=True, kw_only=True)
class JobMessage(ContractDocument):
    """Points at the job; the worker reads the payload from the job item when it claims the job."""

    contract_schema = "job-message"

    contract_version: Literal["1"]
    job_id: str
    job_type: str
    submitted_at: str
