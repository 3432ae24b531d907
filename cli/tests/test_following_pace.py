"""submit --wait and watch read a job as often as the API says it is worth it: after its Retry-After (with a
little jitter, within bounds), conditionally on the record they hold, and with a backoff of their own from an
API that says nothing. Counted against jobs of known duration on the fake clock."""

import httpx
import pytest
from fakes import FakeApi, FakeTime, Run, TimedJob

from conveyor_cli.following import JITTER, LONGEST_BACKOFF_SECONDS, LONGEST_WAIT_SECONDS


def submit_and_wait(api: FakeApi, run: Run, job: TimedJob) -> None:
    api.answer("POST", "/jobs", job.accepted())
    api.live[job.job_id] = job.read

    result = run("submit", "text_transform", "--payload", '{"text": "hi"}', "--wait")

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("duration", "most_reads"),
    [(0.1, 1), (10, 3), (60, 6)],
    ids=["0.1s", "10s", "60s"],
)
@pytest.mark.parametrize("jitter", [0.0, 0.999], ids=["no-jitter", "most-jitter"])
def test_a_job_of_known_duration_is_read_a_few_times_and_its_end_seen_within_a_fifth_or_a_second(
    api: FakeApi, run: Run, fake_time: FakeTime, duration: float, most_reads: int, jitter: float
) -> None:
    fake_time.jitter = jitter
    job = TimedJob(fake_time, duration)

    submit_and_wait(api, run, job)

    assert job.reads <= most_reads, job.reads
    assert job.seen_end_at is not None
    assert job.seen_end_at - job.ends <= max(0.2 * duration, 1.0)


def test_the_waits_are_the_apis_retry_after_plus_at_most_a_tenth(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    fake_time.jitter = 0.5
    job = TimedJob(fake_time, 10, reports=False)

    submit_and_wait(api, run, job)

    # The 202 asks for 10 s (the job's whole duration): 10 s and half the jitter's tenth.
    assert fake_time.sleeps == [10 * (1 + JITTER * 0.5)]


def test_reads_name_the_record_they_hold_and_an_unchanged_one_comes_without_a_body(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    # A job that reports nothing, behind an API that asks for a read each second: most reads change nothing.
    job = TimedJob(fake_time, 5, reports=False, paced=False)
    etags: list[str] = []
    answer = job.read

    def read(request: httpx.Request) -> httpx.Response:
        response = answer(request)
        etags.append(response.headers["etag"])
        response.headers["retry-after"] = "1"
        return response

    api.answer("POST", "/jobs", job.accepted())
    api.live[job.job_id] = read

    assert run("submit", "text_transform", "--payload", "{}", "--wait").exit_code == 0

    sent = [request.headers.get("if-none-match") for request in api.requests_to("GET", f"/jobs/{job.job_id}")]
    assert sent == [None, *etags[:-1]]
    # IN_PROGRESS and SUCCEEDED (QUEUED came with the 202): two bodies, however many reads.
    assert job.bodies == 2
    assert job.reads > job.bodies


def test_an_api_without_retry_after_is_read_with_a_backoff_not_twice_a_second(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job = TimedJob(fake_time, 60, reports=False, paced=False)

    submit_and_wait(api, run, job)

    assert fake_time.sleeps[0] == 0.5
    assert max(fake_time.sleeps) == LONGEST_BACKOFF_SECONDS
    # 7 waits from 0.5 s up (16 s in all), then one each 8 s: 13 reads, where the old loop made 120.
    assert job.reads == 13


def test_while_progress_moves_an_api_without_retry_after_is_read_every_two_seconds_at_most(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job = TimedJob(fake_time, 60, paced=False)

    submit_and_wait(api, run, job)

    assert max(fake_time.sleeps) <= 2.0
    assert job.seen_end_at is not None
    assert job.seen_end_at - job.ends <= 2.0


def test_no_retry_after_is_waited_longer_than_the_longest_wait(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job = TimedJob(fake_time, 300, reports=False)
    answer = job.read

    def read(request: httpx.Request) -> httpx.Response:
        response = answer(request)
        if "retry-after" in response.headers:
            response.headers["retry-after"] = "3600"
        return response

    api.answer("POST", "/jobs", job.accepted())
    api.live[job.job_id] = read

    assert run("submit", "text_transform", "--payload", "{}", "--wait").exit_code == 0
    assert max(fake_time.sleeps) == LONGEST_WAIT_SECONDS


def test_a_retry_after_past_the_timeout_waits_only_for_what_is_left(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    job = TimedJob(fake_time, 60)
    api.answer("POST", "/jobs", job.accepted())
    api.live[job.job_id] = job.read

    result = run("submit", "text_transform", "--payload", "{}", "--wait", "--timeout", "5")

    assert result.exit_code == 7
    assert fake_time.sleeps == [5.0]
    assert job.reads == 1
