"""Races: overlapping deliveries to many workers, and a slow worker overtaken after its lease expired."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.job_types.context import JobContext

from tests.support.stack import JOB_LEASE_SECONDS, Stack
from tests.support.waiting import wait_for

JOBS = 20
COPIES_PER_JOB = 3
WORKERS = 8


def _uppercase(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    text = str(payload["text"])
    return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}


def test_many_workers_on_overlapping_deliveries_complete_each_job_exactly_once(stack: Stack) -> None:
    runs: Counter[str] = Counter()
    lock = threading.Lock()

    def counted(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        with lock:
            runs[str(payload["text"])] += 1
        return _uppercase(payload, job)

    stack.replace_job("text_transform", counted)
    job_ids = [stack.submit("text_transform", {"text": f"job {n}"}).json()["job_id"] for n in range(JOBS)]
    for job_id in job_ids:
        body = {"contract_version": "1", "job_id": job_id, "job_type": "text_transform"}
        body["submitted_at"] = stack.status(job_id).json()["created_at"]
        for _ in range(COPIES_PER_JOB):
            stack.send_raw_message(json.dumps(body))
    workers = [stack.worker() for _ in range(WORKERS)]

    def work(worker: SqsEventSource) -> None:
        # A copy that met a live lease comes back once that lease has expired (a second or two here), in
        # case its holder died: the workers keep polling until no copy is left, visible or not.
        deadline = time.monotonic() + 60
        while stack.queued_messages() and time.monotonic() < deadline:
            worker.poll_once()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(work, workers))

    assert stack.queued_messages() == 0
    for n, job_id in enumerate(job_ids):
        record = stack.status(job_id).json()
        item = stack.dynamodb.get_item(TableName=stack.resources.table_name, Key={"job_id": {"S": job_id}})[
            "Item"
        ]
        refused = int(item.get("refused_completions", {"N": "0"})["N"])
        assert record["status"] == "SUCCEEDED"
        assert record["result"]["uppercase"] == f"JOB {n}"
        # Execution is at least once: a run that outlives its lease (1 s here, on a loaded machine) can
        # be re-claimed by a duplicate. Completion is exactly once: every other run's result was refused.
        assert runs[f"job {n}"] == record["attempts"]
        assert refused == record["attempts"] - 1


def test_slow_worker_overtaken_after_its_lease_expired_cannot_complete_the_job(stack: Stack) -> None:
    slow_may_finish = threading.Event()
    slow_started = threading.Event()

    def first_run_is_slow(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        if not slow_started.is_set():
            slow_started.set()
            slow_may_finish.wait(timeout=30)
            return {"length": 4, "uppercase": "SLOW", "word_count": 1}
        return _uppercase(payload, job)

    stack.replace_job("text_transform", first_run_is_slow)
    job_id = stack.submit("text_transform", {"text": "contended"}).json()["job_id"]
    (message,) = stack.sqs.receive_message(
        QueueUrl=stack.resources.queue_url, MessageSystemAttributeNames=["All"]
    )["Messages"]
    event = {"Records": [_record(stack, message)]}
    slow_worker = stack.worker_handler()
    # The second worker lives after the first one's lease: SQS redelivered the message past its visibility.
    later = stack.worker_handler(clock=lambda: datetime.now(UTC) + timedelta(seconds=JOB_LEASE_SECONDS + 1))

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(slow_worker, event, None)
        wait_for(slow_started.is_set, timeout=10, what="the slow worker to start")
        second = later(event, None)
        slow_may_finish.set()
        first_response = first.result(timeout=30)

    assert second == {"batchItemFailures": []}
    assert first_response == {"batchItemFailures": []}  # acknowledged: its result is dropped, not retried
    record = stack.status(job_id).json()
    assert record["status"] == "SUCCEEDED"
    assert record["result"]["uppercase"] == "CONTENDED"
    assert record["attempts"] == 2
    item = stack.dynamodb.get_item(TableName=stack.resources.table_name, Key={"job_id": {"S": job_id}})[
        "Item"
    ]
    assert item["refused_completions"] == {"N": "1"}


def _record(stack: Stack, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": stack.resources.queue_arn,
        "awsRegion": "us-east-1",
    }
