"""A jobs queue and its dead-letter queue in moto, read and written through boto3 directly."""

import uuid
from typing import TYPE_CHECKING, Any

from .events import sqs_record

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


class JobsQueue:
    def __init__(self, client: "SQSClient") -> None:
        self.client = client
        name = f"jobs-{uuid.uuid4().hex[:8]}"
        self.url = client.create_queue(QueueName=name)["QueueUrl"]
        self.dlq_url = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]

    def receive_as_record(self, body: str) -> dict[str, Any]:
        """Sends `body` and receives it, as the event source mapping would hand it to the worker: with the
        receipt handle and receive count of a real receive."""
        self.client.send_message(QueueUrl=self.url, MessageBody=body)
        (message,) = self.client.receive_message(
            QueueUrl=self.url, MessageSystemAttributeNames=["ApproximateReceiveCount"]
        )["Messages"]
        return sqs_record(
            message["Body"],
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            receive_count=int(message["Attributes"]["ApproximateReceiveCount"]),
        )

    def bodies(self, queue_url: str | None = None) -> list[str]:
        """Receives every visible message of the jobs queue (or of `queue_url`), leaving them in flight."""
        bodies: list[str] = []
        while True:
            messages = self.client.receive_message(
                QueueUrl=queue_url or self.url, MaxNumberOfMessages=10
            ).get("Messages", [])
            if not messages:
                return bodies
            bodies += [message["Body"] for message in messages]
