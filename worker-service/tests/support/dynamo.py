"""A jobs table in moto, created the way the deployed one is: partition key job_id, on demand, and the sparse
`sweep` index (docs/design.md, The sweeper)."""

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class JobsTable:
    """Reads and writes items directly through boto3, never through the code under test."""

    def __init__(self, client: "DynamoDBClient") -> None:
        self.client = client
        self.name = f"jobs-{uuid.uuid4().hex[:8]}"
        client.create_table(
            TableName=self.name,
            KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "job_id", "AttributeType": "S"},
                {"AttributeName": "sweep_shard", "AttributeType": "N"},
                {"AttributeName": "sweep_at", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "sweep",
                    "KeySchema": [
                        {"AttributeName": "sweep_shard", "KeyType": "HASH"},
                        {"AttributeName": "sweep_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {
                        "ProjectionType": "INCLUDE",
                        "NonKeyAttributes": [
                            "status",
                            "job_type",
                            "created_at",
                            "attempts",
                            "sweeps",
                            "owner",
                        ],
                    },
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def put(self, item: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.name, Item={name: _serializer.serialize(value) for name, value in item.items()}
        )

    def get(self, job_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
        )
        if "Item" not in response:
            return None
        return {name: _plain(_deserializer.deserialize(value)) for name, value in response["Item"].items()}


def _plain(value: Any) -> Any:
    # Every number in a job item is an integer (attempts, lease_expires_at).
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    return value
