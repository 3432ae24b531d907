from typing import Any

import pytest
from pydantic import ValidationError

from conveyor_worker.settings import Settings, SweeperSettings

WORKER_ENVIRONMENT = {
    "JOBS_TABLE_NAME": "conveyor-jobs",
    "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs",
    "JOB_LEASE_SECONDS": "60",
    "MAX_RECEIVE_COUNT": "3",
    "RETRY_BASE_DELAY_SECONDS": "2",
    "RETRY_MAX_DELAY_SECONDS": "120",
    "JOB_RETENTION_DAYS": "30",
    "FILES_BUCKET_NAME": "conveyor-files",
    "EMAIL_SENDER": "jobs@example.com",
    "EMAIL_CONFIGURATION_SET": "",
}
SWEEPER_ENVIRONMENT = {
    "JOBS_TABLE_NAME": "conveyor-jobs",
    "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs",
    "JOBS_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs-dlq",
    "SWEEP_GRACE_SECONDS": "900",
    "MESSAGE_RETENTION_SECONDS": "1209600",
    "MAX_RECEIVE_COUNT": "3",
    "JOB_RETENTION_DAYS": "30",
}
BOTH = [(Settings, WORKER_ENVIRONMENT), (SweeperSettings, SWEEPER_ENVIRONMENT)]


def test_worker_settings_are_read_from_the_environment_names() -> None:
    assert Settings.from_env({**WORKER_ENVIRONMENT, "UNRELATED": "x"}) == Settings(
        jobs_table_name="conveyor-jobs",
        jobs_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs",
        job_lease_seconds=60,
        max_receive_count=3,
        retry_base_delay_seconds=2,
        retry_max_delay_seconds=120,
        job_retention_days=30,
        files_bucket_name="conveyor-files",
        email_sender="jobs@example.com",
        email_configuration_set="",
    )


def test_sweeper_settings_are_read_from_the_environment_names() -> None:
    assert SweeperSettings.from_env({**SWEEPER_ENVIRONMENT, "UNRELATED": "x"}) == SweeperSettings(
        jobs_table_name="conveyor-jobs",
        jobs_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs",
        jobs_dead_letter_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs-dlq",
        sweep_grace_seconds=900,
        message_retention_seconds=1_209_600,
        max_receive_count=3,
        job_retention_days=30,
    )


@pytest.mark.parametrize(
    ("settings_class", "environment", "missing"),
    [
        (settings_class, environment, name)
        for settings_class, environment in BOTH
        for name in sorted(environment)
    ],
)
def test_a_missing_variable_fails_loudly_naming_it(
    settings_class: type[Settings | SweeperSettings], environment: dict[str, str], missing: str
) -> None:
    without = {name: value for name, value in environment.items() if name != missing}

    with pytest.raises(ValidationError, match=missing):
        settings_class.from_env(without)


@pytest.mark.parametrize(
    ("settings_class", "environment", "name", "value"),
    [
        (Settings, WORKER_ENVIRONMENT, "JOB_LEASE_SECONDS", "0"),
        (Settings, WORKER_ENVIRONMENT, "MAX_RECEIVE_COUNT", "three"),
        (Settings, WORKER_ENVIRONMENT, "JOBS_TABLE_NAME", ""),
        (Settings, WORKER_ENVIRONMENT, "JOBS_QUEUE_URL", ""),
        (Settings, WORKER_ENVIRONMENT, "FILES_BUCKET_NAME", ""),
        (Settings, WORKER_ENVIRONMENT, "RETRY_BASE_DELAY_SECONDS", "-1"),
        (Settings, WORKER_ENVIRONMENT, "RETRY_MAX_DELAY_SECONDS", "43201"),  # beyond SQS's 12 hours
        (SweeperSettings, SWEEPER_ENVIRONMENT, "SWEEP_GRACE_SECONDS", "0"),
        (SweeperSettings, SWEEPER_ENVIRONMENT, "MESSAGE_RETENTION_SECONDS", "59"),
        (SweeperSettings, SWEEPER_ENVIRONMENT, "MESSAGE_RETENTION_SECONDS", "1209601"),
        (SweeperSettings, SWEEPER_ENVIRONMENT, "MAX_RECEIVE_COUNT", "0"),
        *[
            (settings_class, environment, "JOB_RETENTION_DAYS", value)
            for settings_class, environment in BOTH
            # Nothing would be kept; a fraction or a unit is not a whole number of days; past a century,
            # expires_at soon outgrows the contract's bound.
            for value in ("0", "-1", "7.5", "7d", "", "36501")
        ],
    ],
)
def test_a_meaningless_value_fails_loudly(
    settings_class: type[Settings | SweeperSettings], environment: dict[str, Any], name: str, value: str
) -> None:
    with pytest.raises(ValidationError, match=name):
        settings_class.from_env({**environment, name: value})
