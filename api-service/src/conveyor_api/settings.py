"""The API's configuration, read once per process from the environment; nothing has a default."""

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class MissingSettingsError(Exception):
    """The environment lacks a variable the API needs; the message names every missing one."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    jobs_table_name: str = Field(min_length=1)
    jobs_queue_url: str = Field(min_length=1)
    idempotency_table_name: str = Field(
        min_length=1, description="Where Powertools' idempotency utility keeps each Idempotency-Key."
    )
    cors_allow_origin: str = Field(min_length=1, description="The demo page's origin, or `*`.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        names = {field: field.upper() for field in cls.model_fields}
        missing = sorted(name for name in names.values() if not environ.get(name))
        if missing:
            raise MissingSettingsError(f"set the environment variable(s) {', '.join(missing)}")
        return cls(**{field: environ[name] for field, name in names.items()})
