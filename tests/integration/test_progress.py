"""A job function's progress report travels worker → DynamoDB → API: GET shows it while the job runs, and
not once it has ended."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from conveyor_worker.job_types.context import JobContext

from tests.support import contract
from tests.support.stack import Stack
from tests.support.waiting import wait_for

# A ceiling for the worker thread, not a wait the test relies on: it is released as soon as the test has seen
# the report.
RELEASE_TIMEOUT_SECONDS = 30


def test_a_running_jobs_record_shows_its_last_report_and_the_finished_record_none(stack: Stack) -> None:
    release = threading.Event()

    def reports_then_waits(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        job.report_progress(40, "counting words")
        release.wait(RELEASE_TIMEOUT_SECONDS)
        text = str(payload["text"])
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    stack.replace_job("text_transform", reports_then_waits)
    job_id = stack.submit("text_transform", {"text": "progress shows"}).json()["job_id"]
    worker = threading.Thread(target=stack.worker().poll_once, name="worker")
    worker.start()
    try:
        running = wait_for(
            lambda: _with_progress(stack.status(job_id).json()), timeout=20, what="the progress report"
        )
    finally:
        release.set()
        worker.join()

    contract.validator("job-record").validate(running)
    assert running["status"] == "IN_PROGRESS"
    assert (running["progress"]["percent"], running["progress"]["message"]) == (40, "counting words")

    finished = stack.status(job_id).json()
    contract.validator("job-record").validate(finished)
    assert (finished["status"], finished["progress"]) == ("SUCCEEDED", None)
    (item,) = stack.items()
    assert "progress" not in item


def _with_progress(record: dict[str, Any]) -> dict[str, Any] | None:
    return record if record.get("progress") else None
