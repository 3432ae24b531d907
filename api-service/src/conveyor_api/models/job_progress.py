"""A running job's last progress report (contract `job-progress`), in its item and its record."""

from dataclasses import dataclass

from conveyor_api.models.contract_document import ContractDocument, JsonInteger


@dataclass(frozen=True, slots=True, kw_only=True)
class JobProgress(ContractDocument):
    contract_schema = "job-progress"

    percent: JsonInteger
    message: str
    updated_at: str
