"""Whatever dies where (between the API's two calls, on a message's last receive, in a sweep), every accepted
job ends, once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.jobs.messages import ORPHAN_MESSAGE_AGE

from tests.support.faults import FaultInjector, Kind, Moment, ProcessDied
from tests.support.simulated_time import sqs_on
from tests.support.stack import (
    JOB_LEASE_SECONDS,
    MAX_RECEIVE_COUNT,
    SWEEP_GRACE_SECONDS,
    VISIBILITY_TIMEOUT_SECONDS,
    Stack,
    post_jobs_event,
)
from tests.support.waiting import wait_for


def _after_grace() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=JOB_LEASE_SECONDS + SWEEP_GRACE_SECONDS + 1)


def _finish(stack: Stack, job_id: str) -> dict[str, object]:
    worker = stack.worker()

    def finished() -> dict[str, object] | None:
        worker.poll_once()
        record: dict[str, object] = stack.status(job_id).json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(finished, timeout=30, what=f"job {job_id} to finish", interval=0)


class MovableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def _worker_once_its_api_gave_up(stack: Stack) -> SqsEventSource:
    later = datetime.now(UTC) + ORPHAN_MESSAGE_AGE
    return SqsEventSource(
        stack.sqs,
        stack.worker_handler(clock=lambda: later),
        queue_url=stack.resources.queue_url,
        queue_arn=stack.resources.queue_arn,
        wait_time_seconds=0,
    )


@pytest.mark.parametrize(
    ("kind", "moment"), [("server-error", "before"), ("timeout", "before"), ("timeout", "after")]
)
def test_a_failed_send_answers_503_and_leaves_no_job_only_at_most_an_orphan_message(
    stack: Stack, kind: Kind, moment: Moment
) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("SendMessage", kind, moment=moment)
    api_url = stack.start_api(sqs_client=client)

    assert stack.submit("text_transform", {"text": "refused"}, api_url=api_url).status == 503

    assert stack.items() == []
    # A send whose answer was lost did leave: a worker drops it as an orphan, and nothing ran.
    assert stack.queued_messages() == (1 if moment == "after" else 0)
    _worker_once_its_api_gave_up(stack).poll_once()
    assert stack.queued_messages() == 0
    assert stack.message_bodies(stack.resources.dlq_url) == []
    assert stack.job_runs["text_transform"] == 0


def test_an_api_dying_between_its_two_calls_leaves_an_orphan_message_and_no_job(stack: Stack) -> None:
    client = dynamodb_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("PutItem", "process-death")
    with pytest.raises(ProcessDied):
        stack.api_handler(dynamodb_client=client)(post_jobs_event("text_transform", {"text": "orphan"}), None)
    assert (stack.items(), stack.queued_messages()) == ([], 1)

    # Young, it may yet name a job its API is still writing: it comes back, later. Once its API can no
    # longer have stored it, it is acknowledged. (moto's SQS on a clock that the test moves.)
    clock = MovableClock()
    with sqs_on(clock):
        worker = SqsEventSource(
            stack.sqs,
            stack.worker_handler(clock=clock, sleep=clock.sleep),
            queue_url=stack.resources.queue_url,
            queue_arn=stack.resources.queue_arn,
            wait_time_seconds=0,
        )
        assert worker.poll_once().failed == 1
        clock.sleep(ORPHAN_MESSAGE_AGE.total_seconds())
        assert worker.poll_once().deleted == 1

    assert stack.items() == []
    assert stack.message_bodies(stack.resources.dlq_url) == []


def test_a_worker_dying_on_its_messages_last_receive_leaves_a_job_the_sweeper_fails(stack: Stack) -> None:
    def dies(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        raise ProcessDied("the sandbox ran out of memory")

    stack.replace_job("text_transform", dies)
    job_id = stack.submit("text_transform", {"text": "doomed"}).json()["job_id"]
    worker = stack.worker()
    for _ in range(MAX_RECEIVE_COUNT):
        wait_for(lambda: _died(worker), timeout=VISIBILITY_TIMEOUT_SECONDS + 10, what="a delivery")
    # The next receive moves the message to the DLQ: no message is left to run the job again.
    wait_for(lambda: not _died(worker) and stack.queued_messages() == 0, timeout=10, what="a dead message")
    assert len(stack.message_bodies(stack.resources.dlq_url)) == 1
    assert stack.status(job_id).json()["status"] == "IN_PROGRESS"

    summary = stack.sweeper_handler(clock=_after_grace)({}, None)

    assert (summary["failed"], summary["resent"]) == (1, 0)
    record = stack.status(job_id).json()
    assert (record["status"], record["error"]["code"], record["attempts"]) == (
        "FAILED",
        "RETRIES_EXHAUSTED",
        MAX_RECEIVE_COUNT,
    )


def test_a_pending_jobs_message_that_reached_the_dlq_unrun_is_sent_back_and_the_job_runs_once(
    stack: Stack,
) -> None:
    # The batch-mates of a record that kills its worker spend their receives without running.
    job_id = stack.submit("text_transform", {"text": "batch-mate"}).json()["job_id"]
    for _ in range(MAX_RECEIVE_COUNT):
        received = stack.sqs.receive_message(QueueUrl=stack.resources.queue_url, VisibilityTimeout=0)
        assert len(received.get("Messages", [])) == 1
    # The next receive moves the message to the DLQ, as it would the worker's.
    assert "Messages" not in stack.sqs.receive_message(QueueUrl=stack.resources.queue_url)
    assert (stack.queued_messages(), stack.queued_messages(stack.resources.dlq_url)) == (0, 1)
    assert stack.status(job_id).json()["status"] == "QUEUED"

    summary = stack.sweeper_handler()({}, None)

    assert (summary["rescued"], summary["failed"], summary["resent"]) == (1, 0, 0)
    assert stack.queued_messages(stack.resources.dlq_url) == 0
    record = _finish(stack, job_id)
    assert (record["status"], record["attempts"]) == ("SUCCEEDED", 1)
    assert stack.job_runs["text_transform"] == 1


def test_a_dead_message_the_sweep_leaves_is_visible_to_whoever_lists_the_dlq_right_after_it(
    stack: Stack,
) -> None:
    # The spare copy of a job that ended is evidence the sweep leaves; were it still hidden by the sweep's own
    # receive, `conveyor dlq list` would miss it for the DLQ's visibility timeout after every sweep.
    job_id = stack.submit("text_transform", {"text": "ended"}).json()["job_id"]
    ended = _finish(stack, job_id)
    assert ended["status"] == "SUCCEEDED"
    message = {
        "contract_version": "1",
        "job_id": job_id,
        "job_type": "text_transform",
        "submitted_at": ended["created_at"],
    }
    stack.sqs.send_message(QueueUrl=stack.resources.dlq_url, MessageBody=json.dumps(message))

    summary = stack.sweeper_handler()({}, None)

    assert summary["rescued"] == 0
    (listed,) = stack.sqs.receive_message(QueueUrl=stack.resources.dlq_url).get("Messages", [])
    assert json.loads(listed["Body"])["job_id"] == job_id


def _died(worker: SqsEventSource) -> bool:
    try:
        return worker.poll_once().received > 0
    except ProcessDied:
        return True


def test_a_sweep_that_dies_after_its_resend_sends_again_and_the_job_runs_once(stack: Stack) -> None:
    # A job as an API that stored jobs before sending them left it when it died between its two calls.
    job_id = str(uuid.uuid4())
    created_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="milliseconds")[:-6] + "Z"
    stack.dynamodb.put_item(
        TableName=stack.resources.table_name,
        Item={
            "job_id": {"S": job_id},
            "job_type": {"S": "text_transform"},
            "status": {"S": "QUEUED"},
            "created_at": {"S": created_at},
            "updated_at": {"S": created_at},
            "attempts": {"N": "0"},
            "payload": {"S": json.dumps({"text": "swept twice"})},
            "sweep_shard": {"N": str(uuid.UUID(job_id).int % 16)},
            "sweep_at": {"N": str(int(datetime.fromisoformat(created_at).timestamp() * 1000))},
        },
    )
    sweeper_client = dynamodb_client(stack.sqs.meta.endpoint_url)
    FaultInjector(sweeper_client).fail("UpdateItem", "process-death")

    with pytest.raises(ProcessDied):
        stack.sweeper_handler(dynamodb_client=sweeper_client, clock=_after_grace)({}, None)
    summary = stack.sweeper_handler(clock=_after_grace)({}, None)

    assert summary["resent"] == 1
    assert stack.queued_messages() == 2
    record = _finish(stack, job_id)
    assert (record["status"], record["attempts"]) == ("SUCCEEDED", 1)
    assert stack.job_runs["text_transform"] == 1
