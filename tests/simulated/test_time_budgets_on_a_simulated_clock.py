"""Time budgets at the templates' defaults, on a simulated clock (tests.support.simulated_system): a job stuck
past its budget where no signal reaches it, then killed by the function's timeout, ends TIMED_OUT without
running again, while a job whose worker dies of a crash is retried (docs/design.md, Time budgets)."""

from __future__ import annotations

from datetime import timedelta

from tests.support.simulated_system import SimulatedSystem


def test_a_job_stuck_past_its_budget_until_the_timeout_ends_timed_out_and_never_runs_again() -> None:
    system = SimulatedSystem()
    system.stuck.add("stuck")
    stuck = system.submit("stuck").job_id
    done = system.submit("fine").job_id

    system.run(timedelta(hours=1), workers=True)

    items = system.items()
    assert (items[stuck]["status"], items[stuck]["error"]["code"]) == ("FAILED", "TIMED_OUT")
    assert (items[stuck]["attempts"], system.runs["stuck"]) == (2, 1)
    assert items[done]["status"] == "SUCCEEDED"
    assert (len(system.queue), len(system.dlq)) == (0, 0)


def test_a_job_whose_worker_crashes_within_its_budget_is_retried_to_retries_exhausted() -> None:
    system = SimulatedSystem()
    system.dies.add("crashes")
    crashes = system.submit("crashes").job_id

    system.run(timedelta(hours=1), workers=True)

    item = system.items()[crashes]
    assert (item["status"], item["error"]["code"]) == ("FAILED", "RETRIES_EXHAUSTED")
    assert "budget_exceeded_at" not in item
    assert system.runs["crashes"] == system.defaults.max_receive_count
