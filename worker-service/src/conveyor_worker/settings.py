"""The worker's configuration, read once per process from the environment (docs/design.md, Configuration)."""

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """No field has a default: a missing variable fails at start-up, naming the variable."""

    # By alias reads the environment's names; by name keeps `Settings(jobs_table_name=...)` working.
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=True)

    jobs_table_name: str = Field(validation_alias="JOBS_TABLE_NAME", min_length=1)
    job_lease_seconds: int = Field(validation_alias="JOB_LEASE_SECONDS", gt=0)
    max_receive_count: int = Field(validation_alias="MAX_RECEIVE_COUNT", gt=0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))
