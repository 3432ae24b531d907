"""The worker's and the sweeper's configuration, read once per process from the environment.

docs/design.md, Configuration. No field has a default: a missing variable fails at start-up, naming it.
"""

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

# SQS refuses a visibility timeout above 12 hours, so no backoff may ask for a longer one.
_MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200
# SQS keeps a message at most 14 days.
_MAX_MESSAGE_RETENTION_SECONDS = 1_209_600
# A century: a longer retention would soon push expires_at past the contract's bound (epoch seconds
# 9999999999, the year 2286), which is there to refuse epoch milliseconds.
_MAX_JOB_RETENTION_DAYS = 36_500


class _FromEnvironment(BaseModel):
    # By alias reads the environment's names; by name keeps `Settings(jobs_table_name=...)` working.
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


class Settings(_FromEnvironment):
    """The worker function's settings."""

    jobs_table_name: str = Field(validation_alias="JOBS_TABLE_NAME", min_length=1)
    jobs_queue_url: str = Field(validation_alias="JOBS_QUEUE_URL", min_length=1)
    job_lease_seconds: int = Field(validation_alias="JOB_LEASE_SECONDS", gt=0)
    max_receive_count: int = Field(validation_alias="MAX_RECEIVE_COUNT", gt=0)
    # 0 is allowed for both: it means "retry as soon as SQS can", a backoff switched off.
    retry_base_delay_seconds: int = Field(validation_alias="RETRY_BASE_DELAY_SECONDS", ge=0)
    retry_max_delay_seconds: int = Field(
        validation_alias="RETRY_MAX_DELAY_SECONDS", ge=0, le=_MAX_VISIBILITY_TIMEOUT_SECONDS
    )
    """Keep it below SWEEP_GRACE_SECONDS, or the sweeper re-sends jobs that are only waiting out a backoff."""
    job_retention_days: int = Field(validation_alias="JOB_RETENTION_DAYS", ge=1, le=_MAX_JOB_RETENTION_DAYS)
    """How long a finished job is kept: expires_at is finished_at plus this (docs/design.md, Retention)."""
    files_bucket_name: str = Field(validation_alias="FILES_BUCKET_NAME", min_length=1)
    """The files bucket: image_resize reads uploads/ and writes results/, where large results go too."""
    email_sender: str = Field(validation_alias="EMAIL_SENDER")
    """send_email's From address, an SES identity of the account or of a verified domain; empty: the
    deployment sends no email (its send_email jobs fail EMAIL_NOT_CONFIGURED, and the worker stack does not
    publish the type, so the API refuses them first)."""
    email_configuration_set: str = Field(validation_alias="EMAIL_CONFIGURATION_SET")
    """The SES configuration set each email names (its event destinations, its IP pool); empty: none."""


class SweeperSettings(_FromEnvironment):
    """The sweeper function's settings."""

    jobs_table_name: str = Field(validation_alias="JOBS_TABLE_NAME", min_length=1)
    jobs_queue_url: str = Field(validation_alias="JOBS_QUEUE_URL", min_length=1)
    jobs_dead_letter_queue_url: str = Field(validation_alias="JOBS_DEAD_LETTER_QUEUE_URL", min_length=1)
    """Where the sweeper looks for messages of jobs that are still pending (docs/design.md, The sweeper)."""
    sweep_grace_seconds: int = Field(validation_alias="SWEEP_GRACE_SECONDS", gt=0)
    """How long after a job's sweep_at (a lease expiry) the sweeper acts on it."""
    message_retention_seconds: int = Field(
        validation_alias="MESSAGE_RETENTION_SECONDS", ge=60, le=_MAX_MESSAGE_RETENTION_SECONDS
    )
    """The longest the jobs queue or its DLQ keeps a message: after it, none of a job's messages can exist."""
    max_receive_count: int = Field(validation_alias="MAX_RECEIVE_COUNT", gt=0)
    job_retention_days: int = Field(validation_alias="JOB_RETENTION_DAYS", ge=1, le=_MAX_JOB_RETENTION_DAYS)
    """The worker's retention, from the same parameter: a job the sweeper fails is kept as long."""
