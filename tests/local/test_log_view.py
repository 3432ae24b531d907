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


def emf(metrics: dict[str, tuple[str, object]]) -> str:
    """An EMF document as Powertools prints it: one directive, the `service` dimension, values as lists."""
    return json.dumps(
        {
            "_aws": {
                "Timestamp": 1795539909456,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "Conveyor",
                        "Dimensions": [["service"]],
                        "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
                    }
                ],
            },
            "service": "conveyor-worker",
            **{name: value for name, (_, value) in metrics.items()},
        },
        separators=(",", ":"),
    )


def test_a_metrics_document_is_one_line_of_counts_summed_and_timings_listed_in_ms() -> None:
    line = emf(
        {
            "JobsClaimed": ("Count", [1.0, 1.0]),
            "QueueWait": ("Milliseconds", [12.0, 30.5]),
            "JobsSucceeded": ("Count", [1.0, 1.0]),
            "RunTime": ("Milliseconds", [8.0, 9.0]),
        }
    )

    assert render_line("worker", line, AT) == (
        "17:05:09 worker  metrics   JobsClaimed=2 QueueWait=12ms,30.5ms JobsSucceeded=2 RunTime=8ms,9ms"
    )


def test_a_metric_held_as_a_single_value_shows_it() -> None:
    line = emf({"JobsResent": ("Count", 3), "OverdueJobsFailed": ("Count", [1.0])})

    assert render_line("sweeper", line, AT) == "17:05:09 sweeper metrics   JobsResent=3 OverdueJobsFailed=1"


def test_a_document_with_an_aws_key_that_is_not_emf_is_shown_as_it_is() -> None:
    line = json.dumps({"_aws": {"something": "else"}})

    assert render_line("worker", line, AT) == f"17:05:09 worker  | {line}"


def test_a_jobs_line_that_is_not_a_transition_shows_its_level_and_message() -> None:
    line = json.dumps(
        {
            "level": "INFO",
            "message": "duplicate delivery skipped",
            "job_id": JOB_ID,
            "correlation_id": JOB_ID,
            "current_status": "SUCCEEDED",
        }
    )

    assert render_line("worker", line, AT) == "17:05:09 worker  INFO     duplicate delivery skipped"
