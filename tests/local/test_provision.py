"""Provisioning creates the tables and both queues, wired by the redrive policy, and can run again."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from conveyor_local.provision import ProvisionedResources, provision

from tests.local.support import unique_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


def _provision(
    dynamodb: DynamoDBClient, sqs: SQSClient, names: dict[str, str], visibility_timeout_seconds: int = 30
) -> ProvisionedResources:
    return provision(
        dynamodb,
        sqs,
        table_name=names["table"],
        queue_name=names["queue"],
        dlq_name=names["dlq"],
        idempotency_table_name=names["idempotency"],
        visibility_timeout_seconds=visibility_timeout_seconds,
        max_receive_count=3,
    )


def _names() -> dict[str, str]:
    return {
        "table": unique_name("jobs"),
        "queue": unique_name("jobs"),
        "dlq": unique_name("jobs-dlq"),
        "idempotency": unique_name("idempotency"),
    }


def test_creates_an_on_demand_table_keyed_by_job_id(dynamodb: DynamoDBClient, sqs: SQSClient) -> None:
    names = _names()

    resources = _provision(dynamodb, sqs, names)

    table = dynamodb.describe_table(TableName=resources.table_name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "job_id", "KeyType": "HASH"}]
    assert {"AttributeName": "job_id", "AttributeType": "S"} in table["AttributeDefinitions"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TableStatus"] == "ACTIVE"


def test_creates_the_idempotency_table_powertools_expects_with_ttl_on_expiration(
    dynamodb: DynamoDBClient, sqs: SQSClient
) -> None:
    names = _names()

    resources = _provision(dynamodb, sqs, names)
    _provision(dynamodb, sqs, names)

    table = dynamodb.describe_table(TableName=resources.idempotency_table_name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=resources.idempotency_table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiration")


def test_pending_jobs_are_indexed_by_sweep_shard_and_sweep_at(
    dynamodb: DynamoDBClient, sqs: SQSClient
) -> None:
    resources = _provision(dynamodb, sqs, _names())

    (index,) = dynamodb.describe_table(TableName=resources.table_name)["Table"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "sweep"
    assert index["KeySchema"] == [
        {"AttributeName": "sweep_shard", "KeyType": "HASH"},
        {"AttributeName": "sweep_at", "KeyType": "RANGE"},
    ]


def test_jobs_queue_redrives_to_the_dlq_after_max_receive_count(
    dynamodb: DynamoDBClient, sqs: SQSClient
) -> None:
    names = _names()

    resources = _provision(dynamodb, sqs, names, visibility_timeout_seconds=42)

    attributes = sqs.get_queue_attributes(QueueUrl=resources.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "42"
    assert attributes["QueueArn"] == resources.queue_arn
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == resources.dlq_arn
    assert int(redrive["maxReceiveCount"]) == 3
    dlq_arn = sqs.get_queue_attributes(QueueUrl=resources.dlq_url, AttributeNames=["QueueArn"])["Attributes"]
    assert dlq_arn["QueueArn"] == resources.dlq_arn


def test_provisioning_again_returns_the_same_resources(dynamodb: DynamoDBClient, sqs: SQSClient) -> None:
    names = _names()

    first = _provision(dynamodb, sqs, names)
    second = _provision(dynamodb, sqs, names)

    assert second == first
    queue_urls = sqs.list_queues(QueueNamePrefix=names["queue"])["QueueUrls"]
    assert queue_urls == [first.queue_url]


def test_provisioning_again_brings_queue_attributes_in_line(dynamodb: DynamoDBClient, sqs: SQSClient) -> None:
    names = _names()
    first = _provision(dynamodb, sqs, names, visibility_timeout_seconds=30)

    _provision(dynamodb, sqs, names, visibility_timeout_seconds=5)

    attributes = sqs.get_queue_attributes(QueueUrl=first.queue_url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "5"
