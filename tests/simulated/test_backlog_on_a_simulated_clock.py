"""Hours and days of a deployment at its templates' defaults, on a simulated clock (tests.support.
simulated_system): a backlog that only waits is neither failed nor sent again, and every way a job can lose
its message is still repaired, each job ending once."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import timedelta

from conveyor_worker.clock import to_timestamp

from tests.support import report
from tests.support.faults import ProcessDied
from tests.support.simulated_system import START, SimulatedSystem

BACKLOG = 10_000


def test_a_six_hour_backlog_of_ten_thousand_jobs_runs_each_once_with_no_failure_and_no_resend() -> None:
    system = SimulatedSystem()
    jobs = [system.submit(f"job {n}").job_id for n in range(BACKLOG)]

    # The workers are away (a deploy rolled back, a throttled function): jobs only wait.
    system.run(timedelta(hours=6, seconds=1), workers=False)

    assert len(system.sweeps) == 6 * 60
    assert system.statuses() == {"QUEUED": BACKLOG}
    assert system.queue.sends == BACKLOG
    assert system.resends() == 0
    assert system.sweeper_metrics.names() == []

    system.run(timedelta(hours=1), workers=True)

    items = system.items()
    assert system.statuses() == {"SUCCEEDED": BACKLOG}
    assert {items[job_id]["attempts"] for job_id in jobs} == {1}
    assert set(system.runs.values()) == {1}
    assert (system.queue.sends, len(system.queue), len(system.dlq)) == (BACKLOG, 0, 0)
    report.line(
        f"simulated backlog: {BACKLOG} jobs waited 6 h through {len(system.sweeps)} sweeps at the templates' "
        f"defaults; messages sent per job {system.queue.sends / BACKLOG:.2f}, 0 failed, all ran once"
    )


def test_an_api_that_dies_between_its_send_and_its_write_leaves_a_message_the_worker_drops() -> None:
    system = SimulatedSystem()
    system.api_table.dies_before_the_next_write = True
    with contextlib.suppress(ProcessDied):
        system.submit("never stored")
    stored = system.submit("stored").job_id

    system.run(timedelta(minutes=10), workers=True)

    assert list(system.items()) == [stored]
    assert system.statuses() == {"SUCCEEDED": 1}
    assert (len(system.queue), len(system.dlq), system.runs["never stored"]) == (0, 0, 0)


def test_a_worker_dying_on_its_last_receive_leaves_a_job_that_ends_failed_once() -> None:
    system = SimulatedSystem()
    system.dies.add("poison")
    poison = system.submit("poison").job_id
    batch_mates = [system.submit(f"mate {n}").job_id for n in range(9)]

    system.run(timedelta(hours=2), workers=True)

    items = system.items()
    failed = items[poison]
    assert (failed["status"], failed["error"]["code"]) == ("FAILED", "RETRIES_EXHAUSTED")
    assert failed["attempts"] == system.defaults.max_receive_count
    # Its batch-mates died with it, batch after batch; those whose receives ran out reached the DLQ unrun,
    # and the sweeper sent them back from there.
    assert {items[job_id]["status"] for job_id in batch_mates} == {"SUCCEEDED"}
    assert {system.runs[f"mate {n}"] for n in range(9)} == {1}
    assert [json.loads(body)["job_id"] for body in system.dlq.bodies()] == [poison]


def test_a_job_whose_message_expired_ends_failed_message_expired_within_a_day_of_it() -> None:
    system = SimulatedSystem()
    expired = system.submit("waited too long").job_id
    retention = system.defaults.message_retention

    # Workers away for longer than SQS keeps a message: the message goes; the job must still end.
    system.run(retention, workers=False)
    assert system.statuses() == {"QUEUED": 1}
    system.run(timedelta(days=1, hours=2), workers=False)

    failed = system.items()[expired]
    assert (failed["status"], failed["error"]["code"]) == ("FAILED", "MESSAGE_EXPIRED")
    assert system.queue.sends == 1
    assert system.runs["waited too long"] == 0


def test_a_purged_queues_jobs_end_failed_and_those_sent_after_run() -> None:
    system = SimulatedSystem()
    purged = system.submit("purged").job_id
    system.queue.purge()
    later = system.submit("after the purge").job_id

    system.run(timedelta(hours=1), workers=True)
    assert system.items()[purged]["status"] == "QUEUED"  # no evidence yet that its message is gone
    system.run(system.defaults.message_retention + timedelta(days=1, hours=2), workers=False)

    items = system.items()
    assert (items[purged]["status"], items[purged]["error"]["code"]) == ("FAILED", "MESSAGE_EXPIRED")
    assert (items[later]["status"], system.runs["after the purge"]) == ("SUCCEEDED", 1)


def test_a_job_newer_than_every_worker_waits_past_the_queues_retention_unfailed_and_its_copy_goes_on() -> (
    None
):
    system = SimulatedSystem()
    newer_id = str(uuid.uuid4())
    created_at = to_timestamp(system.clock())
    # As an API whose contract has a job type no running worker's has stores and announces its job.
    system.table.put(
        {
            "job_id": newer_id,
            "job_type": "video_transcode",
            "status": "QUEUED",
            "created_at": created_at,
            "updated_at": created_at,
            "attempts": 0,
            "payload": json.dumps({"frames": 3}),
        }
    )
    system.queue.send(
        json.dumps(
            {
                "contract_version": "1",
                "job_id": newer_id,
                "job_type": "video_transcode",
                "submitted_at": created_at,
            }
        )
    )
    waited = system.defaults.message_retention + timedelta(days=2)

    # Workers poll a minute every quarter of an hour: enough to see each delayed copy, which waits 30 s to 15
    # min, without simulating every empty second of the days between.
    while system.clock() - START < waited:
        system.run(timedelta(minutes=14), workers=False)
        system.run(timedelta(minutes=1), workers=True)

    newer = system.items()[newer_id]
    assert (newer["status"], newer["attempts"]) == ("QUEUED", 0)
    assert (len(system.queue), len(system.dlq)) == (1, 0)  # one copy waiting, never a dead letter
    assert (
        system.sweeper_metrics.names() == []
    )  # the expiry scan counts from the latest copy: nothing stranded
    copies = system.newer_metrics.names().count("newer_waiting")
    days = waited / timedelta(days=1)
    assert copies >= days * 24 * 4 * 0.9  # within each quarter hour's window, at the longest delay
    report.line(
        f"newer job: waited {days:.0f} days (past the queue's {system.defaults.message_retention.days}-day "
        f"retention) at the templates' defaults, QUEUED, never in the DLQ; {copies / days:.0f} copies a day"
    )
