"""The body of POST /jobs (contract `job-request`)."""

from dataclasses import dataclass
from typing import Self

from conveyor_api import contract
from conveyor_api.json_types import JsonObject, JsonValue
from conveyor_api.models.contract_document import ContractViolationError, JsonDocument
from conveyor_api.models.generated.problem_schema import Error as Violation


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRequest(JsonDocument):
    """A job request whose payload has already been checked against its job type's input schema.

    Unlike the other documents, a request is not re-checked against the whole contract here: that check
    is what `jobs.request_validation` does once, with a message per violation, and for a large payload it
    is the costliest step of a request.
    """

    job_type: str
    payload: JsonObject

    def __post_init__(self) -> None:
        if self.job_type not in contract.job_types():
            raise _not_a_job_request("/job_type", f"must be one of {', '.join(contract.job_types())}")

    @classmethod
    def from_document(cls, document: JsonValue) -> Self:
        """The request `document` is, as `json` reads it; raises ContractViolationError if it is not one."""
        if not isinstance(document, dict) or sorted(document) != ["job_type", "payload"]:
            raise _not_a_job_request("", "an object of job_type and payload, and nothing else")
        job_type, payload = document["job_type"], document["payload"]
        if not isinstance(job_type, str) or not isinstance(payload, dict):
            raise _not_a_job_request("", "job_type must be a string and payload an object")
        return cls(job_type=job_type, payload=payload)


def _not_a_job_request(pointer: str, message: str) -> ContractViolationError:
    return ContractViolationError("job-request", [Violation(pointer=pointer, message=message)])
