"""Time budgets on the local stack: a run past its job type's budget (the contract's catalogue) ends
`FAILED` `TIMED_OUT` on its first attempt and never runs again, whether it never looks at the time (stopped
where it stands: SIGALRM, handled on the main thread, where Lambda's runtime and the local worker run the
handler) or keeps an eye on `job.time_left()` and stops itself too late (docs/design.md, Time budgets)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from conveyor_worker.contract import load_contract
from conveyor_worker.job_types.context import JobContext

from tests.support.stack import Stack

BUDGET = load_contract().job_types["text_transform"].time_budget


def _spins(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    while True:  # CPU-bound, and never checks its time
        pass


def _overstays(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    # Checks its time, and still does one more step than the budget holds.
    while job.time_left() > timedelta(0):
        time.sleep(0.05)
    time.sleep(0.2)
    text = str(payload["text"])
    return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}


@pytest.mark.parametrize("job_function", [_spins, _overstays], ids=["never-checks", "stops-too-late"])
def test_a_run_past_its_budget_ends_timed_out_on_its_first_attempt_and_is_not_retried(
    stack: Stack, job_function: Any
) -> None:
    stack.replace_job("text_transform", job_function)
    job_id = stack.submit("text_transform", {"text": "too long"}).json()["job_id"]
    # The lease and the invocation outlast the budget, as the deployed ones do (60 s against 5 s).
    worker = stack.worker(lease_seconds=60, timeout_seconds=60)

    started = time.monotonic()
    worker.poll_once()
    took = time.monotonic() - started

    record = stack.status(job_id).json()
    assert (record["status"], record["error"]["code"], record["attempts"]) == ("FAILED", "TIMED_OUT", 1)
    assert took >= BUDGET.total_seconds()
    worker.poll_once()
    assert stack.job_runs["text_transform"] == 1
    assert stack.queued_messages() == 0
    assert stack.queued_messages(stack.resources.dlq_url) == 0
