"""Why a job ended FAILED (contract `job-error`)."""

from dataclasses import dataclass

from conveyor_api.models.contract_document import ContractDocument


@dataclass(frozen=True, slots=True, kw_only=True)
class JobError(ContractDocument):
    contract_schema = "job-error"

    code: str
    message: str
