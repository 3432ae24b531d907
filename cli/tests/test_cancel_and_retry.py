"""conveyor cancel and conveyor retry: the requests they send, what they print, and their exit codes."""

import json

import httpx
from fakes import FakeApi, Run, later, problem_response, record

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
CANCELLED = record(
    "FAILED",
    job_id=JOB_ID,
    attempts=0,
    started_at=None,
    error={"code": "CANCELLED", "message": "Cancelled before it started."},
    cancel_requested_at="2026-11-24T17:05:12.000Z",
)


def test_cancel_posts_to_the_jobs_cancel_and_says_a_queued_job_is_cancelled(api: FakeApi, run: Run) -> None:
    api.answer("POST", f"/jobs/{JOB_ID}/cancel", httpx.Response(200, json=CANCELLED))

    result = run("cancel", JOB_ID)

    assert result.exit_code == 0
    (sent,) = api.requests_to("POST", f"/jobs/{JOB_ID}/cancel")
    assert sent.content == b""
    assert result.stdout == f"Job {JOB_ID} cancelled.\n"


def test_cancel_of_a_running_job_says_it_was_asked_to_stop_and_json_prints_the_record(
    api: FakeApi, run: Run
) -> None:
    running = record("IN_PROGRESS", job_id=JOB_ID, cancel_requested_at="2026-11-24T17:05:12.000Z")
    api.answer("POST", f"/jobs/{JOB_ID}/cancel", *[httpx.Response(202, json=running)] * 2)

    said = run("cancel", JOB_ID)
    printed = run("--json", "cancel", JOB_ID)

    assert said.exit_code == printed.exit_code == 0
    assert "asked to stop" in said.stdout
    assert json.loads(printed.stdout) == running


def test_cancel_of_an_ended_job_is_refused_with_exit_code_3(api: FakeApi, run: Run) -> None:
    api.answer(
        "POST",
        f"/jobs/{JOB_ID}/cancel",
        problem_response(409, "job-ended", "Job has ended", "Job has already ended SUCCEEDED."),
    )

    result = run("cancel", JOB_ID)

    assert result.exit_code == 3
    assert "already ended SUCCEEDED" in result.stderr


def test_cancel_of_an_unknown_job_exits_4(run: Run) -> None:
    assert run("cancel", JOB_ID).exit_code == 4


def test_a_throttled_cancel_is_sent_again_as_it_changes_nothing_twice(api: FakeApi, run: Run) -> None:
    api.answer(
        "POST",
        f"/jobs/{JOB_ID}/cancel",
        problem_response(429, "rate-limited", "Too many requests", "Slow down.", **{"retry-after": "1"}),
        httpx.Response(200, json=CANCELLED),
    )

    assert run("cancel", JOB_ID).exit_code == 0
    assert len(api.requests_to("POST", f"/jobs/{JOB_ID}/cancel")) == 2


def _retried(job_id: str = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d") -> httpx.Response:
    queued = record("QUEUED", job_id=job_id, retry_of=JOB_ID)
    return httpx.Response(202, json=queued, headers={"location": f"/jobs/{job_id}"})


def test_retry_posts_without_a_body_and_prints_the_new_jobs_id(api: FakeApi, run: Run) -> None:
    api.answer("POST", f"/jobs/{JOB_ID}/retry", _retried())

    result = run("retry", JOB_ID)

    assert result.exit_code == 0
    (sent,) = api.requests_to("POST", f"/jobs/{JOB_ID}/retry")
    assert sent.content == b""
    assert "idempotency-key" not in sent.headers
    assert result.stdout == "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d\n"


def test_retry_sends_its_idempotency_key_and_json_prints_the_new_record(api: FakeApi, run: Run) -> None:
    api.answer("POST", f"/jobs/{JOB_ID}/retry", _retried())

    result = run("--json", "retry", JOB_ID, "--idempotency-key", "retry-1")

    (sent,) = api.requests_to("POST", f"/jobs/{JOB_ID}/retry")
    assert sent.headers["idempotency-key"] == "retry-1"
    assert json.loads(result.stdout)["retry_of"] == JOB_ID


def test_retry_wait_follows_the_new_job_and_exits_as_it_ended(api: FakeApi, run: Run) -> None:
    new_id = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
    api.answer("POST", f"/jobs/{JOB_ID}/retry", _retried(new_id))
    queued = record("QUEUED", job_id=new_id, retry_of=JOB_ID)
    api.add_job(*later(("IN_PROGRESS", {}), ("FAILED", {}))(queued))

    result = run("retry", JOB_ID, "--wait")

    assert result.exit_code == 1
    assert api.requests_to("GET", f"/jobs/{new_id}")


def test_retry_of_a_job_that_has_not_failed_is_refused_with_exit_code_3(api: FakeApi, run: Run) -> None:
    api.answer(
        "POST",
        f"/jobs/{JOB_ID}/retry",
        problem_response(409, "job-not-failed", "Job has not failed", "Job is IN_PROGRESS."),
    )

    assert run("retry", JOB_ID).exit_code == 3


def test_retry_timeout_without_wait_is_a_usage_error(run: Run) -> None:
    assert run("retry", JOB_ID, "--timeout", "5").exit_code == 2
