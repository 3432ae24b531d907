"""The jobs table in DynamoDB: the job item of the contract, one attribute per member, and its listing
indexes (jobs.listing_indexes)."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.clock import to_epoch_seconds, to_timestamp
from conveyor_api.jobs.cursors import PagePosition
from conveyor_api.jobs.errors import BackendUnavailableError, JobAlreadyExistsError
from conveyor_api.jobs.listing import IndexPage
from conveyor_api.jobs.listing_indexes import (
    CREATED_AT,
    ListingIndex,
    owner_status_key,
    owner_type_status_key,
)
from conveyor_api.json_types import JsonValue
from conveyor_api.models import JobError, JobItem

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, KeysAndAttributesUnionTypeDef

BATCH_GET_ATTEMPTS = 4
"""BatchGetItem calls for one page: the first, then retries of the keys DynamoDB left unprocessed."""
BATCH_GET_BACKOFF_SECONDS = 0.05
"""The first retry waits up to this long, each later one up to twice as long as the one before (jittered)."""


# A cancel ends a QUEUED job as every finishing write does (the worker's completion, the sweeper's failure):
# finished and expiring, out of the sweep index, its listing keys on the new status (contracts/README.md).
_CANCEL_QUEUED = (
    "SET #status = :failed, #error = :error, #cancel_requested_at = :now, #finished_at = :now,"
    " #updated_at = :now, #expires_at = :expires_at"
)
_SET_LISTING = ", #owner_status = :owner_status, #owner_type_status = :owner_type_status"
_LEAVE_PENDING = " REMOVE #lease_expires_at, #sweep_shard, #sweep_at, #progress"
_QUEUED = "#status = :queued"
# A running job learns of it from its item (the worker's progress writes and checks read it back); a second
# cancel writes nothing, so the first time stays.
_REQUEST_CANCEL = "SET #cancel_requested_at = :now, #updated_at = :now"
_RUNNING_NOT_CANCELLED = "#status = :in_progress AND attribute_not_exists(#cancel_requested_at)"


class UnexpectedAttributeError(Exception):
    """The table holds an attribute whose DynamoDB type the job-item contract does not use."""


class DynamoJobStore:
    """Reads and writes job items with the low-level client, so `payload` and `result` stay JSON text (S)."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._sleep = sleep

    def put_new(self, item: JobItem) -> None:
        attributes = {name: _to_attribute(value) for name, value in item.to_document().items()}
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=attributes,
                ConditionExpression="attribute_not_exists(job_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                if _retry_met_its_own_write(error, attributes):
                    return
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
        return _job_item(attributes)

    def cancel_queued(
        self, item: JobItem, *, error: JobError, now: datetime, expires_at: datetime
    ) -> JobItem | None:
        update = _CANCEL_QUEUED
        values: dict[str, AttributeValueTypeDef] = {
            ":failed": {"S": "FAILED"},
            ":queued": {"S": "QUEUED"},
            ":error": _to_attribute(error.to_document()),
            ":now": {"S": to_timestamp(now)},
            ":expires_at": {"N": str(to_epoch_seconds(expires_at))},
        }
        if item.owner is not None:
            # An item without an owner must not have listing keys (job-item).
            update += _SET_LISTING
            values[":owner_status"] = {"S": owner_status_key(item.owner, "FAILED")}
            values[":owner_type_status"] = {"S": owner_type_status_key(item.owner, item.job_type, "FAILED")}
        return self._update_if(item.job_id, update + _LEAVE_PENDING, _QUEUED, values)

    def request_cancel(self, job_id: str, *, now: datetime) -> JobItem | None:
        values: dict[str, AttributeValueTypeDef] = {
            ":in_progress": {"S": "IN_PROGRESS"},
            ":now": {"S": to_timestamp(now)},
        }
        return self._update_if(job_id, _REQUEST_CANCEL, _RUNNING_NOT_CANCELLED, values)

    def _update_if(
        self, job_id: str, update: str, condition: str, values: Mapping[str, AttributeValueTypeDef]
    ) -> JobItem | None:
        """One conditional UpdateItem: the item as written, or None when `condition` did not hold."""
        try:
            response = self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names(update, condition),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise BackendUnavailableError("the jobs table refused the write") from error
        except BotoCoreError as error:
            raise BackendUnavailableError("the jobs table did not answer") from error
        return _job_item(response["Attributes"])

    def index_page(self, index: ListingIndex, *, limit: int, after: PagePosition | None) -> IndexPage:
        """One Query of one listing index, newest first; its cost follows `limit`, never the table."""
        key = {":key": {"S": index.key_value}}
        start: dict[str, Any] = {}
        if after is not None:
            # The partition key comes from the caller's own index, never from the cursor.
            start["ExclusiveStartKey"] = {
                "job_id": {"S": after.job_id},
                CREATED_AT: {"S": after.created_at},
                index.key_attribute: {"S": index.key_value},
            }
        try:
            response = self._client.query(
                TableName=self._table_name,
                IndexName=index.name,
                KeyConditionExpression="#key = :key",
                ExpressionAttributeNames={"#key": index.key_attribute},
                ExpressionAttributeValues=key,
                ScanIndexForward=False,
                Limit=limit,
                **start,
            )
        except (BotoCoreError, ClientError) as error:
            raise BackendUnavailableError("the jobs table's listing index did not answer") from error
        last = response.get("LastEvaluatedKey")
        return IndexPage(
            positions=[
                PagePosition(str(keys[CREATED_AT]["S"]), str(keys["job_id"]["S"]))
                for keys in response.get("Items", [])
            ],
            last=None if last is None else PagePosition(str(last[CREATED_AT]["S"]), str(last["job_id"]["S"])),
        )

    def get_many(self, job_ids: Sequence[str]) -> Mapping[str, JobItem]:
        """One BatchGetItem (at most 100 keys, a page's worth), strongly consistent as `get` is, plus bounded
        retries of the keys DynamoDB leaves unprocessed; still unprocessed after them is 503."""
        items: dict[str, JobItem] = {}
        pending: Mapping[str, KeysAndAttributesUnionTypeDef] = {
            self._table_name: {
                "Keys": [{"job_id": {"S": job_id}} for job_id in dict.fromkeys(job_ids)],
                "ConsistentRead": True,
            }
        }
        for attempt in range(BATCH_GET_ATTEMPTS):
            if not job_ids or not pending:
                return items
            if attempt:
                self._sleep(random.uniform(0, BATCH_GET_BACKOFF_SECONDS * 2 ** (attempt - 1)))
            try:
                response = self._client.batch_get_item(RequestItems=pending)
            except (BotoCoreError, ClientError) as error:
                raise BackendUnavailableError("the jobs table did not answer") from error
            for attributes in response.get("Responses", {}).get(self._table_name, []):
                item = _job_item(attributes)
                items[item.job_id] = item
            pending = response.get("UnprocessedKeys") or {}
        if pending:
            raise BackendUnavailableError("the jobs table left keys unprocessed after every retry")
        return items


def _retry_met_its_own_write(error: ClientError, attributes: Mapping[str, AttributeValueTypeDef]) -> bool:
    """botocore retries a write whose answer timed out (aws_call_budget), which its first attempt may have
    applied: a retry refused by the very item it writes was refused by that attempt's write. A first attempt
    refused by an equal item met another request's (a keyed job's, whose id and body are the request's)."""
    retried = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
    return retried and error.response.get("Item") == attributes


def _names(*expressions: str) -> dict[str, str]:
    # Every attribute goes through a placeholder: several (status, error) are reserved words.
    return {f"#{name}": name for name in re.findall(r"#(\w+)", " ".join(expressions))}


def _job_item(attributes: Mapping[str, AttributeValueTypeDef]) -> JobItem:
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
