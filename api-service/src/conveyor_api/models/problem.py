"""Every error response of the API: RFC 9457 problem details (contract `problem`)."""

from dataclasses import dataclass
from typing import ClassVar

from conveyor_api.models.contract_document import JsonDocument, SparseContractDocument


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation(JsonDocument):
    """One way the request body breaks the contract, and where (a JSON pointer into the body)."""

    pointer: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem(SparseContractDocument):
    """`instance` and `errors` are absent, not null, when they do not apply."""

    contract_schema = "problem"
    nested_documents: ClassVar = {"errors": Violation}

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[Violation] | None = None
