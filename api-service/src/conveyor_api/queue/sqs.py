"""The jobs queue in SQS: one job message per accepted job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.models import JobMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsJobPublisher:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def publish(self, message: JobMessage) -> None:
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=message.to_json())
        except (BotoCoreError, ClientError) as error:
            raise BackendUnavailableError("the jobs queue did not answer") from error
