"""The jobs table in DynamoDB: claim, complete and release as single conditional UpdateItem calls."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from boto3.dynamodb.types import TypeDeserializer

from conveyor_worker.clock import to_epoch_ms, to_timestamp
from conveyor_worker.models.job_item import JobItem, JobStatus
from conveyor_worker.models.job_outcome import JobOutcome, JobSucceeded
from conveyor_worker.processing.errors import JobNotClaimableError, JobNotFoundError, LeaseLostError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_CLAIM_UPDATE = (
    "SET #status = :in_progress, #attempts = #attempts + :one, #claim_token = :token,"
    " #lease_expires_at = :lease_expires_at, #sweep_at = :lease_expires_at,"
    " #started_at = if_not_exists(#started_at, :now), #updated_at = :now"
)
_CLAIMABLE = (
    "attribute_exists(#job_id) AND"
    " (#status = :queued OR (#status = :in_progress AND #lease_expires_at < :now_ms))"
)
_HELD_BY_TOKEN = "#status = :in_progress AND #claim_token = :token"
# A finished job leaves the sparse sweep index by losing its key attributes (docs/design.md, The sweeper).
_LEAVE_PENDING = " REMOVE #lease_expires_at, #sweep_shard, #sweep_at"
_SUCCEED_UPDATE = (
    "SET #status = :succeeded, #result = :result, #finished_at = :now, #updated_at = :now" + _LEAVE_PENDING
)
_FAIL_UPDATE = (
    "SET #status = :failed, #error = :error, #finished_at = :now, #updated_at = :now" + _LEAVE_PENDING
)
_RELEASE_UPDATE = "SET #lease_expires_at = :now_ms, #sweep_at = :now_ms, #updated_at = :now"

_deserializer = TypeDeserializer()


class DynamoJobStore:
    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def claim(self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime) -> JobItem:
        try:
            response = self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=_CLAIM_UPDATE,
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames=_names(_CLAIM_UPDATE, _CLAIMABLE),
                ExpressionAttributeValues={
                    ":queued": {"S": JobStatus.QUEUED},
                    ":in_progress": {"S": JobStatus.IN_PROGRESS},
                    ":one": {"N": "1"},
                    ":token": {"S": claim_token},
                    ":lease_expires_at": {"N": str(to_epoch_ms(lease_expires_at))},
                    ":now": {"S": to_timestamp(now)},
                    ":now_ms": {"N": str(to_epoch_ms(now))},
                },
                ReturnValues="ALL_NEW",
                # The refused item comes back with the error, so telling "taken" from "missing" costs no read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            current = refused.response.get("Item")
            if not isinstance(current, dict):
                raise JobNotFoundError(job_id) from refused
            raise JobNotClaimableError(job_id, _deserializer.deserialize(current["status"])) from refused
        # Numbers arrive as Decimal; pydantic turns the integral ones the contract allows into int.
        return JobItem.model_validate(
            {name: _deserializer.deserialize(value) for name, value in response["Attributes"].items()}
        )

    def complete(self, job_id: str, *, claim_token: str, outcome: JobOutcome, now: datetime) -> None:
        if isinstance(outcome, JobSucceeded):
            update = _SUCCEED_UPDATE
            written: dict[str, AttributeValueTypeDef] = {
                ":succeeded": {"S": JobStatus.SUCCEEDED},
                ":result": {"S": outcome.result_json},
            }
        else:
            update = _FAIL_UPDATE
            written = {
                ":failed": {"S": JobStatus.FAILED},
                ":error": {"M": {"code": {"S": outcome.error.code}, "message": {"S": outcome.error.message}}},
            }
        self._fenced_update(job_id, claim_token, update, {**written, ":now": {"S": to_timestamp(now)}})

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        self._fenced_update(
            job_id,
            claim_token,
            _RELEASE_UPDATE,
            {":now_ms": {"N": str(to_epoch_ms(now))}, ":now": {"S": to_timestamp(now)}},
        )

    def _fenced_update(
        self,
        job_id: str,
        claim_token: str,
        update: str,
        values: "Mapping[str, AttributeValueTypeDef]",
    ) -> None:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=update,
                ConditionExpression=_HELD_BY_TOKEN,
                ExpressionAttributeNames=_names(update, _HELD_BY_TOKEN),
                ExpressionAttributeValues={
                    **values,
                    ":in_progress": {"S": JobStatus.IN_PROGRESS},
                    ":token": {"S": claim_token},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            raise LeaseLostError(job_id) from refused


def _names(*expressions: str) -> dict[str, str]:
    # Every attribute goes through a placeholder: several of ours (status, result, error) are reserved words.
    return {f"#{name}": name for name in re.findall(r"#(\w+)", " ".join(expressions))}
