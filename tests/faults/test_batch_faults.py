"""POST /jobs/batch under injected AWS faults: a job answered 202 is stored and runs once, a job answered 503
is not stored and its message, if one left, is dropped as an orphan; nothing accepted is lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE

from tests.support import http
from tests.support.faults import FaultInjector, Kind
from tests.support.stack import Stack


def _jobs(count: int) -> list[dict[str, Any]]:
    return [{"job_type": "text_transform", "payload": {"text": f"job {n}"}} for n in range(count)]


def _submit_batch(api_url: str, count: int) -> list[dict[str, Any]]:
    response = http.request("POST", f"{api_url}/jobs/batch", json_body={"jobs": _jobs(count)})
    assert response.status == 200
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _accepted(results: list[dict[str, Any]]) -> list[str]:
    return [result["job"]["job_id"] for result in results if result["status"] == 202]


def _run_a_minute_later_until_idle(stack: Stack) -> None:
    """Workers that also drop the orphans: a message is one once its API can no longer store its job."""
    later = datetime.now(UTC) + ORPHAN_MESSAGE_AGE
    source = SqsEventSource(
        stack.sqs,
        stack.worker_handler(clock=lambda: later),
        queue_url=stack.resources.queue_url,
        queue_arn=stack.resources.queue_arn,
        wait_time_seconds=0,
    )
    while source.poll_once().received:
        pass


def _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack: Stack, accepted: list[str]) -> None:
    assert sorted(item["job_id"]["S"] for item in stack.items()) == sorted(accepted)
    _run_a_minute_later_until_idle(stack)
    assert {stack.status(job_id).json()["status"] for job_id in accepted} <= {"SUCCEEDED"}
    assert stack.job_runs["text_transform"] == len(accepted)
    assert stack.queued_messages() == 0
    assert stack.message_bodies(stack.resources.dlq_url) == []


@pytest.mark.parametrize("kind", ["throttling", "server-error", "timeout"])
def test_a_failed_send_of_the_first_10_messages_refuses_every_job_and_stores_none(
    stack: Stack, kind: Kind
) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail(
        "SendMessageBatch", kind, when=lambda params: params["Entries"][0]["MessageBody"].find("") == 0
    )
    api_url = stack.start_api(sqs_client=client)

    results = _submit_batch(api_url, 25)

    # A request ends at its first failed call: the next messages are not sent either.
    assert [result["status"] for result in results] == [503] * 25
    assert faults.calls == {"SendMessageBatch": 1}
    _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack, _accepted(results))


def test_a_failed_send_of_the_last_5_messages_refuses_those_5_jobs_alone(stack: Stack) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail("SendMessageBatch", "server-error", when=lambda params: len(params["Entries"]) == 5)
    api_url = stack.start_api(sqs_client=client)

    results = _submit_batch(api_url, 25)

    assert [result["status"] for result in results] == [202] * 20 + [503] * 5
    _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack, _accepted(results))


def test_a_batch_write_that_applied_but_lost_its_answer_is_read_back_and_every_job_runs_once(
    stack: Stack,
) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    faults = FaultInjector(client)
    faults.fail("BatchWriteItem", "timeout", moment="after")
    api_url = stack.start_api(dynamodb_client=client)

    results = _submit_batch(api_url, 25)

    assert [result["status"] for result in results] == [202] * 25
    assert faults.calls == {"BatchWriteItem": 1, "BatchGetItem": 1}
    _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack, _accepted(results))


@pytest.mark.parametrize("kind", ["throttling", "server-error", "timeout"])
def test_a_batch_write_refused_before_it_applied_refuses_every_job_and_their_messages_are_orphans(
    stack: Stack, kind: Kind
) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("BatchWriteItem", kind)
    api_url = stack.start_api(dynamodb_client=client)

    results = _submit_batch(api_url, 3)

    assert [result["status"] for result in results] == [503] * 3
    assert stack.queued_messages() == 3
    _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack, [])


def test_puts_dynamodb_leaves_unprocessed_are_written_again_and_every_job_runs_once(stack: Stack) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    calls = FaultInjector(client).calls
    _leave_unprocessed_in_the_first_call(client, count=7)
    api_url = stack.start_api(dynamodb_client=client)

    results = _submit_batch(api_url, 25)

    assert [result["status"] for result in results] == [202] * 25
    assert calls == {"BatchWriteItem": 2}
    _assert_accepted_jobs_ran_once_and_nothing_else_is_stored(stack, _accepted(results))


def _leave_unprocessed_in_the_first_call(client: Any, *, count: int) -> None:
    """As DynamoDB under load: the first BatchWriteItem applies all but its last `count` puts, and lists those
    as UnprocessedItems."""
    held: list[Any] = []

    def hold_back(params: dict[str, Any], **_: Any) -> None:
        if not held:
            (table, puts), *_ = params["RequestItems"].items()
            held.extend([table, puts[-count:]])
            params["RequestItems"][table] = puts[:-count]

    def report_unprocessed(parsed: dict[str, Any], **_: Any) -> None:
        if len(held) == 2:
            table, puts = held
            parsed["UnprocessedItems"] = {table: puts}
            held.append("reported")

    client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", hold_back)
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", report_unprocessed)
