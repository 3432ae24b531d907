"""conveyor watch: following an existing job, throttling honoured, until it ends, times out or is
interrupted."""

import json

import httpx
from fakes import FakeApi, FakeTime, Run, problem_response, progress, record


def test_watch_follows_a_job_until_it_succeeds(api: FakeApi, run: Run, fake_time: FakeTime) -> None:
    job_id = api.add_job(
        record("QUEUED"), record("IN_PROGRESS", progress=progress(50, "half")), record("SUCCEEDED")
    )

    result = run("watch", job_id)

    assert result.exit_code == 0
    assert result.stderr.splitlines() == ["QUEUED", "IN_PROGRESS  attempt 1  50%  half", "SUCCEEDED"]
    assert "Status    SUCCEEDED" in result.stdout
    # An API that sends no Retry-After: a backoff from half a second.
    assert fake_time.sleeps == [0.5, 0.75]


def test_watching_a_job_that_already_ended_returns_at_once(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job_id = api.add_job(record("FAILED"))

    result = run("--json", "watch", job_id)

    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "SOURCE_NOT_FOUND"
    assert fake_time.sleeps == []


def test_throttled_reads_wait_for_retry_after_then_go_on(api: FakeApi, run: Run, fake_time: FakeTime) -> None:
    job_id = api.add_job(record("IN_PROGRESS"), record("SUCCEEDED"))
    path = f"/jobs/{job_id}"
    api.answer(
        "GET", path, httpx.Response(429, json={"message": "Too Many Requests"}, headers={"Retry-After": "7"})
    )
    api.answer(
        "GET",
        path,
        problem_response(
            503,
            "service-unavailable",
            "Service unavailable",
            "Retry.",
            **{"Retry-After": "Tue, 24 Nov 2026 17:30:10 GMT"},
        ),
    )
    api.answer("GET", path, problem_response(503, "service-unavailable", "Service unavailable", "Retry."))

    result = run("watch", job_id)

    assert result.exit_code == 0
    # 7 s as asked; then until the HTTP-date, 17:30:10, which the fake clock reaches 3 s later (it started at
    # 17:30:00); then a second when no Retry-After says how long.
    assert fake_time.sleeps == [7.0, 3.0, 1.0, 0.5]


def test_a_retry_after_past_the_timeout_ends_the_wait_with_exit_code_7(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job_id = api.add_job(record("IN_PROGRESS"))
    api.answer(
        "GET", f"/jobs/{job_id}", httpx.Response(429, json={"message": "slow"}, headers={"Retry-After": "60"})
    )

    result = run("watch", job_id, "--timeout", "10")

    assert result.exit_code == 7
    assert "the API answered 429 and asked to wait 60 s, past the --timeout" in result.stderr
    assert fake_time.sleeps == []


def test_the_last_poll_before_the_timeout_waits_only_for_what_is_left(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job_id = api.add_job(record("IN_PROGRESS"))

    result = run("watch", job_id, "--timeout", "1.2")

    assert result.exit_code == 7
    assert [round(seconds, 3) for seconds in fake_time.sleeps] == [0.5, 0.7]


def test_ctrl_c_while_waiting_exits_130(api: FakeApi, run: Run, fake_time: FakeTime) -> None:
    job_id = api.add_job(record("IN_PROGRESS"))
    fake_time.interrupt_after_sleeps = 2

    result = run("watch", job_id)

    assert result.exit_code == 130
    assert len(fake_time.sleeps) == 2


def test_watching_an_unknown_job_exits_4(api: FakeApi, run: Run) -> None:
    result = run("watch", "0b7c8a52-0d5e-4f7c-9a52-3f3a1c8d1e11")

    assert result.exit_code == 4
    assert "404 Job not found" in result.stderr


def test_a_job_that_vanishes_while_watched_exits_4(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("IN_PROGRESS"))
    api.answer("GET", f"/jobs/{job_id}", httpx.Response(200, json=record("IN_PROGRESS", job_id=job_id)))
    api.jobs.clear()

    assert run("watch", job_id).exit_code == 4
