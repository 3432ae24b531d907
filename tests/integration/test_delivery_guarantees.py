"""Duplicates, races, retries and poison: each job runs once, and every accepted job ends."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from conveyor_worker.job_types.context import JobContext

from tests.support.stack import MAX_RECEIVE_COUNT, Stack
from tests.support.waiting import wait_for


def _drain(stack: Stack, *, timeout: float = 30.0) -> None:
    """Run the worker until the jobs queue is empty: everything either succeeded or moved to the DLQ."""
    worker = stack.worker()

    def drained() -> bool:
        worker.poll_once()
        return stack.queued_messages() == 0

    wait_for(drained, timeout=timeout, what="the jobs queue to drain", interval=0)


def test_duplicate_delivery_runs_the_job_once(stack: Stack) -> None:
    job_id = stack.submit("text_transform", {"text": "only once"}).json()["job_id"]
    (body,) = stack.message_bodies(stack.resources.queue_url)
    # The first receive above made the original invisible for a second; the copy is a second delivery.
    stack.send_raw_message(body)

    _drain(stack)

    assert stack.job_runs["text_transform"] == 1
    assert stack.status(job_id).json()["status"] == "SUCCEEDED"
    assert stack.status(job_id).json()["attempts"] == 1
    assert stack.queued_messages(stack.resources.dlq_url) == 0


def test_sixteen_concurrent_claimers_on_one_job_exactly_one_wins(stack: Stack) -> None:
    job_id = stack.submit("text_transform", {"text": "race"}).json()["job_id"]
    (body,) = stack.message_bodies(stack.resources.queue_url)
    runs: list[str] = []
    runs_lock = threading.Lock()

    def slow_job(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        with runs_lock:
            runs.append(str(payload["text"]))
        time.sleep(0.2)  # keeps the winner busy while the others try, as a real job would
        text = str(payload["text"])
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    stack.replace_job("text_transform", slow_job)
    # One handler per claimer, like sixteen Lambda instances each holding a delivery of the same message.
    # Their lease outlasts the race: with the suites' 1 s lease a claimer that a loaded machine delays past
    # it re-claims the job rightly (tests/faults/test_races.py covers that case), which is not this one.
    handlers = [stack.worker_handler(lease_seconds=60) for _ in range(16)]
    start = threading.Barrier(len(handlers))

    def deliver(handler: Any) -> Any:
        start.wait()
        return handler(_sqs_event(stack, body), None)

    with ThreadPoolExecutor(max_workers=len(handlers)) as pool:
        responses = list(pool.map(deliver, handlers))

    assert len(runs) == 1
    # A loser that met the winner's live lease gave the message back, to come back when that lease has
    # expired (in case the winner dies); one that came after the winner finished acknowledged it.
    assert all(len(response["batchItemFailures"]) <= 1 for response in responses)
    assert handlers[0](_sqs_event(stack, body), None) == {"batchItemFailures": []}
    record = stack.status(job_id).json()
    assert record["status"] == "SUCCEEDED"
    assert record["attempts"] == 1


def test_job_that_keeps_failing_ends_in_the_dlq_and_failed(stack: Stack) -> None:
    def unavailable(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        raise ConnectionError("downstream service unavailable")

    stack.replace_job("text_transform", unavailable)
    job_id = stack.submit("text_transform", {"text": "doomed"}).json()["job_id"]

    _drain(stack)

    assert stack.job_runs["text_transform"] == MAX_RECEIVE_COUNT
    record = stack.status(job_id).json()
    assert record["status"] == "FAILED"
    assert record["attempts"] == MAX_RECEIVE_COUNT
    assert record["error"]["code"] == "RETRIES_EXHAUSTED"
    assert "downstream service unavailable" in record["error"]["message"]
    (dead_letter,) = stack.message_bodies(stack.resources.dlq_url)
    assert json.loads(dead_letter)["job_id"] == job_id


def test_poison_messages_do_not_fail_their_batch_mates(stack: Stack) -> None:
    stack.send_raw_message("this is not JSON")
    stack.send_raw_message(json.dumps({"contract_version": "1", "job_id": "nope"}))
    job_id = stack.submit("data_analysis", {"data": [5, 1, 3]}).json()["job_id"]
    worker = stack.worker()

    first = worker.poll_once()

    assert (first.received, first.deleted, first.failed) == (3, 1, 2)
    assert stack.status(job_id).json()["status"] == "SUCCEEDED"
    _drain(stack)
    dead_letters = stack.message_bodies(stack.resources.dlq_url)
    assert sorted(dead_letters) == sorted(
        ["this is not JSON", json.dumps({"contract_version": "1", "job_id": "nope"})]
    )
    assert stack.job_runs["data_analysis"] == 1


def test_a_message_whose_job_was_never_stored_is_dropped_as_an_orphan_not_sent_to_the_dlq(
    stack: Stack,
) -> None:
    # As an API leaves it when its write failed after the message left (it answered 503): the job never
    # exists, and nothing waits for it. Sent long enough ago that its API can no longer store it.
    orphan = json.dumps(
        {
            "contract_version": "1",
            "job_id": str(uuid.uuid4()),
            "job_type": "text_transform",
            "submitted_at": "2026-11-24T17:05:09.123Z",
        }
    )
    stack.send_raw_message(orphan)

    _drain(stack)

    assert stack.message_bodies(stack.resources.dlq_url) == []
    assert stack.items() == []


def _sqs_event(stack: Stack, body: str) -> dict[str, Any]:
    now_ms = str(int(time.time() * 1000))
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": uuid.uuid4().hex,
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": now_ms,
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": now_ms,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": stack.resources.queue_arn,
                "awsRegion": "us-east-1",
            }
        ]
    }
