"""The Lambda entry point builds its handler at import, from the environment alone."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conveyor_api.settings import MissingSettingsError
from tests.support.events import load_event
from tests.support.lambda_context import LambdaContext

ENVIRONMENT = {
    "JOBS_TABLE_NAME": "jobs",
    "JOBS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "CORS_ALLOW_ORIGIN": "*",
    "FILES_BUCKET_NAME": "files",
    "AUTH_MODE": "none",
    "POWERTOOLS_SERVICE_NAME": "conveyor-api",
    "POWERTOOLS_METRICS_NAMESPACE": "Conveyor",
    "PAYLOAD_INLINE_MAX_BYTES": "4096",
    "JOB_RETENTION_DAYS": "30",
    "JOB_TYPES_PARAMETER_NAME": "/conveyor-unit/worker/job-types",
}


def _fresh_import() -> ModuleType:
    sys.modules.pop("conveyor_api.lambda_function", None)
    return importlib.import_module("conveyor_api.lambda_function")


def test_lambda_handler_serves_requests_with_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)

    response = _fresh_import().lambda_handler(load_event("get_health"), LambdaContext())

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_lambda_init_fails_loudly_without_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(MissingSettingsError):
        _fresh_import()


def test_lambda_init_imports_neither_pydantic_nor_boto3_nor_the_idempotency_utility() -> None:
    # Cold starts pay for every import (docs/hand-written.md, The API's models and clients): the models need
    # no pydantic, botocore's session makes the clients without boto3 and its s3transfer, and requests without
    # an Idempotency-Key never need Powertools' utility, which the first keyed request loads.
    environment = {**os.environ, **ENVIRONMENT}
    unwanted = ("pydantic", "boto3", "s3transfer", "aws_lambda_powertools.utilities.idempotency")
    probe = (
        "import json, sys, conveyor_api.lambda_function; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({unwanted!r}))))"
    )

    loaded = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )

    assert json.loads(loaded.stdout) == []


def test_log_lines_name_the_service_the_environment_gives() -> None:
    # Powertools' Logger reads POWERTOOLS_SERVICE_NAME itself, at import; the settings require it as well.
    environment = {**os.environ, **ENVIRONMENT, "POWERTOOLS_SERVICE_NAME": "conveyor-api-probe"}
    probe = (
        "import conveyor_api.lambda_function\n"
        "from conveyor_api.handlers.http import logger\n"
        "logger.info('probe')"
    )

    ran = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )

    [line] = [json.loads(line) for line in ran.stdout.splitlines()]
    assert (line["message"], line["service"]) == ("probe", "conveyor-api-probe")


def test_log_lines_carry_the_invocation_but_not_what_the_log_group_already_says() -> None:
    # CloudWatch Logs bills every byte of every line; the function's name, ARN and memory are one value per
    # log group (conveyor_api.log_lines). What varies by invocation stays, to join a line to Lambda's REPORT.
    event = Path(__file__).parents[1] / "events" / "get_health.json"
    probe = (
        "import json, types, conveyor_api.lambda_function as f\n"
        "from conveyor_api.handlers.http import logger\n"
        "context = types.SimpleNamespace(function_name='conveyor-api', memory_limit_in_mb=256,\n"
        "    invoked_function_arn='arn:aws:lambda:eu-west-1:123456789012:function:conveyor-api',\n"
        "    aws_request_id='req-1', get_remaining_time_in_millis=lambda: 10_000)\n"
        f"f.lambda_handler(json.loads(open({str(event)!r}).read()), context)\n"
        "logger.info('probe')"
    )

    ran = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **ENVIRONMENT},
        capture_output=True,
        text=True,
        check=True,
    )

    [line] = [json.loads(line) for line in ran.stdout.splitlines() if '"probe"' in line]
    assert line["function_request_id"] == "req-1"
    assert line["cold_start"] is True
    assert not {"function_name", "function_arn", "function_memory_size"} & line.keys()
