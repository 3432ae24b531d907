"""How the functions' output lines show in the `make dev` terminal."""

from __future__ import annotations

import json
from datetime import datetime

from conveyor_local.log_view import render_line

AT = datetime(2026, 11, 24, 17, 5, 9)
JOB_ID = "3f2b8c1e-0d5c-4d8e-9a4b-2f7e1c3b5a6d"


def test_a_job_transition_is_one_compact_line() -> None:
    line = json.dumps(
        {
            "level": "INFO",
            "message": "job SUCCEEDED",
            "job_id": JOB_ID,
            "job_type": "text_transform",
            "status": "SUCCEEDED",
            "duration_ms": 12,
        }
    )

    assert render_line("worker", line, AT) == "17:05:09 worker  3f2b8c1e…  SUCCEEDED    text_transform  12 ms"


def test_a_claim_shows_the_attempt() -> None:
    line = json.dumps(
        {
            "level": "INFO",
            "job_id": JOB_ID,
            "job_type": "data_analysis",
            "status": "IN_PROGRESS",
            "attempt": 2,
        }
    )

    assert (
        render_line("worker", line, AT) == "17:05:09 worker  3f2b8c1e…  IN_PROGRESS  data_analysis  attempt 2"
    )


def test_a_failure_shows_its_error_code_and_a_warning_its_message() -> None:
    line = json.dumps(
        {
            "level": "WARNING",
            "message": "retries exhausted",
            "job_id": JOB_ID,
            "status": "FAILED",
            "error_code": "RETRIES_EXHAUSTED",
            "error_message": "gave up after 3 attempts",
        }
    )

    assert render_line("worker", line, AT) == (
        "17:05:09 worker  3f2b8c1e…  FAILED       RETRIES_EXHAUSTED  (WARNING: retries exhausted)"
    )


def test_other_json_records_show_level_message_and_exception() -> None:
    line = json.dumps({"level": "ERROR", "message": "claim failed", "exception": "Traceback\n  boom"})

    assert render_line("api", line, AT) == "17:05:09 api     ERROR    claim failed\n    Traceback\n      boom"


def test_plain_lines_are_prefixed_with_the_process() -> None:
    assert render_line("api", "Traceback (most recent call last):", AT) == (
        "17:05:09 api     | Traceback (most recent call last):"
    )


def test_metric_documents_are_left_out() -> None:
    assert (
        render_line("worker", json.dumps({"_aws": {"CloudWatchMetrics": []}, "JobsSucceeded": 1}), AT) is None
    )
