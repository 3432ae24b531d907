"""`conveyor dlq list`: what the dead-letter queue holds, without consuming it.

SQS has no way to read a message but receiving it, so each one is received, then made visible again at once
(its visibility timeout set back to 0). Receiving counts as a receive: a message's ApproximateReceiveCount
grows by one at each look. The messages are received with a short visibility timeout, so that those a crash
leaves hidden come back within seconds rather than after the queue's own timeout.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

_SQS_BATCH_LIMIT = 10
_WAIT_SECONDS = 1  # long polling: an empty answer means an empty queue (see conveyor_cli.redrive)
_PEEK_VISIBILITY_SECONDS = 30


@dataclass(frozen=True)
class DeadLetter:
    """One message of the DLQ; its job fields come from the body (contracts/v1/job-message.schema.json) and
    are None when the body is not a job message."""

    message_id: str
    job_id: str | None
    job_type: str | None
    submitted_at: str | None
    receive_count: int
    sent_at: str
    body: str

    def as_document(self) -> dict[str, Any]:
        return asdict(self)


def peek(client: "SQSClient", *, dlq_url: str, max_messages: int) -> list[DeadLetter]:
    """Up to `max_messages` of the DLQ's messages, all of them visible again when this returns."""
    received: dict[str, MessageTypeDef] = {}
    try:
        while len(received) < max_messages:
            batch = client.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=min(_SQS_BATCH_LIMIT, max_messages - len(received)),
                WaitTimeSeconds=_WAIT_SECONDS,
                VisibilityTimeout=_PEEK_VISIBILITY_SECONDS,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            ).get("Messages", [])
            new = [message for message in batch if message["MessageId"] not in received]
            # Only the latest receipt handle of a message can change its visibility.
            received.update({message["MessageId"]: message for message in batch})
            if not new:  # empty, or only messages whose short timeout ran out while reading
                break
    finally:
        _make_visible(client, dlq_url, received.values())
    return [_dead_letter(message) for message in received.values()]


def _make_visible(client: "SQSClient", dlq_url: str, messages: "Iterable[MessageTypeDef]") -> None:
    """Best effort: a message this cannot reset comes back by itself after _PEEK_VISIBILITY_SECONDS."""
    handles = [message["ReceiptHandle"] for message in messages]
    for start in range(0, len(handles), _SQS_BATCH_LIMIT):
        client.change_message_visibility_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(handles[start : start + _SQS_BATCH_LIMIT])
            ],
        )


def _dead_letter(message: "MessageTypeDef") -> DeadLetter:
    attributes = message.get("Attributes", {})
    job = _job_message(message["Body"])
    sent_ms = int(attributes.get("SentTimestamp", "0"))
    return DeadLetter(
        message_id=message["MessageId"],
        job_id=_string(job.get("job_id")),
        job_type=_string(job.get("job_type")),
        submitted_at=_string(job.get("submitted_at")),
        receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
        sent_at=datetime.fromtimestamp(sent_ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        body=message["Body"],
    )


def _job_message(body: str) -> Mapping[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None
