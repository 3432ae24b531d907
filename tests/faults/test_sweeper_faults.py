"""The API dies between its two writes, or loses its send: the sweeper finds the job and it still ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conveyor_local.aws import sqs_client

from tests.support.faults import FaultInjector, Kind, Moment, ProcessDied
from tests.support.stack import SWEEP_GRACE_SECONDS, Stack, post_jobs_event
from tests.support.waiting import wait_for


def _after_grace() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)


def _finish(stack: Stack, job_id: str) -> dict[str, object]:
    worker = stack.worker()

    def finished() -> dict[str, object] | None:
        worker.poll_once()
        record: dict[str, object] = stack.status(job_id).json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(finished, timeout=30, what=f"job {job_id} to finish", interval=0)


@pytest.mark.parametrize(
    ("kind", "moment"), [("server-error", "before"), ("timeout", "before"), ("timeout", "after")]
)
def test_job_whose_send_failed_is_sent_by_the_sweeper(stack: Stack, kind: Kind, moment: Moment) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("SendMessage", kind, moment=moment)
    api_url = stack.start_api(sqs_client=client)
    assert stack.submit("text_transform", {"text": "stranded"}, api_url=api_url).status == 503
    (item,) = stack.items()

    summary = stack.sweeper_handler(clock=_after_grace)({}, None)

    assert summary["resent"] == 1
    assert _finish(stack, item["job_id"]["S"])["status"] == "SUCCEEDED"
    assert stack.job_runs["text_transform"] == 1


def test_api_dying_between_its_two_writes_leaves_a_job_the_sweeper_sends(stack: Stack) -> None:
    client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(client).fail("SendMessage", "process-death")
    with pytest.raises(ProcessDied):
        stack.api_handler(sqs_client=client)(post_jobs_event("text_transform", {"text": "orphan"}), None)
    (item,) = stack.items()

    summary = stack.sweeper_handler(clock=_after_grace)({}, None)

    assert summary["resent"] == 1
    assert _finish(stack, item["job_id"]["S"])["status"] == "SUCCEEDED"


def test_sweep_that_dies_after_charging_a_resend_sends_on_its_next_run(stack: Stack) -> None:
    api_client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(api_client).fail("SendMessage", "server-error")
    assert (
        stack.submit(
            "text_transform", {"text": "swept twice"}, api_url=stack.start_api(sqs_client=api_client)
        ).status
        == 503
    )
    (item,) = stack.items()
    sweeper_client = sqs_client(stack.sqs.meta.endpoint_url)
    FaultInjector(sweeper_client).fail("SendMessage", "process-death")

    with pytest.raises(ProcessDied):
        stack.sweeper_handler(sqs_client=sweeper_client, clock=_after_grace)({}, None)
    a_grace_later = _after_grace() + timedelta(seconds=SWEEP_GRACE_SECONDS + 1)
    summary = stack.sweeper_handler(clock=lambda: a_grace_later)({}, None)

    assert summary["resent"] == 1
    record = _finish(stack, item["job_id"]["S"])
    assert record["status"] == "SUCCEEDED"
    assert record["attempts"] == 1
