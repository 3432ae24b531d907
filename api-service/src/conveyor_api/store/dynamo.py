"""The jobs table in DynamoDB: the job item of the contract, one attribute per member."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.jobs.errors import BackendUnavailableError, JobAlreadyExistsError
from conveyor_api.json_types import JsonValue
from conveyor_api.models import JobItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


class UnexpectedAttributeError(Exception):
    """The table holds an attribute whose DynamoDB type the job-item contract does not use."""


class DynamoJobStore:
    """Reads and writes job items with the low-level client, so `payload` and `result` stay JSON text (S)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def put_new(self, item: JobItem) -> None:
        attributes = {name: _to_attribute(value) for name, value in item.to_document().items()}
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=attributes,
                ConditionExpression="attribute_not_exists(job_id)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise JobAlreadyExistsError(item.job_id) from error
            raise BackendUnavailableError("the jobs table refused the write") from error
        except BotoCoreError as error:
            raise BackendUnavailableError("the jobs table did not answer") from error

    def get(self, job_id: str) -> JobItem | None:
        try:
            response = self._client.get_item(
                TableName=self._table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
            )
        except (BotoCoreError, ClientError) as error:
            raise BackendUnavailableError("the jobs table did not answer") from error
        attributes = response.get("Item")
        if attributes is None:
            return None
        return JobItem.from_document({name: _from_attribute(value) for name, value in attributes.items()})


# The job-item contract uses three DynamoDB types: S (strings, JSON text), N (integers) and M (the error).
def _to_attribute(value: JsonValue) -> AttributeValueTypeDef:
    match value:
        case str():
            return {"S": value}
        case int() if not isinstance(value, bool):
            return {"N": str(value)}
        case dict():
            return {"M": {name: _to_attribute(member) for name, member in value.items()}}
        case _:
            raise UnexpectedAttributeError(f"a job item holds no {type(value).__name__} attributes")


def _from_attribute(attribute: AttributeValueTypeDef) -> JsonValue:
    if "S" in attribute:
        return attribute["S"]
    if "N" in attribute:
        return int(attribute["N"])
    if "M" in attribute:
        return {name: _from_attribute(member) for name, member in attribute["M"].items()}
    raise UnexpectedAttributeError(f"a job item holds no {', '.join(attribute)} attributes")
