"""`conveyor dlq redrive`: moves the messages of the dead-letter queue back to the jobs queue.

Run it once the cause of the failures is fixed. To move them all, SQS moves them itself, as the console's
redrive does (StartMessageMoveTask: conveyor_cli.message_move). A limit (--max), which SQS's task cannot take,
or an endpoint without move tasks (moto, on which the local stack runs, answers 500) gets a loop instead:
batches of up to ten messages are received from the DLQ, sent to the jobs queue, and only then deleted from
the DLQ, so no message is lost: one whose deletion fails reappears in the DLQ and may be moved twice, which is
harmless, since a job runs at most once (its claim is conditional) and a message for a job that already ended
is acknowledged without running it. Endpoint, region and credentials come from the standard AWS environment
variables (AWS_ENDPOINT_URL points it at the local stack).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_cli.message_move import (
    MoveTaskEndedError,
    MoveTaskUnavailableError,
    ProgressCallback,
    move_messages,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

_SQS_BATCH_LIMIT = 10
# Long polling asks every SQS server, so an empty answer means an empty queue; short polling samples some
# servers and can answer empty while messages remain.
_WAIT_SECONDS = 1


class RedriveError(Exception):
    """The move stopped part way; the messages not moved are still in the dead-letter queue."""

    def __init__(
        self,
        moved: int,
        problems: Sequence[str],
        *,
        cause: BotoCoreError | ClientError | None = None,
        sender_fault: bool = False,
    ) -> None:
        super().__init__(f"moved {moved} messages, then stopped: {'; '.join(problems)}")
        self.moved = moved
        # What stopped it: an SQS call that failed, or entries of a batch that SQS refused (`sender_fault`
        # when it blamed the request rather than itself).
        self.cause = cause
        self.sender_fault = sender_fault


class Method(StrEnum):
    MESSAGE_MOVE_TASK = "StartMessageMoveTask"
    RECEIVE_SEND_DELETE = "receive-send-delete"


@dataclass(frozen=True)
class Redriven:
    moved: int
    method: Method


def _no_progress(moved: int, to_move: int | None) -> None:
    return None


def redrive(
    client: "SQSClient",
    *,
    dlq_url: str,
    queue_url: str,
    max_messages: int | None = None,
    on_progress: ProgressCallback = _no_progress,
    sleep: Callable[[float], None] = time.sleep,
) -> Redriven:
    """Moves all messages by SQS's move task where the endpoint has one, or up to `max_messages` by hand."""
    if max_messages is None:
        try:
            moved = move_messages(
                client,
                source_arn=_queue_arn(client, dlq_url),
                destination_arn=_queue_arn(client, queue_url),
                on_progress=on_progress,
                sleep=sleep,
            )
            return Redriven(moved, Method.MESSAGE_MOVE_TASK)
        except MoveTaskUnavailableError:
            pass
        except MoveTaskEndedError as ended:
            raise RedriveError(ended.moved, [str(ended)], cause=ended.cause) from ended
        except (BotoCoreError, ClientError) as error:
            raise RedriveError(0, [str(error)], cause=error) from error
    return Redriven(_move_by_hand(client, dlq_url, queue_url, max_messages), Method.RECEIVE_SEND_DELETE)


def _queue_arn(client: "SQSClient", queue_url: str) -> str:
    return client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _move_by_hand(client: "SQSClient", dlq_url: str, queue_url: str, max_messages: int | None) -> int:
    """Moves messages until the DLQ is empty or `max_messages` have moved; returns how many moved."""
    moved = 0
    while max_messages is None or moved < max_messages:
        batch_size = _SQS_BATCH_LIMIT if max_messages is None else min(_SQS_BATCH_LIMIT, max_messages - moved)
        try:
            messages = client.receive_message(
                QueueUrl=dlq_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=_WAIT_SECONDS
            ).get("Messages", [])
            if not messages:
                return moved
            moved_now, problems, sender_fault = _move(client, messages, dlq_url=dlq_url, queue_url=queue_url)
        except (BotoCoreError, ClientError) as error:
            raise RedriveError(moved, [str(error)], cause=error) from error
        moved += moved_now
        if problems:
            # Stop rather than retry: whatever SQS refused would most likely be refused again.
            raise RedriveError(moved, problems, sender_fault=sender_fault)
    return moved


def _move(
    client: "SQSClient", messages: "Sequence[MessageTypeDef]", *, dlq_url: str, queue_url: str
) -> tuple[int, list[str], bool]:
    """Sends the messages on, then deletes from the DLQ those that were sent; returns how many moved, what
    SQS refused, and whether it blamed the request for any of it."""
    by_entry_id = {str(index): message for index, message in enumerate(messages)}
    sent = client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": entry_id, "MessageBody": message["Body"]} for entry_id, message in by_entry_id.items()
        ],
    )
    failures = list(sent.get("Failed", []))
    problems = [f"not sent: {failed['Code']}" for failed in failures]
    sent_ids = [entry["Id"] for entry in sent.get("Successful", [])]
    if sent_ids:
        deleted = client.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": entry_id, "ReceiptHandle": by_entry_id[entry_id]["ReceiptHandle"]}
                for entry_id in sent_ids
            ],
        )
        failures += deleted.get("Failed", [])
        problems += [f"sent but left in the DLQ: {failed['Code']}" for failed in deleted.get("Failed", [])]
    return len(sent_ids), problems, any(failed["SenderFault"] for failed in failures)
