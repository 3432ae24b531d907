"""Every error response of the API: RFC 9457 problem details (contract `problem`)."""

from pydantic import BaseModel, ConfigDict

from conveyor_api.models.contract_document import SparseContractDocument


class Violation(BaseModel):
    """One way the request body breaks the contract, and where (a JSON pointer into the body)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    pointer: str
    message: str


class Problem(SparseContractDocument):
    """`instance` and `errors` are absent, not null, when they do not apply."""

    contract_schema = "problem"

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[Violation] | None = None
