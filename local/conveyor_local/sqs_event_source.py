"""Emulates a Lambda SQS event source mapping with `FunctionResponseTypes: [ReportBatchItemFailures]`.

Each poll receives up to a batch of messages, invokes the handler once with an SQS event, and deletes the
messages that succeeded. The rest become visible again after the queue's visibility timeout, and the
queue's redrive policy moves a message to the DLQ after `maxReceiveCount` receives, as on AWS.

Lambda's rules for the handler's result (see "Handling errors for an SQS event source in Lambda"):
- `None`, `{}`, or a `batchItemFailures` that is missing, null or empty: the whole batch succeeded;
- a valid `batchItemFailures` list: every listed message failed, the others succeeded;
- an exception, a result that is not an object, or any malformed entry (not an object, no or an empty
  `itemIdentifier`, or one naming no message of the batch): the whole batch failed.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_local.config import (
    FUNCTION_MEMORY_MB,
    SQS_BATCH_SIZE,
    SQS_WAIT_TIME_SECONDS,
    WORKER_FUNCTION_NAME,
    WORKER_TIMEOUT_SECONDS,
)
from conveyor_local.lambda_runtime import LambdaContext, LambdaHandler, invoke

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueOutputTypeDef, MessageTypeDef

logger = logging.getLogger(__name__)

MAX_BATCH_SIZE = 10  # ReceiveMessage's own limit; larger Lambda batches need a batching window
_MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class PollResult:
    received: int
    deleted: int
    # Left on the queue: those in batchItemFailures, or the whole batch when the invocation failed.
    failed: int


class SqsEventSource:
    def __init__(
        self,
        sqs: SQSClient,
        handler: LambdaHandler,
        *,
        queue_url: str,
        queue_arn: str,
        batch_size: int = SQS_BATCH_SIZE,
        wait_time_seconds: int = SQS_WAIT_TIME_SECONDS,
        function_name: str = WORKER_FUNCTION_NAME,
        timeout_seconds: int = WORKER_TIMEOUT_SECONDS,
        memory_mb: int = FUNCTION_MEMORY_MB,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be from 1 to {MAX_BATCH_SIZE}, not {batch_size}")
        self._sqs = sqs
        self._handler = handler
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = queue_arn.split(":")[3]
        self._batch_size = batch_size
        self._wait_time_seconds = wait_time_seconds
        self._function_name = function_name
        self._timeout_seconds = timeout_seconds
        self._memory_mb = memory_mb

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set.

        A failed poll is logged and retried after a growing pause, never fatal: like the real event source
        mapping, this one outlives an unreachable queue.
        """
        backoff = 0.0
        while not stop.is_set():
            try:
                self.poll_once()
                backoff = 0.0
            except (BotoCoreError, ClientError) as error:
                backoff = _next_backoff(backoff)
                logger.warning("polling %s failed (%s); retrying in %g s", self._queue_url, error, backoff)
                stop.wait(backoff)
            except Exception:
                backoff = _next_backoff(backoff)
                logger.exception("polling %s failed unexpectedly; retrying in %g s", self._queue_url, backoff)
                stop.wait(backoff)

    def poll_once(self) -> PollResult:
        """One long-poll: receive a batch, invoke the handler with it, delete what succeeded."""
        return self.deliver(self.receive())

    def receive(self) -> list[MessageTypeDef]:
        """A batch, now invisible to other consumers for the queue's visibility timeout."""
        return self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait_time_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def deliver(self, messages: list[MessageTypeDef]) -> PollResult:
        """Invokes the handler with `messages` and deletes the ones that succeeded."""
        if not messages:
            return PollResult(received=0, deleted=0, failed=0)
        failed_ids = self._invoke(messages)
        succeeded = [message for message in messages if message["MessageId"] not in failed_ids]
        deleted = self._delete(succeeded)
        return PollResult(received=len(messages), deleted=deleted, failed=len(messages) - len(succeeded))

    def _invoke(self, messages: list[MessageTypeDef]) -> Collection[str]:
        """The ids of the messages that must stay on the queue."""
        message_ids = [message["MessageId"] for message in messages]
        event = {"Records": [self._record(message) for message in messages]}
        context = LambdaContext(self._function_name, self._memory_mb, self._timeout_seconds)
        try:
            result = invoke(self._handler, event, context)
        except Exception:
            logger.exception(
                "%s failed on a batch of %d; all of it returns to the queue",
                self._function_name,
                len(messages),
            )
            return message_ids
        try:
            return reported_failures(result, message_ids)
        except InvalidBatchResponseError as error:
            logger.error(
                "%s returned an invalid batch response (%s); all %d messages return to the queue",
                self._function_name,
                error,
                len(messages),
            )
            return message_ids

    def _record(self, message: MessageTypeDef) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: _lambda_message_attribute(value)
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._region,
        }

    def _delete(self, messages: list[MessageTypeDef]) -> int:
        if not messages:
            return 0
        response = self._sqs.delete_message_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(messages)
            ],
        )
        for failure in response.get("Failed", []):
            # The message will be delivered again: harmless for an idempotent handler, worth knowing anyway.
            logger.warning(
                "could not delete a processed message: %s", failure.get("Message", failure["Code"])
            )
        return len(response.get("Successful", []))


class InvalidBatchResponseError(ValueError):
    """The handler's result is not a partial batch response Lambda accepts."""


def reported_failures(result: Any, message_ids: Collection[str]) -> set[str]:
    """The message ids a handler's result reports as failed, by Lambda's rules (see the module docstring)."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        raise InvalidBatchResponseError(f"the result is a {type(result).__name__}, not an object")
    failures = result.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        raise InvalidBatchResponseError("batchItemFailures is not a list")
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            raise InvalidBatchResponseError(f"{failure!r} does not name a message of the batch")
        failed.add(identifier)
    return failed


def _next_backoff(previous_seconds: float) -> float:
    return min(max(2 * previous_seconds, 1.0), _MAX_BACKOFF_SECONDS)


def _lambda_message_attribute(value: MessageAttributeValueOutputTypeDef) -> dict[str, Any]:
    """ReceiveMessage's form of a message attribute in the event's form: camelCase, binary as base64."""
    attribute: dict[str, Any] = {
        "dataType": value["DataType"],
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": [_base64(item) for item in value.get("BinaryListValues", [])],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _base64(value["BinaryValue"])
    return attribute


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
