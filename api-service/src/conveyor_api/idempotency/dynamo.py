"""The submission ledger in DynamoDB, kept by Powertools' idempotency utility: one item per key, for 24 hours.

Before the job is stored, Powertools puts an INPROGRESS item with a conditional PutItem, so of two concurrent
first uses of a key only one stores a job; it then keeps the job's record as the COMPLETED item's data, and
deletes the item when storing the job failed. The key is stored only as a hash, and so is its request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.idempotency.lifetime import KEY_LIFETIME
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
)
from conveyor_api.json_types import JsonValue
from conveyor_api.models import JobRecord, JobRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY_PREFIX = "POST /jobs"
"""Starts each stored key's id, in place of Powertools' default: the function's name, which may change."""


def _first_use(*, use: dict[str, JsonValue], store_job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return store_job()


class DynamoSubmissionLedger:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="request",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=int(KEY_LIFETIME.total_seconds()),
            # All clients share one key space: two keys with one hash must be infeasible to craft.
            hash_function="sha256",
        )
        self._first_use = idempotent_function(
            _first_use,
            data_keyword_argument="use",
            persistence_store=DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client),
            config=self._config,
            key_prefix=KEY_PREFIX,
        )

    def register_lambda_context(self, context: Any) -> None:
        """Tells Powertools when this invocation times out: a first use that dies with it frees its key then.

        Without a context Powertools cannot know, and a key whose first use died stays in progress for a day.
        """
        self._config.register_lambda_context(context)

    def job_for(self, key: str, request: JobRequest, store_job: Callable[[], JobRecord]) -> JobRecord:
        try:
            record = self._first_use(
                use={"key": key, "request": request.to_document()},
                store_job=lambda: store_job().to_document(),
            )
        except IdempotencyValidationError as error:
            raise IdempotencyKeyReusedError() from error
        except IdempotencyAlreadyInProgressError as error:
            raise IdempotencyKeyInProgressError() from error
        except IdempotencyInconsistentStateError as error:
            raise BackendUnavailableError("the key's item kept changing while it was read") from error
        except IdempotencyPersistenceLayerError as error:
            # Powertools wraps whatever its own calls raise; only AWS's errors may pass with a retry.
            if isinstance(error.__cause__, BotoCoreError | ClientError):
                raise BackendUnavailableError("the idempotency table did not answer") from error
            raise
        # A key lives a day, so a replay may find a record kept before job-record gained result_url: it is the
        # record of a QUEUED or adopted job, which then had no result stored aside.
        return JobRecord.from_document({"result_url": None} | record)
