import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from mypy_boto3_dynamodb import DynamoDBClient
from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
from mypy_boto3_s3 import S3Client
from mypy_boto3_sqs import SQSClient

from conveyor_api.jobs.listing_indexes import CREATED_AT, ListingIndex

LISTING_INDEXES = (
    ListingIndex("by_owner", "owner", "any"),
    ListingIndex("by_owner_type_status", "owner_type_status", "any"),
)
"""One partition of each listing index, for its name and key attribute."""


@dataclass(frozen=True)
class Aws:
    """An in-process moto account: a jobs table, an idempotency table, a jobs queue and a files bucket, with
    random names."""

    dynamodb: DynamoDBClient
    sqs: SQSClient
    s3: S3Client
    table_name: str
    queue_url: str
    idempotency_table_name: str
    files_bucket_name: str


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        sqs = boto3.client("sqs")
        table_name = f"jobs-{uuid.uuid4().hex[:8]}"
        dynamodb.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("job_id", CREATED_AT, *(index.key_attribute for index in LISTING_INDEXES))
            ],
            # As the core template makes them (contracts/README.md, Owners and listing): sparse, KEYS_ONLY.
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": index.key_attribute, "KeyType": "HASH"},
                        {"AttributeName": CREATED_AT, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
                for index in LISTING_INDEXES
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        queue_url = sqs.create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        idempotency_table_name = f"idempotency-{uuid.uuid4().hex[:8]}"
        dynamodb.create_table(
            TableName=idempotency_table_name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
        files_bucket_name = f"files-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(
            Bucket=files_bucket_name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield Aws(dynamodb, sqs, s3, table_name, queue_url, idempotency_table_name, files_bucket_name)


def queued_messages(aws: Aws) -> list[str]:
    """Every message body waiting in the queue, read back through boto3 rather than the code under test."""
    response = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [message["Body"] for message in response.get("Messages", [])]


def stored_items(aws: Aws) -> list[dict[str, AttributeValueTypeDef]]:
    return aws.dynamodb.scan(TableName=aws.table_name, ConsistentRead=True)["Items"]


def idempotency_items(aws: Aws) -> list[dict[str, AttributeValueTypeDef]]:
    return aws.dynamodb.scan(TableName=aws.idempotency_table_name, ConsistentRead=True)["Items"]
