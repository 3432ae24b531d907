"""The SQS publisher sends the job message as the contract's JSON, and turns AWS errors into 503s."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from conveyor_api import contract
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.models import JobMessage
from conveyor_api.queue.sqs import SqsJobPublisher
from tests.adapters.conftest import Aws, queued_messages

MESSAGE = JobMessage(
    contract_version="1",
    job_id="3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
    job_type="text_transform",
    submitted_at="2026-11-24T17:05:09.123Z",
)


def test_message_body_is_the_job_message_document(aws: Aws) -> None:
    SqsJobPublisher(aws.sqs, aws.queue_url).publish(MESSAGE)

    [body] = queued_messages(aws)
    assert json.loads(body) == {
        "contract_version": "1",
        "job_id": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
        "job_type": "text_transform",
        "submitted_at": "2026-11-24T17:05:09.123Z",
    }
    assert contract.validator("job-message").is_valid(json.loads(body))


def test_missing_queue_is_backend_unavailable(aws: Aws) -> None:
    publisher = SqsJobPublisher(aws.sqs, aws.queue_url.replace("jobs-", "gone-"))

    with pytest.raises(BackendUnavailableError):
        publisher.publish(MESSAGE)


def test_throttling_is_backend_unavailable() -> None:
    client = boto3.client("sqs")
    with Stubber(client) as stubber:
        stubber.add_client_error("send_message", "RequestThrottled", http_status_code=400)

        with pytest.raises(BackendUnavailableError):
            SqsJobPublisher(client, "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs").publish(MESSAGE)
