"""What POST /uploads returns: a presigned POST for one new upload (contract `upload-ticket`)."""

from dataclasses import dataclass

from conveyor_api.models.contract_document import ContractDocument, JsonInteger


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadTicket(ContractDocument):
    contract_schema = "upload-ticket"

    source_key: str
    url: str
    fields: dict[str, str]
    content_type: str
    max_bytes: JsonInteger
    expires_at: str
