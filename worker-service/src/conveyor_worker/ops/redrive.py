"""`conveyor-redrive`: moves the messages of the dead-letter queue back to the jobs queue.

    conveyor-redrive --dlq-url URL --queue-url URL [--max N]

Run it once the cause of the failures is fixed. Batches of up to ten messages are received from the DLQ,
sent to the jobs queue, and only then deleted from the DLQ, so no message is lost: one whose deletion fails
reappears in the DLQ and may be moved twice, which is harmless, since a job runs at most once (its claim is
conditional) and a message for a job that already ended is acknowledged without running it.

SQS has this built in (StartMessageMoveTask), but moto, on which the local stack runs, does not implement
it; this loop works on both. Endpoint, region and credentials come from the standard AWS environment
variables (AWS_ENDPOINT_URL points it at the local stack).
"""

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

_SQS_BATCH_LIMIT = 10
# Long polling asks every SQS server, so an empty answer means an empty queue; short polling samples some
# servers and can answer empty while messages remain.
_WAIT_SECONDS = 1


class RedriveError(Exception):
    """The move stopped part way; the messages not moved are still in the dead-letter queue."""

    def __init__(self, moved: int, problems: Sequence[str]) -> None:
        super().__init__(f"moved {moved} messages, then stopped: {'; '.join(problems)}")
        self.moved = moved


def redrive(client: "SQSClient", *, dlq_url: str, queue_url: str, max_messages: int | None = None) -> int:
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
            moved_now, problems = _move(client, messages, dlq_url=dlq_url, queue_url=queue_url)
        except (BotoCoreError, ClientError) as error:
            raise RedriveError(moved, [str(error)]) from error
        moved += moved_now
        if problems:
            # Stop rather than retry: whatever SQS refused would most likely be refused again.
            raise RedriveError(moved, problems)
    return moved


def _move(
    client: "SQSClient", messages: "Sequence[MessageTypeDef]", *, dlq_url: str, queue_url: str
) -> tuple[int, list[str]]:
    """Sends the messages on, then deletes from the DLQ those that were sent; returns how many moved, and
    what SQS refused."""
    by_entry_id = {str(index): message for index, message in enumerate(messages)}
    sent = client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": entry_id, "MessageBody": message["Body"]} for entry_id, message in by_entry_id.items()
        ],
    )
    problems = [f"not sent: {failed['Code']}" for failed in sent.get("Failed", [])]
    sent_ids = [entry["Id"] for entry in sent.get("Successful", [])]
    if sent_ids:
        deleted = client.delete_message_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": entry_id, "ReceiptHandle": by_entry_id[entry_id]["ReceiptHandle"]}
                for entry_id in sent_ids
            ],
        )
        problems += [f"sent but left in the DLQ: {failed['Code']}" for failed in deleted.get("Failed", [])]
    return len(sent_ids), problems


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        moved = redrive(
            boto3.client("sqs"),
            dlq_url=arguments.dlq_url,
            queue_url=arguments.queue_url,
            max_messages=arguments.max,
        )
    except RedriveError as stopped:
        print(f"conveyor-redrive: {stopped}", file=sys.stderr)
        return 1
    print(f"moved {moved} messages from {arguments.dlq_url} to {arguments.queue_url}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conveyor-redrive", description="Move the dead-letter queue's messages back to the jobs queue."
    )
    parser.add_argument("--dlq-url", required=True, help="the dead-letter queue to empty")
    parser.add_argument("--queue-url", required=True, help="the jobs queue to move the messages to")
    parser.add_argument(
        "--max", type=_positive_int, metavar="N", help="move at most N messages (default: all of them)"
    )
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value
