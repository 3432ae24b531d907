"""One moto account per test, in process: the jobs table, the queues and the files bucket the adapters and
the handlers built over real boto3 clients work against."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from conveyor_worker.settings import Settings, SweeperSettings
from tests.support.dynamo import JobsTable
from tests.support.s3 import FilesBucket
from tests.support.sqs import JobsQueue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sqs.client import SQSClient


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    """One moto account for the whole test, so its table, its queues and its bucket see each other."""
    with mock_aws():
        yield boto3.Session()


@pytest.fixture
def dynamodb_client(aws: boto3.Session) -> "DynamoDBClient":
    return aws.client("dynamodb")


@pytest.fixture
def sqs_client(aws: boto3.Session) -> "SQSClient":
    return aws.client("sqs")


@pytest.fixture
def s3_client(aws: boto3.Session) -> "S3Client":
    return aws.client("s3")


@pytest.fixture
def jobs_table(dynamodb_client: "DynamoDBClient") -> JobsTable:
    return JobsTable(dynamodb_client)


@pytest.fixture
def jobs_queue(sqs_client: "SQSClient") -> JobsQueue:
    return JobsQueue(sqs_client)


@pytest.fixture
def files_bucket(s3_client: "S3Client") -> FilesBucket:
    return FilesBucket(s3_client)


@pytest.fixture
def settings(jobs_table: JobsTable, jobs_queue: JobsQueue, files_bucket: FilesBucket) -> Settings:
    return Settings(
        jobs_table_name=jobs_table.name,
        jobs_queue_url=jobs_queue.url,
        job_lease_seconds=60,
        max_receive_count=3,
        retry_base_delay_seconds=2,
        retry_max_delay_seconds=30,
        job_retention_days=30,
        files_bucket_name=files_bucket.name,
        email_sender="",
        email_configuration_set="",
    )


@pytest.fixture
def sweeper_settings(jobs_table: JobsTable, jobs_queue: JobsQueue) -> SweeperSettings:
    return SweeperSettings(
        jobs_table_name=jobs_table.name,
        jobs_queue_url=jobs_queue.url,
        jobs_dead_letter_queue_url=jobs_queue.dlq_url,
        sweep_grace_seconds=300,
        message_retention_seconds=1_209_600,
        max_receive_count=3,
        job_retention_days=30,
    )
