"""Create the jobs table, the idempotency table, the jobs queue and its DLQ, or bring existing ones in line.

Safe to run any number of times against the same endpoint. (A later issue replaces this module by deploying
the SAM templates into moto.)
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType


@dataclass(frozen=True)
class ProvisionedResources:
    table_name: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    idempotency_table_name: str


def provision(
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    *,
    table_name: str,
    queue_name: str,
    dlq_name: str,
    idempotency_table_name: str,
    visibility_timeout_seconds: int,
    max_receive_count: int,
) -> ProvisionedResources:
    _ensure_table(dynamodb, table_name)
    _ensure_idempotency_table(dynamodb, idempotency_table_name)
    dlq_url, dlq_arn = _ensure_queue(sqs, dlq_name, {})
    queue_url, queue_arn = _ensure_queue(
        sqs,
        queue_name,
        {
            "VisibilityTimeout": str(visibility_timeout_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )
    return ProvisionedResources(
        table_name=table_name,
        queue_url=queue_url,
        queue_arn=queue_arn,
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        idempotency_table_name=idempotency_table_name,
    )


SWEEP_INDEX = "sweep"
"""The sparse index of pending jobs the sweeper queries (docs/design.md, The sweeper)."""


def _ensure_table(dynamodb: DynamoDBClient, table_name: str) -> None:
    # An existing table is kept as it is: its key schema cannot change and on-demand billing is moot locally.
    with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
        dynamodb.create_table(
            TableName=table_name,
            AttributeDefinitions=[
                {"AttributeName": "job_id", "AttributeType": "S"},
                {"AttributeName": "sweep_shard", "AttributeType": "N"},
                {"AttributeName": "sweep_at", "AttributeType": "N"},
            ],
            KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[
                {
                    "IndexName": SWEEP_INDEX,
                    "KeySchema": [
                        {"AttributeName": "sweep_shard", "KeyType": "HASH"},
                        {"AttributeName": "sweep_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {
                        "ProjectionType": "INCLUDE",
                        "NonKeyAttributes": ["status", "job_type", "created_at", "attempts", "sweeps"],
                    },
                }
            ],
        )
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})


def _ensure_idempotency_table(dynamodb: DynamoDBClient, table_name: str) -> None:
    """The table Powertools' idempotency utility keeps the API's Idempotency-Keys in: its default layout."""
    with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
        dynamodb.create_table(
            TableName=table_name,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    # DynamoDB deletes a key's item once its `expiration` (epoch seconds) has passed. Enabling TTL again is
    # an error, hence the look first.
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
        )


def _ensure_queue(
    sqs: SQSClient, queue_name: str, attributes: Mapping[QueueAttributeNameType, str]
) -> tuple[str, str]:
    # CreateQueue without attributes returns the existing queue whatever its attributes, where CreateQueue
    # with different attributes would fail; SetQueueAttributes then converges either way.
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    if attributes:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes=attributes)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return queue_url, queue_arn
