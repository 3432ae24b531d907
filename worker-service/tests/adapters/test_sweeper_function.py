"""The sweeper's Lambda entry point: settings from the environment and boto3 clients, built at import."""

import importlib
import sys
import uuid

import pytest
from pydantic import ValidationError

from tests.support.dynamo import JobsTable
from tests.support.lambda_context import FakeLambdaContext
from tests.support.logs import printed_log_lines
from tests.support.sqs import JobsQueue

MODULE = "conveyor_worker.sweeper_function"
ENVIRONMENT = (
    "JOBS_TABLE_NAME",
    "JOBS_QUEUE_URL",
    "JOBS_DEAD_LETTER_QUEUE_URL",
    "SWEEP_GRACE_SECONDS",
    "MESSAGE_RETENTION_SECONDS",
    "MAX_RECEIVE_COUNT",
    "JOB_RETENTION_DAYS",
)


VALID = {"JOBS_QUEUE_URL": "https://queue.example/1", "MESSAGE_RETENTION_SECONDS": "60"}


@pytest.fixture(autouse=True)
def fresh_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, MODULE, raising=False)


def _configure(monkeypatch: pytest.MonkeyPatch, jobs_table: JobsTable, jobs_queue: JobsQueue) -> None:
    monkeypatch.setenv("JOBS_TABLE_NAME", jobs_table.name)
    monkeypatch.setenv("JOBS_QUEUE_URL", jobs_queue.url)
    monkeypatch.setenv("JOBS_DEAD_LETTER_QUEUE_URL", jobs_queue.dlq_url)
    monkeypatch.setenv("SWEEP_GRACE_SECONDS", "300")
    monkeypatch.setenv("MESSAGE_RETENTION_SECONDS", "1209600")
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "3")
    monkeypatch.setenv("JOB_RETENTION_DAYS", "7")


def test_the_lambda_handler_sweeps_with_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, jobs_table: JobsTable, jobs_queue: JobsQueue
) -> None:
    _configure(monkeypatch, jobs_table, jobs_queue)

    sweeper_function = importlib.import_module(MODULE)

    assert sweeper_function.lambda_handler(
        {"source": "aws.events"}, FakeLambdaContext("conveyor-sweeper")
    ) == {
        "overdue": 0,
        "resent": 0,
        "failed": 0,
        "skipped": 0,
        "left_for_next_run": 0,
        "rescued": 0,
        "stranded": 0,
    }


def test_the_sweepers_lines_carry_the_invocations_request_id_and_cold_start_and_no_constants(
    monkeypatch: pytest.MonkeyPatch,
    jobs_table: JobsTable,
    jobs_queue: JobsQueue,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A service of the test's own (loggers of one name share one handler), at DEBUG: an empty sweep's summary.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"conveyor-sweeper-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    _configure(monkeypatch, jobs_table, jobs_queue)
    lambda_handler = importlib.import_module(MODULE).lambda_handler
    contexts = [FakeLambdaContext("conveyor-sweeper"), FakeLambdaContext("conveyor-sweeper")]

    for context in contexts:
        lambda_handler({"source": "aws.events"}, context)

    logged = printed_log_lines(capsys.readouterr().out)
    assert [line["function_request_id"] for line in logged] == [
        context.aws_request_id for context in contexts
    ]
    # One value in the function's whole log group, whose bytes CloudWatch Logs would bill on every line.
    assert not any({"function_name", "function_arn", "function_memory_size"} & line.keys() for line in logged)
    assert logged[1]["cold_start"] is False  # whether the first was cold depends on what ran before


@pytest.mark.parametrize("missing", ENVIRONMENT)
def test_the_sweeper_function_refuses_to_start_without_its_settings(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    for variable in ENVIRONMENT:
        monkeypatch.setenv(variable, VALID.get(variable, "1"))
    monkeypatch.delenv(missing)

    with pytest.raises(ValidationError, match=missing):
        importlib.import_module(MODULE)
