"""The worker under injected AWS faults and deaths: every job still ends, and completes exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from conveyor_local.aws import dynamodb_client
from conveyor_worker.job_types.context import JobContext

from tests.support.faults import FaultInjector, ProcessDied
from tests.support.stack import Stack
from tests.support.waiting import wait_for


def _is_claim(params: dict[str, Any]) -> bool:
    return ":queued" in params.get("ExpressionAttributeValues", {})


def _is_success(params: dict[str, Any]) -> bool:
    return ":succeeded" in params.get("ExpressionAttributeValues", {})


def _run_until_finished(
    stack: Stack, job_id: str, worker_client: Any = None, timeout: float = 30
) -> dict[str, Any]:
    worker = stack.worker(dynamodb_client=worker_client)

    def finished() -> dict[str, Any] | None:
        # A dead instance deletes nothing: SQS redelivers its batch after the visibility timeout.
        with contextlib.suppress(ProcessDied):
            worker.poll_once()
        record: dict[str, Any] = stack.status(job_id).json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(finished, timeout=30, what=f"job {job_id} to finish", interval=0)


def _drain(stack: Stack) -> None:
    worker = stack.worker()

    def drained() -> bool:
        worker.poll_once()
        return stack.queued_messages() == 0

    wait_for(drained, timeout=30, what="the jobs queue to drain", interval=0)


def _faulty_worker_client(stack: Stack) -> tuple[Any, FaultInjector]:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    return client, FaultInjector(client)


def test_throttled_claim_is_retried_and_the_job_runs_once(stack: Stack) -> None:
    client, faults = _faulty_worker_client(stack)
    faults.fail("UpdateItem", "throttling", when=_is_claim)
    job_id = stack.submit("text_transform", {"text": "throttled"}).json()["job_id"]

    record = _run_until_finished(stack, job_id, client)

    assert faults.injected == [("UpdateItem", "before", "throttling")]
    assert record["status"] == "SUCCEEDED"
    assert stack.job_runs["text_transform"] == 1


def test_lost_completion_response_does_not_run_the_job_again(stack: Stack) -> None:
    client, faults = _faulty_worker_client(stack)
    faults.fail("UpdateItem", "server-error", moment="after", when=_is_success)
    job_id = stack.submit("text_transform", {"text": "written, answer lost"}).json()["job_id"]

    record = _run_until_finished(stack, job_id, client)
    wait_for(
        lambda: stack.queued_messages() == 0 or (stack.worker().poll_once() and False), timeout=15, what="ack"
    )

    assert faults.injected == [("UpdateItem", "after", "server-error")]
    assert record["status"] == "SUCCEEDED"
    assert record["attempts"] == 1
    assert stack.job_runs["text_transform"] == 1


def test_completion_that_never_reached_dynamodb_is_rerun_and_completed_once(stack: Stack) -> None:
    client, faults = _faulty_worker_client(stack)
    faults.fail("UpdateItem", "timeout", when=_is_success)
    job_id = stack.submit("text_transform", {"text": "lost write"}).json()["job_id"]

    record = _run_until_finished(stack, job_id, client)

    assert faults.injected == [("UpdateItem", "before", "timeout")]
    assert record["status"] == "SUCCEEDED"
    # At-least-once execution, exactly-once completion: the second run re-claimed the expired lease.
    assert stack.job_runs["text_transform"] == 2
    assert record["attempts"] == 2


def test_worker_dying_mid_job_is_redelivered_and_the_job_completes(stack: Stack) -> None:
    deaths: list[str] = []

    def dies_once(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        if not deaths:
            deaths.append("died")
            raise ProcessDied("Lambda timed out in the middle of the job")
        text = str(payload["text"])
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    stack.replace_job("text_transform", dies_once)
    job_id = stack.submit("text_transform", {"text": "second life"}).json()["job_id"]

    record = _run_until_finished(stack, job_id)

    assert deaths == ["died"]
    assert record["status"] == "SUCCEEDED"
    assert record["attempts"] == 2
    assert record["result"]["uppercase"] == "SECOND LIFE"
