"""The API's configuration, read once per process from the environment; nothing has a default."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Self


class MissingSettingsError(Exception):
    """The environment lacks a variable the API needs; the message names every missing one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Each setting is read from the environment variable of its name in upper case; none may be empty."""

    jobs_table_name: str
    jobs_queue_url: str
    idempotency_table_name: str
    """Where Powertools' idempotency utility keeps each Idempotency-Key."""
    cors_allow_origin: str
    """The demo page's origin, or `*`."""
    files_bucket_name: str
    """The S3 bucket of uploads and results, which the API only presigns requests for and never calls."""

    def __post_init__(self) -> None:
        empty = [field.name for field in fields(self) if not getattr(self, field.name)]
        if empty:
            raise ValueError(f"settings must not be empty: {', '.join(empty)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        names = {field.name: field.name.upper() for field in fields(cls)}
        missing = sorted(name for name in names.values() if not environ.get(name))
        if missing:
            raise MissingSettingsError(f"set the environment variable(s) {', '.join(missing)}")
        return cls(**{field: environ[name] for field, name in names.items()})
