"""One moto server for the whole session; every test makes its own resources under random names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from conveyor_local.aws import cloudformation_client, dynamodb_client, sqs_client
from conveyor_local.moto_server import start_moto_server

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = start_moto_server("127.0.0.1", 0)
    yield server.endpoint_url
    server.stop()


@pytest.fixture
def sqs(moto_endpoint: str) -> SQSClient:
    return sqs_client(moto_endpoint)


@pytest.fixture
def dynamodb(moto_endpoint: str) -> DynamoDBClient:
    return dynamodb_client(moto_endpoint)


@pytest.fixture
def cloudformation(moto_endpoint: str) -> CloudFormationClient:
    return cloudformation_client(moto_endpoint)
