from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws
from testkit.clock import FakeClock
from testkit.dynamo import JobsTable
from testkit.logs import CapturedLogs

from conveyor_worker.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real account or a local endpoint, whatever the shell exports."""
    for variable in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def dynamodb_client() -> Iterator["DynamoDBClient"]:
    with mock_aws():
        yield boto3.client("dynamodb")


@pytest.fixture
def jobs_table(dynamodb_client: "DynamoDBClient") -> JobsTable:
    return JobsTable(dynamodb_client)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(jobs_table: JobsTable) -> Settings:
    return Settings(jobs_table_name=jobs_table.name, job_lease_seconds=60, max_receive_count=3)


@pytest.fixture
def captured_logs() -> CapturedLogs:
    return CapturedLogs()
