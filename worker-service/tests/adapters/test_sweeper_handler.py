"""The sweeper's Lambda handler end to end against DynamoDB and SQS in moto.

Items and messages are read back through boto3 directly, never through the code under test.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.contract import check, load_contract
from conveyor_worker.handlers.sqs import build_handler as build_worker_handler
from conveyor_worker.handlers.sweeper import SweeperHandler, build_handler
from conveyor_worker.settings import Settings, SweeperSettings
from tests.support.clock import FakeClock
from tests.support.dynamo import JobsTable
from tests.support.events import sqs_event, sqs_record
from tests.support.faults import failing_calls
from tests.support.items import CREATED_AT, in_the_sweep_index, job_message_body, queued_item
from tests.support.sqs import JobsQueue


def sweeper_for(
    settings: SweeperSettings, table: JobsTable, queue: JobsQueue, clock: FakeClock
) -> SweeperHandler:
    # One scan segment: each run reads the whole table, so a test sees every stranded job at once.
    return build_handler(
        settings, dynamodb_client=table.client, sqs_client=queue.client, clock=clock, scan_segments=1
    )


def read(table: JobsTable, job_id: str) -> dict[str, Any]:
    item = table.get(job_id)
    assert item is not None
    check(load_contract().job_item, "the stored item", item)
    return item


def pending(table: JobsTable, clock: FakeClock, **attributes: Any) -> str:
    """A job in the sweep index since now: as an API that stored jobs before sending them left it."""
    item = {
        **in_the_sweep_index(queued_item("text_transform", {"text": "hi"}), sweep_at=to_epoch_ms(clock()))
    }
    table.put({**item, **attributes})
    return str(item["job_id"])


def test_one_sweep_resends_the_lost_fails_the_hopeless_and_the_stranded_and_reports_its_counts(
    sweeper_settings: SweeperSettings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    lost = pending(jobs_table, clock)
    died_on_its_last_receive = pending(
        jobs_table,
        clock,
        status="IN_PROGRESS",
        attempts=3,
        claim_token="t",
        lease_expires_at=to_epoch_ms(clock()),
    )
    waiting = {**queued_item("text_transform", {"text": "waiting"}), "updated_at": to_timestamp(clock())}
    jobs_table.put(waiting)
    clock.advance(seconds=sweeper_settings.sweep_grace_seconds, milliseconds=1)
    stranded = {
        **queued_item("text_transform", {"text": "its message expired"}),
        "updated_at": to_timestamp(
            clock() - timedelta(seconds=sweeper_settings.message_retention_seconds, hours=1, minutes=1)
        ),
    }
    jobs_table.put(stranded)
    fresh = pending(jobs_table, clock)
    finished = {
        **queued_item("text_transform", {"text": "hi"}),
        "status": "SUCCEEDED",
        "result": "{}",
        "expires_at": 1798131910,
    }
    jobs_table.put(finished)

    summary = sweeper_for(sweeper_settings, jobs_table, jobs_queue, clock)({}, None)

    assert summary == {
        "overdue": 2,
        "resent": 1,
        "failed": 1,
        "skipped": 0,
        "left_for_next_run": 0,
        "rescued": 0,
        "stranded": 1,
    }
    assert [json.loads(body) for body in jobs_queue.bodies()] == [
        {"contract_version": "1", "job_id": lost, "job_type": "text_transform", "submitted_at": CREATED_AT}
    ]
    resent = read(jobs_table, lost)
    assert (resent["sweeps"], "sweep_at" in resent) == (1, False)
    assert read(jobs_table, died_on_its_last_receive)["error"]["code"] == "RETRIES_EXHAUSTED"
    assert read(jobs_table, stranded["job_id"])["error"]["code"] == "MESSAGE_EXPIRED"
    for failed in (died_on_its_last_receive, stranded["job_id"]):
        item = read(jobs_table, failed)
        assert (item["status"], item["finished_at"], item["expires_at"], "sweep_at" in item) == (
            "FAILED",
            to_timestamp(clock()),
            to_epoch_seconds(clock() + timedelta(days=sweeper_settings.job_retention_days)),
            False,
        )
    assert read(jobs_table, waiting["job_id"]) == waiting
    assert "sweeps" not in read(jobs_table, fresh)
    assert read(jobs_table, finished["job_id"]) == finished


def test_a_job_whose_message_was_lost_runs_once_the_sweeper_sends_it_again(
    settings: Settings,
    sweeper_settings: SweeperSettings,
    jobs_table: JobsTable,
    jobs_queue: JobsQueue,
    clock: FakeClock,
) -> None:
    job_id = pending(jobs_table, clock)  # an API that stored jobs first died before sending its message
    clock.advance(seconds=sweeper_settings.sweep_grace_seconds, milliseconds=1)
    sweeper_for(sweeper_settings, jobs_table, jobs_queue, clock)({}, None)
    (body,) = jobs_queue.bodies()

    worker = build_worker_handler(
        settings, dynamodb_client=jobs_table.client, sqs_client=jobs_queue.client, clock=clock
    )
    response = worker(sqs_event(sqs_record(body, message_id="resent")), None)

    assert response == {"batchItemFailures": []}
    item = read(jobs_table, job_id)
    assert (item["status"], item["sweeps"], "sweep_at" in item) == ("SUCCEEDED", 1, False)


def test_a_queue_that_refuses_the_resend_fails_the_run_and_the_job_waits_for_the_next_one(
    sweeper_settings: SweeperSettings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    job_id = pending(jobs_table, clock)
    clock.advance(seconds=sweeper_settings.sweep_grace_seconds, milliseconds=1)
    sweeper = sweeper_for(sweeper_settings, jobs_table, jobs_queue, clock)
    before = read(jobs_table, job_id)

    with failing_calls(jobs_queue.client, "SendMessage"), pytest.raises(ClientError):
        sweeper({}, None)

    # The message goes before the write that takes the job out of the index: nothing was written, and the
    # next run sends it.
    assert read(jobs_table, job_id) == before
    clock.advance(minutes=1)
    assert sweeper({}, None)["resent"] == 1
    assert len(jobs_queue.bodies()) == 1


def test_a_read_jobs_message_in_the_dlq_goes_back_to_the_jobs_queue_and_others_stay(
    sweeper_settings: SweeperSettings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    waiting = queued_item("text_transform", {"text": "its batches kept dying"})
    jobs_table.put(waiting)
    ended = {**queued_item("text_transform", {"text": "ran out of retries"}), "status": "FAILED"}
    ended |= {"error": {"code": "RETRIES_EXHAUSTED", "message": "x"}, "expires_at": 1798131910}
    jobs_table.put(ended)
    for job in (waiting, ended):
        jobs_queue.client.send_message(
            QueueUrl=jobs_queue.dlq_url, MessageBody=job_message_body(job["job_id"])
        )

    summary = sweeper_for(sweeper_settings, jobs_table, jobs_queue, clock)({}, None)

    assert summary["rescued"] == 1
    assert [json.loads(body)["job_id"] for body in jobs_queue.bodies()] == [waiting["job_id"]]
    # The ended job's stays, visible at once: the sweep released what it read and left.
    counts = jobs_queue.client.get_queue_attributes(
        QueueUrl=jobs_queue.dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert counts == {"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "0"}
    assert read(jobs_table, waiting["job_id"])["sweeps"] == 1
