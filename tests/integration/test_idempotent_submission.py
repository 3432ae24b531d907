"""POST /jobs retried with an Idempotency-Key, over HTTP against moto: one key, one job, one message."""

from __future__ import annotations

import json
from typing import Any

from conveyor_local.aws import sqs_client

from tests.support import contract, http
from tests.support.faults import FaultInjector
from tests.support.stack import Stack

BODY = {"job_type": "text_transform", "payload": {"text": "exactly once"}}
KEY = "5d0c8a3e-1f2b-4c6d-9e8f-7a6b5c4d3e2f"


def _submit(stack: Stack, body: Any, *, api_url: str | None = None) -> http.Response:
    return http.request(
        "POST", f"{api_url or stack.api_url}/jobs", json_body=body, headers={"Idempotency-Key": KEY}
    )


def _stored_job_ids(stack: Stack) -> list[str]:
    return [item["job_id"]["S"] for item in stack.items()]


def test_same_key_and_body_answer_the_same_job_and_enqueue_one_message(stack: Stack) -> None:
    first = _submit(stack, BODY)
    replay = _submit(stack, BODY)

    assert (first.status, replay.status) == (202, 202)
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"] == f"/jobs/{first.json()['job_id']}"
    assert _stored_job_ids(stack) == [first.json()["job_id"]]
    assert stack.queued_messages() == 1


def test_same_key_with_another_body_is_422_and_stores_nothing_new(stack: Stack) -> None:
    first = _submit(stack, BODY)

    reused = _submit(stack, {"job_type": "text_transform", "payload": {"text": "something else"}})

    assert reused.status == 422
    assert reused.content_type.startswith("application/problem+json")
    contract.validator("problem").validate(reused.json())
    assert reused.json()["type"] == "urn:conveyor:problem:idempotency-key-reused"
    assert _stored_job_ids(stack) == [first.json()["job_id"]]
    assert stack.queued_messages() == 1


def test_a_submission_whose_message_the_queue_refused_stores_nothing_and_its_retry_creates_the_job(
    stack: Stack,
) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail("SendMessage", "server-error")
    api_url = stack.start_api(sqs_client=client)

    refused = _submit(stack, BODY, api_url=api_url)
    retried = _submit(stack, BODY, api_url=api_url)

    assert (refused.status, retried.status) == (503, 202)
    assert _stored_job_ids(stack) == [retried.json()["job_id"]]
    bodies = stack.message_bodies(stack.resources.queue_url)
    assert [json.loads(body)["job_id"] for body in bodies] == [retried.json()["job_id"]]
