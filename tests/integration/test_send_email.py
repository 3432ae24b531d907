"""send_email on the local stack, as `make dev` runs it: the worker stack deployed with a sender, which the
local stack verified in moto's SES (conveyor_local.provision). One email per job, however often SQS delivers
the job's message (docs/design.md, Effects that must happen once)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from conveyor_local.aws import sqs_client

from tests.support import contract, http
from tests.support.local_stack import LocalStack, running_local_stack
from tests.support.waiting import wait_for

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

JOB_END_TIMEOUT_SECONDS = 60
PAYLOAD = {
    "to": ["ada@example.org"],
    "subject": "Your report",
    "text": "It is ready.",
    "html": "<p>Ready.</p>",
}


@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStack]:
    with running_local_stack() as stack:
        yield stack


def _submitted(stack: LocalStack, payload: dict[str, Any]) -> str:
    body = json.dumps({"job_type": "send_email", "payload": payload}).encode()
    answer = http.request(
        "POST", f"{stack.api_url}/jobs", body=body, headers={"content-type": "application/json"}
    )
    assert answer.status == 202, answer.body
    return str(answer.json()["job_id"])


def _ended(stack: LocalStack, job_id: str) -> dict[str, Any]:
    def record() -> dict[str, Any] | None:
        found: dict[str, Any] = http.request("GET", f"{stack.api_url}/jobs/{job_id}").json()
        return found if found["status"] in ("SUCCEEDED", "FAILED") else None

    ended = wait_for(record, timeout=JOB_END_TIMEOUT_SECONDS, what=f"job {job_id} to end", interval=0.2)
    contract.validator("job-record").validate(ended)
    return ended


def _queue_is_empty(sqs: SQSClient, queue_url: str) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_a_job_sends_one_email_and_its_message_delivered_again_sends_nothing(local_stack: LocalStack) -> None:
    before = local_stack.emails_sent()

    job_id = _submitted(local_stack, PAYLOAD)
    record = _ended(local_stack, job_id)

    assert record["status"] == "SUCCEEDED", record
    assert record["result"]["recipients"] == 1
    assert local_stack.emails_sent() == before + 1
    # SQS delivers a message more than once now and then: the job's message again, as a duplicate would be.
    queue_url = local_stack.core_resources().queue_url
    sqs = sqs_client(local_stack.aws_endpoint_url)
    message = {
        "contract_version": "1",
        "job_id": job_id,
        "job_type": "send_email",
        "submitted_at": record["created_at"],
    }
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
    wait_for(
        lambda: _queue_is_empty(sqs, queue_url), timeout=JOB_END_TIMEOUT_SECONDS, what="the copy consumed"
    )
    assert local_stack.emails_sent() == before + 1
    assert _ended(local_stack, job_id) == record


def test_a_payload_that_is_not_one_email_is_refused_and_sends_nothing(local_stack: LocalStack) -> None:
    before = local_stack.emails_sent()
    header_injection = {**PAYLOAD, "subject": "Hi\r\nBcc: everyone@example.org"}

    body = json.dumps({"job_type": "send_email", "payload": header_injection}).encode()
    answer = http.request(
        "POST", f"{local_stack.api_url}/jobs", body=body, headers={"content-type": "application/json"}
    )

    assert answer.status == 400
    assert answer.json()["errors"][0]["pointer"] == "/payload/subject"
    assert local_stack.emails_sent() == before
