"""Run later over HTTP on the local stack (issue 18): a job delayed a few seconds (below SQS's 15 minutes) is
not claimed before its run_at, then runs once; an early copy of its message runs nothing; cancelled while
it waits, it never runs. A delay beyond 15 minutes enters the sweep index with no message: the sweeper's side
runs under the simulated clock (tests/simulated/test_run_later_on_a_simulated_clock.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.support import contract, http
from tests.support.stack import Stack
from tests.support.waiting import wait_for

DELAY_SECONDS = 3


def _submit_later(stack: Stack, text: str, delay_seconds: int) -> dict[str, Any]:
    record = http.submit_later(stack.api_url, text, delay_seconds)
    contract.validator("job-record").validate(record)
    return record


def _poll_until(stack: Stack, run_at: datetime) -> None:
    """Workers poll without pause until `run_at` has passed."""
    worker = stack.worker()
    while datetime.now(UTC) < run_at:
        worker.poll_once()


def _run_worker_until(stack: Stack, job_id: str, status: str) -> dict[str, Any]:
    worker = stack.worker()

    def ended() -> dict[str, Any] | None:
        worker.poll_once()
        record: dict[str, Any] = stack.status(job_id).json()
        return record if record["status"] == status else None

    return wait_for(ended, timeout=30, what=f"the job {status}")


def test_a_job_delayed_a_few_seconds_is_not_claimed_before_its_run_at_then_runs_once(stack: Stack) -> None:
    record = _submit_later(stack, "a few seconds later", DELAY_SECONDS)
    run_at = datetime.fromisoformat(record["run_at"])
    assert (run_at - datetime.fromisoformat(record["created_at"])).total_seconds() == DELAY_SECONDS

    _poll_until(stack, run_at)
    assert stack.status(record["job_id"]).json()["status"] == "QUEUED"
    assert stack.job_runs["text_transform"] == 0

    done = _run_worker_until(stack, record["job_id"], "SUCCEEDED")

    assert datetime.fromisoformat(done["started_at"]) >= run_at
    assert (done["attempts"], done["run_at"]) == (1, record["run_at"])
    assert stack.job_runs["text_transform"] == 1


def test_an_early_copy_of_the_message_runs_nothing_and_the_job_runs_once_at_its_run_at(stack: Stack) -> None:
    record = _submit_later(stack, "spare copy", DELAY_SECONDS)
    run_at = datetime.fromisoformat(record["run_at"])
    # As a duplicate delivery or a DLQ redrive would put it in the queue, before run_at.
    stack.send_raw_message(
        json.dumps(
            {
                "contract_version": "1",
                "job_id": record["job_id"],
                "job_type": "text_transform",
                "submitted_at": record["created_at"],
            }
        )
    )

    _poll_until(stack, run_at)
    waiting = stack.status(record["job_id"]).json()
    assert (waiting["status"], waiting["attempts"]) == ("QUEUED", 0)

    done = _run_worker_until(stack, record["job_id"], "SUCCEEDED")

    assert datetime.fromisoformat(done["started_at"]) >= run_at
    assert done["attempts"] == 1
    assert stack.job_runs["text_transform"] == 1


def test_a_job_cancelled_while_it_waits_never_runs(stack: Stack) -> None:
    record = _submit_later(stack, "cancelled while waiting", DELAY_SECONDS)

    cancelled = http.request("POST", f"{stack.api_url}/jobs/{record['job_id']}/cancel", body=b"")
    _poll_until(stack, datetime.fromisoformat(record["run_at"]))
    worker = stack.worker()
    wait_for(lambda: not worker.poll_once().received or None, timeout=30, what="the message handled")

    assert cancelled.status == 200, cancelled.body
    ended = stack.status(record["job_id"]).json()
    assert (ended["status"], ended["error"]["code"], ended["run_at"]) == (
        "FAILED",
        "CANCELLED",
        record["run_at"],
    )
    assert stack.job_runs["text_transform"] == 0
    assert stack.queued_messages() == 0


def test_a_job_delayed_two_hours_has_no_message_and_waits_in_the_sweep_index_at_its_run_at(
    stack: Stack,
) -> None:
    record = _submit_later(stack, "two hours later", 7200)

    item = stack.dynamodb.get_item(
        TableName=stack.resources.table_name, Key={"job_id": {"S": record["job_id"]}}, ConsistentRead=True
    )["Item"]
    run_at = datetime.fromisoformat(record["run_at"])
    assert int(item["sweep_at"]["N"]) == int(run_at.timestamp() * 1000)
    assert int(item["sweep_shard"]["N"]) == uuid.UUID(record["job_id"]).int % 16
    assert stack.queued_messages() == 0
    # A sweep now leaves it alone: its run_at is further than the sweep looks ahead.
    summary = stack.sweeper_handler()({}, None)
    assert summary["resent"] == 0
    assert stack.queued_messages() == 0
