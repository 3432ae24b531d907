"""conveyor submit --delay: seconds or a human duration sent as delay_seconds; a bad one a usage error; status
shows run_at."""

import json

import pytest
from fakes import FakeApi, Run, record


@pytest.mark.parametrize(
    ("given", "seconds"),
    [("0", 0), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("7d", 604800), ("2H", 7200)],
)
def test_delay_is_sent_as_delay_seconds(api: FakeApi, run: Run, given: str, seconds: int) -> None:
    result = run("submit", "text_transform", "--payload", '{"text": "hi"}', "--delay", given)

    assert result.exit_code == 0, result.stderr
    (sent,) = api.requests_to("POST", "/jobs")
    assert json.loads(sent.content) == {
        "job_type": "text_transform",
        "payload": {"text": "hi"},
        "delay_seconds": seconds,
    }


def test_without_delay_no_delay_seconds_is_sent(api: FakeApi, run: Run) -> None:
    run("submit", "text_transform", "--payload", "{}")

    (sent,) = api.requests_to("POST", "/jobs")
    assert "delay_seconds" not in json.loads(sent.content)


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ("8d", "more than 7 days"),
        ("604801", "more than 7 days"),
        ("-5", "is not a duration"),
        ("1.5h", "is not a duration"),
        ("2 weeks", "is not a duration"),
        ("h", "is not a duration"),
    ],
)
def test_a_bad_delay_is_a_usage_error_and_nothing_is_sent(
    api: FakeApi, run: Run, given: str, complaint: str
) -> None:
    result = run("submit", "text_transform", "--payload", "{}", "--delay", given)

    assert result.exit_code == 2
    assert complaint in result.stderr
    assert api.requests == []


def test_delay_is_refused_with_batch(api: FakeApi, run: Run) -> None:
    result = run("submit", "--batch", "-", "--delay", "1h", input='{"job_type": "text_transform"}\n')

    assert result.exit_code == 2
    assert "--delay" in result.stderr
    assert api.requests == []


def test_json_shows_the_accepted_records_run_at(api: FakeApi, run: Run) -> None:
    result = run("--json", "submit", "text_transform", "--payload", "{}", "--delay", "2h")

    accepted = json.loads(result.stdout)
    assert accepted["run_at"] == "2026-11-24T19:29:37.072Z"


def test_status_shows_when_a_waiting_job_runs(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("QUEUED", run_at="2026-11-24T19:29:37.072Z"))

    result = run("status", job_id)

    assert "Runs at 2026-11-24T19:29:37.072Z" in [
        " ".join(line.split()) for line in result.stdout.splitlines()
    ]


def test_status_of_a_job_without_a_delay_has_no_runs_at_line(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("QUEUED"))

    result = run("status", job_id)

    assert not any(line.startswith("Runs at") for line in result.stdout.splitlines())
