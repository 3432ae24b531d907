"""Jobs delayed beyond SQS's 15 minutes, up to 7 days, at the templates' defaults on a simulated clock
(tests.support.simulated_system): never run early, run once, never failed while they only wait, even when a
backlog follows the delay (docs/design.md, Run later)."""

from __future__ import annotations

import json
import sys
import types
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from conveyor_release import git

from tests.support import report
from tests.support.simulated_system import SimulatedSystem

TWO_HOURS = 2 * 3600
SEVEN_DAYS = 7 * 86400


def _run_at(system: SimulatedSystem, job_id: str) -> datetime:
    return datetime.fromisoformat(system.items()[job_id]["run_at"])


def test_a_job_delayed_two_hours_waits_in_the_sweep_index_then_runs_once_at_its_run_at() -> None:
    system = SimulatedSystem()
    job_id = system.submit("in two hours", delay_seconds=TWO_HOURS).job_id
    run_at = _run_at(system, job_id)

    assert system.queue.sends == 0  # no message until the sweeper sends it
    system.run(run_at - system.clock() - timedelta(seconds=1), workers=True)
    assert system.runs["in two hours"] == 0
    assert system.statuses() == {"QUEUED": 1}

    system.run(timedelta(minutes=5), workers=True)

    (started,) = system.started["in two hours"]
    assert run_at <= started < run_at + timedelta(seconds=5)
    assert system.statuses() == {"SUCCEEDED": 1}
    assert (system.queue.sends, len(system.queue), len(system.dlq)) == (1, 0, 0)


def test_a_job_delayed_ten_minutes_rides_on_its_message_and_runs_once_at_its_run_at() -> None:
    system = SimulatedSystem()
    job_id = system.submit("in ten minutes", delay_seconds=600).job_id
    run_at = _run_at(system, job_id)

    system.run(timedelta(minutes=15), workers=True)

    (started,) = system.started["in ten minutes"]
    assert run_at <= started < run_at + timedelta(seconds=5)
    assert (system.queue.sends, system.resends()) == (1, 0)


def test_a_job_delayed_seven_days_then_stuck_behind_a_backlog_is_never_failed_and_runs_once() -> None:
    system = SimulatedSystem()
    retention = system.defaults.message_retention
    job_id = system.submit("next week", delay_seconds=SEVEN_DAYS).job_id
    run_at = _run_at(system, job_id)

    # The workers are away from the submission until almost the whole retention after run_at: the job's
    # message is sent as it comes due, then waits in the queue as a backlog's tail would. Counted from the
    # submission, its waiting would pass the retention a week early.
    backlog = retention - timedelta(hours=2)
    system.run(run_at - system.clock() + backlog, workers=False)
    assert system.statuses() == {"QUEUED": 1}
    assert system.runs["next week"] == 0

    system.run(timedelta(hours=1), workers=True)

    (started,) = system.started["next week"]
    assert started >= run_at
    item = system.items()[job_id]
    assert (item["status"], item["attempts"]) == ("SUCCEEDED", 1)
    assert (system.queue.sends, len(system.queue), len(system.dlq)) == (1, 0, 0)
    assert sum(sweep.stranded for sweep in system.sweeps) == 0
    report.line(
        f"simulated run later: a job delayed 7 days then waiting {backlog / timedelta(days=1):.1f} days in "
        f"the queue, {len(system.sweeps)} sweeps at the templates' defaults: 1 message, run once, not failed"
    )


def test_a_spare_message_of_a_job_delayed_seven_days_never_starts_it_early() -> None:
    system = SimulatedSystem()
    record = system.submit("spare", delay_seconds=SEVEN_DAYS)
    run_at = _run_at(system, record.job_id)
    # As a duplicate or a DLQ redrive would put it in the queue, long before run_at.
    system.queue.send(
        f'{{"contract_version":"1","job_id":"{record.job_id}","job_type":"text_transform",'
        f'"submitted_at":"{record.created_at}"}}'
    )

    # The spare comes back every 15 minutes while workers receive it; they are away for the days between.
    system.run(timedelta(hours=1), workers=True)
    assert system.runs["spare"] == 0
    system.run(run_at - system.clock() - timedelta(minutes=30), workers=False)
    system.run(timedelta(minutes=40), workers=True)

    (started,) = system.started["spare"]
    assert run_at <= started < run_at + timedelta(seconds=5)
    assert system.statuses() == {"SUCCEEDED": 1}
    assert system.table.get(record.job_id) is not None


def test_a_job_cancelled_while_it_waits_never_runs() -> None:
    system = SimulatedSystem()
    far = system.submit("cancelled far", delay_seconds=SEVEN_DAYS).job_id
    near = system.submit("cancelled near", delay_seconds=300).job_id
    system.run(timedelta(minutes=1), workers=True)

    for job_id in (far, near):
        cancelled = system.cancel(job_id)
        assert (cancelled.status, cancelled.error and cancelled.error.code) == ("FAILED", "CANCELLED")
    system.run(timedelta(days=7), workers=False)
    system.run(timedelta(hours=1), workers=True)

    assert system.runs == {}
    assert system.statuses() == {"FAILED": 2}
    assert len(system.queue) == 0


def _released_sweeper_class() -> type[Any]:
    """The Sweeper of the last released worker (releases.json), its jobs/sweep.py as that commit has it, over
    today's other modules (that release's own, but for this change)."""
    repo = Path(__file__).resolve().parents[2]
    releases = json.loads((repo / "releases.json").read_text(encoding="utf-8"))["releases"]
    commit = [release["commit"] for release in releases if release["component"] == "worker"][-1]
    source = git.show(repo, commit, "worker-service/src/conveyor_worker/jobs/sweep.py")
    module = types.ModuleType("released_sweep")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit[:7]}:jobs/sweep.py", "exec"), module.__dict__)
    sweeper: type[Any] = module.Sweeper
    return sweeper


def test_the_released_sweeper_runs_a_job_the_api_delayed_two_hours_late_by_its_grace_never_early() -> None:
    system = SimulatedSystem()
    current = system.sweeper
    system.sweeper = _released_sweeper_class()(
        store=system.table,
        queue=current._queue,
        dead_letters=current._dead_letters,
        clock=system.clock,
        grace=system.defaults.sweep_grace,
        max_attempts=system.defaults.max_receive_count,
        jobs_per_shard=current._jobs_per_shard,
        message_retention=system.defaults.message_retention,
        scan_segments=current._scan_segments,
        retention=system.defaults.job_retention,
        logger=current._logger,
        metrics=current._metrics,
    )
    job_id = system.submit("under an older sweeper", delay_seconds=TWO_HOURS).job_id
    run_at = _run_at(system, job_id)

    system.run(run_at - system.clock() + system.defaults.sweep_grace, workers=True)
    assert system.runs["under an older sweeper"] == 0
    system.run(timedelta(minutes=5), workers=True)

    (started,) = system.started["under an older sweeper"]
    assert (
        run_at + system.defaults.sweep_grace
        <= started
        <= run_at + system.defaults.sweep_grace + timedelta(minutes=2)
    )
    item = system.items()[job_id]
    assert (item["status"], item["sweeps"]) == ("SUCCEEDED", 1)
    assert datetime.fromisoformat(item["started_at"]) >= run_at
