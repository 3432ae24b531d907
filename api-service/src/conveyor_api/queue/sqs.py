"""The jobs queue in SQS: one job message per accepted job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.models import JobMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


SEND_BATCH_LIMIT = 10
"""SendMessageBatch takes at most 10 messages a call."""


class SqsJobPublisher:
    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def publish(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._queue_url, MessageBody=message.to_json(), DelaySeconds=delay_seconds
            )
        except (BotoCoreError, ClientError) as error:
            raise BackendUnavailableError("the jobs queue did not answer") from error

    def publish_many(
        self, messages: Sequence[JobMessage], *, delays: Mapping[str, int] | None = None
    ) -> set[str]:
        """Sends the messages 10 a call (SendMessageBatch); the job ids of those SQS took.

        A message SQS lists as Failed was not sent. One of a call that failed may have been: its job is
        reported unsent all the same, and is never stored, so such a message is an orphan, which the worker
        drops. The calls stop at the first that fails, as every request of the API ends at its first failed
        call (aws_call_budget): the messages after it are not sent. botocore's retries of a call are
        harmless here (a duplicate message, which the worker skips). `delays` gives a job's message its
        DelaySeconds, by job id (0 when absent).
        """
        delays = delays or {}
        sent: set[str] = set()
        for start in range(0, len(messages), SEND_BATCH_LIMIT):
            chunk = messages[start : start + SEND_BATCH_LIMIT]
            entries = {str(index): message for index, message in enumerate(chunk)}
            try:
                response = self._client.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[
                        {
                            "Id": id_,
                            "MessageBody": message.to_json(),
                            "DelaySeconds": delays.get(message.job_id, 0),
                        }
                        for id_, message in entries.items()
                    ],
                )
            except (BotoCoreError, ClientError):
                break
            sent.update(entries[entry["Id"]].job_id for entry in response.get("Successful", []))
        return sent
