"""A job newer than every running worker (a newer API's job type) waits for a newer worker: never FAILED,
never sent to the DLQ as poison, even after more deliveries than MAX_RECEIVE_COUNT allows one message."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tests.support.queues import queue_counts
from tests.support.stack import MAX_RECEIVE_COUNT, Stack
from tests.support.waiting import wait_for


def test_a_job_of_a_type_no_worker_knows_waits_as_a_delayed_copy_and_is_never_failed(stack: Stack) -> None:
    job_id = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # As an API whose contract has a job type this worker's lacks stores and announces it.
    item = {
        "job_id": job_id,
        "job_type": "video_transcode",
        "status": "QUEUED",
        "created_at": now,
        "updated_at": now,
        "attempts": 0,
        "payload": json.dumps({"frames": 3}),
    }
    stack.dynamodb.put_item(
        TableName=stack.resources.table_name,
        Item={name: TypeSerializer().serialize(value) for name, value in item.items()},
    )
    body = json.dumps(
        {"contract_version": "1", "job_id": job_id, "job_type": "video_transcode", "submitted_at": now}
    )
    worker = stack.worker()
    # More copies than a message may be received before SQS moves it to the DLQ: each is handled once.
    for _ in range(MAX_RECEIVE_COUNT + 1):
        stack.send_raw_message(body)
    wait_for(
        lambda: (
            worker.poll_once() is not None
            and queue_counts(stack.sqs, stack.resources.queue_url) == (0, 0, MAX_RECEIVE_COUNT + 1)
        ),
        timeout=30,
        what="each message of the newer job to be acknowledged and sent again, delayed",
        interval=0,
    )
    sweep = stack.sweeper_handler()({}, None)

    stored = stack.dynamodb.get_item(
        TableName=stack.resources.table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
    )["Item"]
    job = {name: TypeDeserializer().deserialize(value) for name, value in stored.items()}
    assert (job["status"], job["attempts"], "error" in job) == ("QUEUED", 0, False)
    assert job["updated_at"] > now  # dated by the wait, so the sweeper's expiry scan counts from the copy
    assert stack.queued_messages(stack.resources.dlq_url) == 0
    assert (sweep["failed"], sweep["stranded"]) == (0, 0)
