"""Settings come from the environment once, and a missing one stops the process with its name."""

from dataclasses import asdict

import pytest

from conveyor_api.settings import MissingSettingsError, Settings

ENVIRONMENT = {
    "JOBS_TABLE_NAME": "jobs",
    "JOBS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "CORS_ALLOW_ORIGIN": "https://demo.conveyor.example",
    "FILES_BUCKET_NAME": "files",
    "AUTH_MODE": "jwt",
    "POWERTOOLS_SERVICE_NAME": "conveyor-api",
    "POWERTOOLS_METRICS_NAMESPACE": "Conveyor",
    "PAYLOAD_INLINE_MAX_BYTES": "4096",
    "JOB_RETENTION_DAYS": "30",
    "JOB_TYPES_PARAMETER_NAME": "/conveyor-core/worker/job-types",
    "UNRELATED": "ignored",
}


def test_settings_are_read_from_their_environment_variables() -> None:
    assert Settings.from_env(ENVIRONMENT) == Settings(
        jobs_table_name="jobs",
        jobs_queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
        idempotency_table_name="idempotency",
        cors_allow_origin="https://demo.conveyor.example",
        files_bucket_name="files",
        auth_mode="jwt",
        powertools_service_name="conveyor-api",
        powertools_metrics_namespace="Conveyor",
        payload_inline_max_bytes=4096,
        job_types_parameter_name="/conveyor-core/worker/job-types",
        job_retention_days=30,
    )


def test_missing_and_empty_variables_are_named_in_the_error() -> None:
    environment = {"JOBS_QUEUE_URL": ENVIRONMENT["JOBS_QUEUE_URL"], "CORS_ALLOW_ORIGIN": ""}

    with pytest.raises(
        MissingSettingsError,
        match=(
            r"AUTH_MODE, CORS_ALLOW_ORIGIN, FILES_BUCKET_NAME, IDEMPOTENCY_TABLE_NAME, JOBS_TABLE_NAME, "
            r"JOB_RETENTION_DAYS, JOB_TYPES_PARAMETER_NAME, "
            r"PAYLOAD_INLINE_MAX_BYTES, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME$"
        ),
    ):
        Settings.from_env(environment)


def test_settings_made_in_code_refuse_an_empty_value() -> None:
    with pytest.raises(ValueError, match="jobs_table_name"):
        Settings(
            jobs_table_name="",
            jobs_queue_url=ENVIRONMENT["JOBS_QUEUE_URL"],
            idempotency_table_name="idempotency",
            cors_allow_origin="*",
            files_bucket_name="files",
            auth_mode="none",
            powertools_service_name="conveyor-api",
            powertools_metrics_namespace="Conveyor",
            payload_inline_max_bytes=4096,
            job_types_parameter_name="/conveyor-core/worker/job-types",
            job_retention_days=30,
        )


@pytest.mark.parametrize("mode", ["jwt", "none"])
def test_auth_mode_is_jwt_or_none(mode: str) -> None:
    assert Settings.from_env(ENVIRONMENT | {"AUTH_MODE": mode}).auth_mode == mode


@pytest.mark.parametrize("mode", ["JWT", "cognito", "off", " none", "true"])
def test_any_other_auth_mode_stops_the_process_with_the_choices(mode: str) -> None:
    with pytest.raises(ValueError, match="AUTH_MODE must be one of jwt, none"):
        Settings.from_env(ENVIRONMENT | {"AUTH_MODE": mode})


def test_auth_mode_has_no_default() -> None:
    environment = {name: value for name, value in ENVIRONMENT.items() if name != "AUTH_MODE"}

    with pytest.raises(MissingSettingsError, match=r"set the environment variable\(s\) AUTH_MODE$"):
        Settings.from_env(environment)


def test_without_an_origin_secret_the_api_has_no_edge() -> None:
    assert Settings.from_env(ENVIRONMENT).origin_secret is None
    # The template sets the variable only behind an edge; an empty one means the same.
    assert Settings.from_env(ENVIRONMENT | {"ORIGIN_SECRET": ""}).origin_secret is None


def test_the_origin_secret_is_read_from_its_environment_variable() -> None:
    assert Settings.from_env(ENVIRONMENT | {"ORIGIN_SECRET": "s" * 43}).origin_secret == "s" * 43


def test_settings_made_in_code_refuse_an_empty_origin_secret() -> None:
    with pytest.raises(ValueError, match="origin_secret"):
        Settings(**{**asdict(Settings.from_env(ENVIRONMENT)), "origin_secret": ""})


@pytest.mark.parametrize("value", ["0", "4096", "262144"])
def test_payload_inline_max_bytes_is_read_as_a_whole_number_of_bytes(value: str) -> None:
    settings = Settings.from_env(ENVIRONMENT | {"PAYLOAD_INLINE_MAX_BYTES": value})

    assert settings.payload_inline_max_bytes == int(value)


@pytest.mark.parametrize("value", ["4 KiB", "-1", "4096.0", "262145", "٤٠٩٦"])
def test_a_payload_inline_max_bytes_that_is_no_byte_count_up_to_the_stored_payload_bound_stops_the_process(
    value: str,
) -> None:
    with pytest.raises(ValueError, match="PAYLOAD_INLINE_MAX_BYTES must be"):
        Settings.from_env(ENVIRONMENT | {"PAYLOAD_INLINE_MAX_BYTES": value})


@pytest.mark.parametrize("value", ["0", "36501", "-1", "30.5", "thirty"])
def test_a_job_retention_outside_1_to_36500_whole_days_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="JOB_RETENTION_DAYS must be"):
        Settings.from_env(ENVIRONMENT | {"JOB_RETENTION_DAYS": value})
