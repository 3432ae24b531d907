"""The body of POST /jobs (contract `job-request`)."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from conveyor_api import contract
from conveyor_api.models.contract_document import JsonObject


def _known_job_type(job_type: str) -> str:
    if job_type not in contract.job_types():
        raise ValueError(f"job_type must be one of {', '.join(contract.job_types())}")
    return job_type


class JobRequest(BaseModel):
    """A job request whose payload has already been checked against its job type's input schema.

    Unlike the other documents, a request is not re-checked against the whole contract here: that check
    is what `jobs.request_validation` does once, with a message per violation, and for a large payload it
    is the costliest step of a request.
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    job_type: Annotated[str, AfterValidator(_known_job_type)]
    payload: JsonObject
