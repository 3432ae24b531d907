"""The API's configuration, read once per process from the environment; nothing has a default but the origin
secret, whose absence means that no edge stands in front of the API."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Literal, Self, get_args

from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES

AuthMode = Literal["jwt", "none"]
"""`jwt`: API Gateway's JWT authorizer has checked each request's token, whose `sub` claim is the caller, who
owns the jobs it submits and may list them. `none`: nobody signs in, a job id is the capability to read the
job, and listing is off."""

AUTH_MODES: tuple[str, ...] = get_args(AuthMode)


MAX_JOB_RETENTION_DAYS = 36_500
"""The core template's bound on JobRetentionDays."""

_OPTIONAL = frozenset({"origin_secret"})
"""The settings an environment may leave out, each with its meaning when it does (see its field)."""


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
    """The S3 bucket of uploads and results: the API presigns requests for it, and with sign-in reads an
    upload's metadata (HeadObject) to find whose it is."""
    auth_mode: AuthMode
    """Whether callers sign in (`jwt`) or not (`none`): exactly one of AUTH_MODES."""
    powertools_service_name: str
    """The service dimension of the API's metrics and the `service` of its log lines (Powertools reads the
    same variable for its Logger)."""
    powertools_metrics_namespace: str
    """The CloudWatch namespace of the API's metrics."""
    payload_inline_max_bytes: int
    """A payload whose stored JSON text is longer, in UTF-8 bytes, goes to the files bucket and its item names
    it (payload_ref); 0 to MAX_STORED_PAYLOAD_BYTES, which keeps every payload inline, as workers that do not
    read payload_ref need (contracts/README.md, Payloads stored aside)."""
    job_types_parameter_name: str
    """The SSM parameter in which the worker stack publishes the job types its deployed worker runs (core's
    JobTypesParameterName): the API accepts no other. A missing parameter (a worker stack older than it) lets
    every type of the contract through."""
    job_retention_days: int
    """How long a job's item is kept after it ends (core's JobRetentionDays, the worker's JOB_RETENTION_DAYS):
    a cancel that ends a QUEUED job sets its expires_at, as every finishing write does; 1 to 36500."""
    origin_secret: str | None = None
    """The X-Origin-Verify header's value that the CloudFront distribution in front of the API adds to each
    request (http.origin): the API refuses requests without it. None (ORIGIN_SECRET unset or empty) serves
    every request, as an API with nothing in front must: `make dev`'s, and one deployed without an edge."""

    def __post_init__(self) -> None:
        empty = [field.name for field in fields(self) if getattr(self, field.name) == ""]
        if empty:
            raise ValueError(f"settings must not be empty: {', '.join(empty)}")
        if self.auth_mode not in AUTH_MODES:
            raise ValueError(f"AUTH_MODE must be one of {', '.join(AUTH_MODES)}, not {self.auth_mode!r}")
        if not 0 <= self.payload_inline_max_bytes <= MAX_STORED_PAYLOAD_BYTES:
            raise ValueError(
                f"PAYLOAD_INLINE_MAX_BYTES must be from 0 to {MAX_STORED_PAYLOAD_BYTES},"
                f" not {self.payload_inline_max_bytes}"
            )
        if not 1 <= self.job_retention_days <= MAX_JOB_RETENTION_DAYS:
            raise ValueError(
                f"JOB_RETENTION_DAYS must be from 1 to {MAX_JOB_RETENTION_DAYS},"
                f" not {self.job_retention_days}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Self:
        names = {field.name: field.name.upper() for field in fields(cls) if field.name not in _OPTIONAL}
        missing = sorted(name for name in names.values() if not environ.get(name))
        if missing:
            raise MissingSettingsError(f"set the environment variable(s) {', '.join(missing)}")
        values: dict[str, str | int | None] = {field: environ[name] for field, name in names.items()}
        values["payload_inline_max_bytes"] = _whole_number("PAYLOAD_INLINE_MAX_BYTES", environ)
        values["job_retention_days"] = _whole_number("JOB_RETENTION_DAYS", environ)
        values["origin_secret"] = environ.get("ORIGIN_SECRET") or None
        # The values that are not free text are checked in __post_init__, as for settings made in code.
        return cls(**values)  # type: ignore[arg-type]


def _whole_number(name: str, environ: Mapping[str, str]) -> int:
    text = environ[name]
    if not text.isdecimal() or not text.isascii():
        raise ValueError(f"{name} must be a whole number, not {text!r}")
    return int(text)
