"""The API under injected AWS faults: a refused write answers 503 and leaves nothing behind."""

from __future__ import annotations

import pytest
from conveyor_local.aws import dynamodb_client

from tests.support import contract, http
from tests.support.faults import FaultInjector, Kind
from tests.support.stack import Stack


@pytest.mark.parametrize("kind", ["throttling", "server-error", "timeout"])
def test_failed_job_write_answers_503_and_stores_and_sends_nothing(stack: Stack, kind: Kind) -> None:
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
    assert stack.queued_messages() == 0


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
    assert stack.queued_messages() == 1
