"""The body of POST /uploads (contract `upload-request`)."""

from dataclasses import dataclass

from conveyor_api.models.contract_document import ContractDocument


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadRequest(ContractDocument):
    contract_schema = "upload-request"

    content_type: str
