"""Why a job ended FAILED (contract `job-error`)."""

from conveyor_api.models.contract_document import ContractDocument


class JobError(ContractDocument):
    contract_schema = "job-error"

    code: str
    message: str
