"""The submission ledger in DynamoDB, kept by Powertools' idempotency persistence layer: one item per key, for
24 hours.

A claim puts an INPROGRESS item with a conditional PutItem, so of two concurrent first uses of a key only one
stores a job; binding keeps the job's record as the COMPLETED item's data, and releasing deletes the item. The
key is stored only as a hash, and so is its request. The persistence layer is used directly rather than
through `idempotent_function`, which would make the submission a callback: these are the steps that
decorator takes (Powertools' IdempotencyHandler), each one a call the domain makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord
from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.idempotency.lifetime import KEY_LIFETIME
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
)
from conveyor_api.jobs.submit_once import FirstUse, KeyUse, Replay
from conveyor_api.models import JobRecord, JobRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY_PREFIX = "POST /jobs"
"""Starts each stored key's id, in place of Powertools' default: the function's name, which may change."""
_CLAIM_TRIES = 3
"""As Powertools' own handler does, a key's item that changed between the refused put and its read is read
again."""


class _ItemChanged(Exception):
    """The key's item changed between the refused put and its read: expired, deleted or timed out."""


class _FirstUseFailed(Exception):
    """Why a claim is released, as the persistence layer's log line names it."""


class DynamoSubmissionLedger:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._keys = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)
        self._keys.configure(
            IdempotencyConfig(
                event_key_jmespath="key",
                payload_validation_jmespath="request",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=int(KEY_LIFETIME.total_seconds()),
                # All clients share one key space: two keys with one hash must be infeasible to craft.
                hash_function="sha256",
            ),
            key_prefix=KEY_PREFIX,
        )

    def claim(self, key: str, request: JobRequest, *, time_left: dt.timedelta | None) -> KeyUse:
        # Without time_left a first use that dies holds its key for the key's whole lifetime.
        remaining_ms = None if time_left is None else time_left // dt.timedelta(milliseconds=1)
        use = _use(key, request)
        with _answered_as_the_api_says():
            for _ in range(_CLAIM_TRIES):
                try:
                    self._keys.save_inprogress(data=use, remaining_time_in_millis=remaining_ms)
                    return FirstUse()
                except IdempotencyItemAlreadyExistsError as refused:
                    try:
                        return _key_use(refused.old_data_record or self._keys.get_record(data=use))
                    except (_ItemChanged, IdempotencyItemNotFoundError):
                        continue
        raise BackendUnavailableError("the key's item kept changing while it was read")

    def bind(self, key: str, request: JobRequest, job: JobRecord) -> None:
        with _answered_as_the_api_says():
            self._keys.save_success(data=_use(key, request), result=job.to_document())

    def release(self, key: str, request: JobRequest) -> None:
        with _answered_as_the_api_says():
            self._keys.delete_record(data=_use(key, request), exception=_FirstUseFailed())


def _use(key: str, request: JobRequest) -> dict[str, Any]:
    """What Powertools hashes: the key (event_key_jmespath) and the request it must be retried with."""
    return {"key": key, "request": request.to_document()}


def _key_use(record: DataRecord | None) -> KeyUse:
    if record is None or record.status == STATUS_CONSTANTS["EXPIRED"]:
        raise _ItemChanged()
    if record.status == STATUS_CONSTANTS["INPROGRESS"]:
        expiry = record.in_progress_expiry_timestamp
        if expiry is not None and expiry < int(dt.datetime.now().timestamp() * 1000):
            raise _ItemChanged()  # its first use timed out after the put was refused: claim it again
        raise IdempotencyKeyInProgressError()
    # A key lives a day, so a replay may find a record kept before job-record gained result_url: it is the
    # record of a QUEUED or adopted job, which then had no result stored aside.
    return Replay(JobRecord.from_document({"result_url": None} | (record.response_json_as_dict() or {})))


@contextmanager
def _answered_as_the_api_says() -> Iterator[None]:
    try:
        yield
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReusedError() from error
    except (BotoCoreError, ClientError) as error:
        raise BackendUnavailableError("the idempotency table did not answer") from error
