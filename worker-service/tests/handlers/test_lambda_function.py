"""The deployed entry point: settings from the environment and a boto3 client, built at import."""

import importlib
import sys
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError
from testkit.dynamo import JobsTable
from testkit.events import sqs_event, sqs_record
from testkit.items import job_message_body, queued_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

MODULE = "conveyor_worker.lambda_function"


@pytest.fixture(autouse=True)
def fresh_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, MODULE, raising=False)


def test_the_lambda_handler_processes_a_batch_with_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, dynamodb_client: "DynamoDBClient"
) -> None:
    table = JobsTable(dynamodb_client)
    item = queued_item("text_transform", {"text": "hi"})
    table.put(item)
    monkeypatch.setenv("JOBS_TABLE_NAME", table.name)
    monkeypatch.setenv("JOB_LEASE_SECONDS", "60")
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "3")

    lambda_function = importlib.import_module(MODULE)
    response = lambda_function.lambda_handler(
        sqs_event(sqs_record(job_message_body(item["job_id"]), message_id="m")), None
    )

    assert response == {"batchItemFailures": []}
    assert (table.get(item["job_id"]) or {})["status"] == "SUCCEEDED"


def test_the_lambda_function_refuses_to_start_without_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("JOBS_TABLE_NAME", "JOB_LEASE_SECONDS", "MAX_RECEIVE_COUNT"):
        monkeypatch.delenv(variable, raising=False)

    with pytest.raises(ValidationError, match="JOBS_TABLE_NAME"):
        importlib.import_module(MODULE)
