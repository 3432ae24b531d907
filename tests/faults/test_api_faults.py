"""The API under injected AWS faults: a refused write answers 503 and leaves nothing behind."""

from __future__ import annotations

import pytest
from conveyor_local.aws import dynamodb_client

from tests.support import contract
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
