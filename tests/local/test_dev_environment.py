"""Each function's process gets its own Lambda-like environment, aimed at moto only."""

from __future__ import annotations

import pytest
from conveyor_local.config import (
    MAX_RECEIVE_COUNT,
    QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    RETRY_MAX_DELAY_SECONDS,
    ConfigError,
    LocalStackConfig,
)
from conveyor_local.dev import api_environment, sweeper_environment, worker_environment
from conveyor_local.provision import ProvisionedResources

RESOURCES = ProvisionedResources(
    table_name="conveyor-jobs",
    queue_url="http://127.0.0.1:5000/123456789012/conveyor-jobs",
    queue_arn="arn:aws:sqs:us-east-1:123456789012:conveyor-jobs",
    dlq_url="http://127.0.0.1:5000/123456789012/conveyor-jobs-dlq",
    dlq_arn="arn:aws:sqs:us-east-1:123456789012:conveyor-jobs-dlq",
    idempotency_table_name="conveyor-idempotency",
)
DEVELOPER_SHELL = {
    "PATH": "/usr/bin",
    "AWS_PROFILE": "production",
    "AWS_SESSION_TOKEN": "real-token",
    "AWS_ENDPOINT_URL_SQS": "https://sqs.eu-west-1.amazonaws.com",
}


def test_api_environment() -> None:
    settings = LocalStackConfig(aws_port=5001, api_port=8081, web_port=8001)

    environment = api_environment(DEVELOPER_SHELL, settings, RESOURCES)

    assert environment == {
        "PATH": "/usr/bin",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5001",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "conveyor-api",
        "PYTHONUNBUFFERED": "1",
        "JOBS_TABLE_NAME": "conveyor-jobs",
        "JOBS_QUEUE_URL": RESOURCES.queue_url,
        "IDEMPOTENCY_TABLE_NAME": "conveyor-idempotency",
        "CORS_ALLOW_ORIGIN": "http://127.0.0.1:8001",
    }


def test_worker_environment() -> None:
    environment = worker_environment(DEVELOPER_SHELL, LocalStackConfig(), RESOURCES)

    assert environment["POWERTOOLS_SERVICE_NAME"] == "conveyor-worker"
    assert environment["JOBS_TABLE_NAME"] == "conveyor-jobs"
    assert int(environment["JOB_LEASE_SECONDS"]) > 0
    assert int(environment["MAX_RECEIVE_COUNT"]) > 0
    assert environment["JOBS_QUEUE_URL"] == RESOURCES.queue_url
    assert 0 <= int(environment["RETRY_BASE_DELAY_SECONDS"]) <= int(environment["RETRY_MAX_DELAY_SECONDS"])
    assert "AWS_PROFILE" not in environment


def test_sweeper_environment_leaves_sqs_redelivery_the_first_chance() -> None:
    environment = sweeper_environment(DEVELOPER_SHELL, LocalStackConfig(), RESOURCES)

    assert environment["POWERTOOLS_SERVICE_NAME"] == "conveyor-sweeper"
    assert environment["JOBS_TABLE_NAME"] == "conveyor-jobs"
    assert environment["JOBS_QUEUE_URL"] == RESOURCES.queue_url
    assert int(environment["SWEEP_GRACE_SECONDS"]) > QUEUE_VISIBILITY_TIMEOUT_SECONDS
    assert int(environment["SWEEP_GRACE_SECONDS"]) > RETRY_MAX_DELAY_SECONDS
    assert int(environment["MAX_RECEIVE_COUNT"]) == MAX_RECEIVE_COUNT


def test_ports_come_from_the_environment() -> None:
    settings = LocalStackConfig.from_env({"CONVEYOR_AWS_PORT": "5002", "CONVEYOR_WEB_PORT": "8002"})

    assert (settings.aws_port, settings.api_port, settings.web_port) == (5002, 8080, 8002)
    assert settings.api_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("value", ["http", "0", "70000", "-1"])
def test_a_port_that_is_not_a_port_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="CONVEYOR_API_PORT"):
        LocalStackConfig.from_env({"CONVEYOR_API_PORT": value})
