"""Each function's process gets the environment its stack deployed, aimed at moto only."""

from __future__ import annotations

import pytest
from conveyor_local.config import ConfigError, LocalStackConfig
from conveyor_local.dev import function_environment
from conveyor_local.provision import DeployedFunction

API = DeployedFunction(
    name="conveyor-core-api",
    environment={
        "JOBS_TABLE_NAME": "conveyor-core-JobsTable-4M7H9BMOSMVN",
        "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-core-jobs",
        "IDEMPOTENCY_TABLE_NAME": "conveyor-core-IdempotencyTable-4QJ5O0R41JKE",
        "CORS_ALLOW_ORIGIN": "http://127.0.0.1:8001",
    },
    event_source_arns=(),
)
DEVELOPER_SHELL = {
    "PATH": "/usr/bin",
    "AWS_PROFILE": "production",
    "AWS_SESSION_TOKEN": "real-token",
    "AWS_ENDPOINT_URL_SQS": "https://sqs.eu-west-1.amazonaws.com",
}


def test_a_function_gets_its_deployed_environment_aimed_at_moto_and_nothing_of_the_developers_aws() -> None:
    settings = LocalStackConfig(aws_port=5001, api_port=8081, web_port=8001)

    environment = function_environment(DEVELOPER_SHELL, settings, API)

    assert environment == {
        "PATH": "/usr/bin",
        **API.environment,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5001",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONUNBUFFERED": "1",
    }


def test_a_setting_the_stack_did_not_deploy_stays_missing_whatever_the_shell_holds() -> None:
    shell = {**DEVELOPER_SHELL, "JOBS_TABLE_NAME": "a-table-of-my-own", "JOB_LEASE_SECONDS": "30"}

    environment = function_environment(shell, LocalStackConfig(), API)

    assert environment["JOBS_TABLE_NAME"] == API.environment["JOBS_TABLE_NAME"]
    assert "JOB_LEASE_SECONDS" not in environment


def test_the_local_stacks_own_switches_and_powertools_debugging_reach_the_function() -> None:
    shell = {**DEVELOPER_SHELL, "CONVEYOR_AWS_CALL_LOG": "/tmp/calls", "POWERTOOLS_LOG_LEVEL": "DEBUG"}

    environment = function_environment(shell, LocalStackConfig(), API)

    assert environment["CONVEYOR_AWS_CALL_LOG"] == "/tmp/calls"
    assert environment["POWERTOOLS_LOG_LEVEL"] == "DEBUG"


def test_ports_come_from_the_environment() -> None:
    settings = LocalStackConfig.from_env({"CONVEYOR_AWS_PORT": "5002", "CONVEYOR_WEB_PORT": "8002"})

    assert (settings.aws_port, settings.api_port, settings.web_port) == (5002, 8080, 8002)
    assert settings.api_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("value", ["http", "0", "70000", "-1"])
def test_a_port_that_is_not_a_port_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="CONVEYOR_API_PORT"):
        LocalStackConfig.from_env({"CONVEYOR_API_PORT": value})
