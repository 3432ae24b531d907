"""The API under injected AWS faults: a 503 means nothing was accepted, and a job that will run is a 202."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE

from tests.support import contract, http
from tests.support.faults import FaultInjector, Kind
from tests.support.stack import Stack


@pytest.mark.parametrize("kind", ["throttling", "server-error", "timeout"])
def test_a_refused_job_write_answers_503_stores_nothing_and_its_message_is_dropped_as_an_orphan(
    stack: Stack, kind: Kind
) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail("PutItem", kind)
    api_url = stack.start_api(dynamodb_client=client)

    response = stack.submit("text_transform", {"text": "refused"}, api_url=api_url)

    assert response.status == 503
    assert response.content_type.startswith("application/problem+json")
    contract.validator("problem").validate(response.json())
    assert faults.injected == [("PutItem", "before", kind)]
    assert stack.items() == []
    # Its message left before the write: a worker that sees it once its API can no longer store the job
    # acknowledges it as an orphan, and nothing reaches the DLQ.
    assert stack.queued_messages() == 1
    _worker_a_minute_later(stack).poll_once()
    assert stack.queued_messages() == 0
    assert stack.message_bodies(stack.resources.dlq_url) == []
    assert stack.items() == []


def test_a_refused_message_answers_503_and_stores_nothing(stack: Stack) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("SendMessage", "server-error")
    api_url = stack.start_api(sqs_client=client)

    response = stack.submit("text_transform", {"text": "refused"}, api_url=api_url)

    assert response.status == 503
    assert (stack.items(), stack.queued_messages()) == ([], 0)


def test_a_job_write_whose_answer_was_lost_is_accepted_and_runs_once(stack: Stack) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail("PutItem", "timeout", moment="after")
    api_url = stack.start_api(dynamodb_client=client)

    response = stack.submit("text_transform", {"text": "landed"}, api_url=api_url)

    # The write landed, and the job has a message: it will run, so the client is told it was accepted.
    assert response.status == 202
    job_id = response.json()["job_id"]
    assert [item["job_id"]["S"] for item in stack.items()] == [job_id]
    stack.worker().poll_once()
    assert stack.status(job_id).json()["status"] == "SUCCEEDED"


def _worker_a_minute_later(stack: Stack) -> SqsEventSource:
    later = datetime.now(UTC) + ORPHAN_MESSAGE_AGE
    return SqsEventSource(
        stack.sqs,
        stack.worker_handler(clock=lambda: later),
        queue_url=stack.resources.queue_url,
        queue_arn=stack.resources.queue_arn,
        wait_time_seconds=0,
    )


def test_keyed_submission_whose_job_write_failed_frees_its_key_for_the_retry(stack: Stack) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    jobs_table = stack.resources.table_name
    faults.fail("PutItem", "server-error", when=lambda params: params["TableName"] == jobs_table)
    api_url = stack.start_api(dynamodb_client=client)

    def submit() -> http.Response:
        return http.request(
            "POST",
            f"{api_url}/jobs",
            json_body={"job_type": "text_transform", "payload": {"text": "stored on the retry"}},
            headers={"Idempotency-Key": "a0c1b2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"},
        )

    refused = submit()
    keys_after_refusal = stack.dynamodb.scan(TableName=stack.resources.idempotency_table_name)["Items"]
    retried = submit()

    assert (refused.status, retried.status) == (503, 202)
    # Powertools deleted the key's item when the job could not be stored, so the retry used the key afresh.
    assert keys_after_refusal == []
    assert [item["job_id"]["S"] for item in stack.items()] == [retried.json()["job_id"]]
    # Each attempt sent its message before its write; a keyed job's id comes from its key and body, so both
    # name the one job, which runs once.
    bodies = stack.message_bodies(stack.resources.queue_url)
    assert [json.loads(body)["job_id"] for body in bodies] == [retried.json()["job_id"]] * 2
