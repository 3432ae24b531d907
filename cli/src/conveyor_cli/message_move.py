"""SQS's own redrive: a message move task (StartMessageMoveTask), followed through ListMessageMoveTasks.

SQS moves the messages itself, at its own pace and without the CLI in the way: what the console's "Start DLQ
redrive" does. The task goes on if the command is interrupted (`aws sqs cancel-message-move-task` stops it).
A DLQ has at most one task running, so the newest task ListMessageMoveTasks lists is the one started here.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.type_defs import ListMessageMoveTasksResultEntryTypeDef

POLL_SECONDS = 1.0
ProgressCallback = Callable[[int, int | None], None]
"""Called with the messages moved so far and, once SQS knows it, how many there are to move."""

# What an endpoint without the API answers: moto's server a 500, others an unknown action. SQS itself answers
# UnsupportedOperation where it cannot move a queue's messages, which the receive-send-delete loop still can.
_NO_MOVE_TASK_CODES = frozenset({"UnknownOperationException", "InvalidAction", "UnsupportedOperation"})


class MoveTaskUnavailableError(Exception):
    """The endpoint cannot run a message move task for this queue: the caller moves the messages itself."""


class MoveTaskEndedError(Exception):
    """The task failed, was cancelled, or could no longer be followed (`cause`, the SQS call that failed);
    `moved` messages had moved by then, as far as SQS had said."""

    def __init__(self, moved: int, reason: str, *, cause: BotoCoreError | ClientError | None = None) -> None:
        super().__init__(reason)
        self.moved = moved
        self.cause = cause


def move_messages(
    client: "SQSClient",
    *,
    source_arn: str,
    destination_arn: str,
    on_progress: ProgressCallback,
    sleep: Callable[[float], None],
) -> int:
    """Starts the task and follows it to its end; returns how many messages it moved."""
    try:
        client.start_message_move_task(SourceArn=source_arn, DestinationArn=destination_arn)
    except ClientError as error:
        if _endpoint_lacks_move_tasks(error):
            raise MoveTaskUnavailableError(str(error)) from error
        raise
    moved = 0
    while True:
        try:
            task = _newest_task(client, source_arn)
        except (BotoCoreError, ClientError) as error:
            raise MoveTaskEndedError(
                moved, f"could not follow SQS's move task: {error}", cause=error
            ) from error
        moved = task.get("ApproximateNumberOfMessagesMoved", 0)
        to_move = task.get("ApproximateNumberOfMessagesToMove")
        on_progress(moved, to_move)
        status = task.get("Status")
        if status == "COMPLETED":
            return moved
        if status == "FAILED":
            raise MoveTaskEndedError(
                moved, f"SQS's move task failed: {task.get('FailureReason', 'no reason')}"
            )
        if status == "CANCELLED":
            raise MoveTaskEndedError(moved, "SQS's move task was cancelled")
        sleep(POLL_SECONDS)


def _endpoint_lacks_move_tasks(error: ClientError) -> bool:
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return status >= 500 or error.response.get("Error", {}).get("Code") in _NO_MOVE_TASK_CODES


def _newest_task(client: "SQSClient", source_arn: str) -> "ListMessageMoveTasksResultEntryTypeDef":
    tasks = client.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
    if not tasks:
        raise MoveTaskEndedError(0, "SQS lists no move task for the dead-letter queue")
    return tasks[0]
