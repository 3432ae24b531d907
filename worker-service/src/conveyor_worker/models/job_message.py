"""The SQS message body: it only points at a job, whose payload lives in the job item."""

from typing import Literal

from pydantic import BaseModel, ConfigDict


class JobMessage(BaseModel):
    """Mirrors contracts/v1/job-message.schema.json (the schema is checked before this model is built)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contract_version: Literal["1"]
    job_id: str
    job_type: str
    submitted_at: str
