"""The Lambda entry point: settings from the environment and boto3 clients, built at import."""

import importlib
import math
import sys
import uuid
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from tests.support.dynamo import JobsTable
from tests.support.events import sqs_event, sqs_record
from tests.support.items import job_message_body, queued_item
from tests.support.lambda_context import FakeLambdaContext
from tests.support.logs import printed_log_lines
from tests.support.sqs import JobsQueue

MODULE = "conveyor_worker.lambda_function"
ENVIRONMENT = (
    "JOBS_TABLE_NAME",
    "JOBS_QUEUE_URL",
    "JOB_LEASE_SECONDS",
    "MAX_RECEIVE_COUNT",
    "RETRY_BASE_DELAY_SECONDS",
    "RETRY_MAX_DELAY_SECONDS",
    "JOB_RETENTION_DAYS",
    "FILES_BUCKET_NAME",
    "EMAIL_SENDER",
    "EMAIL_CONFIGURATION_SET",
)


@pytest.fixture(autouse=True)
def fresh_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, MODULE, raising=False)


def _configure(monkeypatch: pytest.MonkeyPatch, jobs_table: JobsTable, jobs_queue: JobsQueue) -> None:
    monkeypatch.setenv("JOBS_TABLE_NAME", jobs_table.name)
    monkeypatch.setenv("JOBS_QUEUE_URL", jobs_queue.url)
    monkeypatch.setenv("JOB_LEASE_SECONDS", "60")
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "3")
    monkeypatch.setenv("RETRY_BASE_DELAY_SECONDS", "2")
    monkeypatch.setenv("RETRY_MAX_DELAY_SECONDS", "30")
    monkeypatch.setenv("JOB_RETENTION_DAYS", "7")
    monkeypatch.setenv("FILES_BUCKET_NAME", "conveyor-files")
    monkeypatch.setenv("EMAIL_SENDER", "")
    monkeypatch.setenv("EMAIL_CONFIGURATION_SET", "")


def test_the_lambda_handler_processes_a_batch_with_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, jobs_table: JobsTable, jobs_queue: JobsQueue
) -> None:
    item = queued_item("text_transform", {"text": "hi"})
    jobs_table.put(item)
    _configure(monkeypatch, jobs_table, jobs_queue)

    lambda_function = importlib.import_module(MODULE)
    response = lambda_function.lambda_handler(
        sqs_event(sqs_record(job_message_body(item["job_id"]), message_id="m")),
        FakeLambdaContext("conveyor-core-worker"),
    )

    assert response == {"batchItemFailures": []}
    finished = jobs_table.get(item["job_id"]) or {}
    assert finished["status"] == "SUCCEEDED"
    # JOB_RETENTION_DAYS reached the processor: the job expires 7 days after it finished.
    finished_at = datetime.fromisoformat(finished["finished_at"])
    assert finished["expires_at"] == math.ceil((finished_at + timedelta(days=7)).timestamp())


def test_every_line_about_a_job_carries_the_invocations_request_id_and_cold_start_and_no_constants(
    monkeypatch: pytest.MonkeyPatch,
    jobs_table: JobsTable,
    jobs_queue: JobsQueue,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A service name of the test's own: Powertools loggers of one name share the handler made for the first.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"conveyor-worker-{uuid.uuid4().hex[:8]}")
    _configure(monkeypatch, jobs_table, jobs_queue)
    lambda_handler = importlib.import_module(MODULE).lambda_handler
    invocations = []
    for _ in range(2):
        item = queued_item("text_transform", {"text": "hi"})
        jobs_table.put(item)
        context = FakeLambdaContext("conveyor-core-worker")
        lambda_handler(sqs_event(sqs_record(job_message_body(item["job_id"]), message_id="m")), context)
        invocations.append((item["job_id"], context.aws_request_id))

    logged = printed_log_lines(capsys.readouterr().out)
    for index, (job_id, request_id) in enumerate(invocations):
        about_the_job = [line for line in logged if line.get("correlation_id") == job_id]
        assert about_the_job, f"no line about job {job_id}"
        assert {line["function_request_id"] for line in about_the_job} == {request_id}
        # One value in the function's whole log group, whose bytes CloudWatch Logs would bill on every line.
        assert not any(
            {"function_name", "function_arn", "function_memory_size"} & line.keys() for line in about_the_job
        )
        assert all(isinstance(line["cold_start"], bool) for line in about_the_job)
        if index:  # whether the first was cold depends on what ran before in this process
            assert {line["cold_start"] for line in about_the_job} == {False}


@pytest.mark.parametrize("missing", ENVIRONMENT)
def test_the_lambda_function_refuses_to_start_without_its_settings(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    for variable in ENVIRONMENT:
        monkeypatch.setenv(variable, "https://queue.example/1" if variable == "JOBS_QUEUE_URL" else "1")
    monkeypatch.delenv(missing)

    with pytest.raises(ValidationError, match=missing):
        importlib.import_module(MODULE)
