"""The jobs queue in SQS: the worker postpones the retry of a received message and sends a newer job's message
again to wait, the sweeper re-sends; and its DLQ, where the sweeper looks for pending jobs' messages."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from conveyor_worker.jobs.sweep import DeadLetter
from conveyor_worker.models.job_message import JobMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

DEFERRALS_ATTRIBUTE = "ConveyorDeferrals"
"""How many times a message of a job newer than its worker has been sent again to wait (jobs/newer.py)."""


class SqsJobsQueue:
    def __init__(self, client: "SQSClient", queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay_seconds
        )

    def send(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=message.model_dump_json(), DelaySeconds=delay_seconds
        )

    def send_later(self, body: str, *, delay_seconds: int, deferrals: int | None = None) -> None:
        # The count rides in a message attribute, beside the body: the body stays the job message as sent. An
        # early message's copy (jobs/later.py) has none: it waits for its run_at, not for a newer worker.
        if deferrals is None:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=body, DelaySeconds=delay_seconds)
            return
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=body,
            DelaySeconds=delay_seconds,
            MessageAttributes={DEFERRALS_ATTRIBUTE: {"DataType": "Number", "StringValue": str(deferrals)}},
        )


class SqsDeadLetterQueue:
    def __init__(self, client: "SQSClient", queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def receive(self, max_messages: int) -> list[DeadLetter]:
        # No long poll: the sweep must not wait on an empty DLQ, which it almost always is.
        response = self._client.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=min(max_messages, 10), WaitTimeSeconds=0
        )
        return [
            DeadLetter(body=message["Body"], receipt_handle=message["ReceiptHandle"])
            for message in response.get("Messages", [])
        ]

    def delete(self, receipt_handle: str) -> None:
        self._client.delete_message(QueueUrl=self._queue_url, ReceiptHandle=receipt_handle)

    def release(self, receipt_handles: Sequence[str]) -> None:
        # An entry SQS fails (it answers which, without raising) is seen later all the same: at its visibility
        # timeout's end.
        self._client.change_message_visibility_batch(
            QueueUrl=self._queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(receipt_handles)
            ],
        )
