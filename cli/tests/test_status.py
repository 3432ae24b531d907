"""conveyor status: the record, readably or as JSON, and the exit code of each kind of failure."""

import json

import httpx
import pytest
from fakes import NOT_FOUND, FakeApi, Run, problem_response, progress, record


def words_of(text: str) -> list[str]:
    """Each line with its words one space apart: the columns' padding is the terminal's business."""
    return [" ".join(line.split()) for line in text.splitlines()]


def test_status_shows_the_record_readably(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("SUCCEEDED", attempts=2))

    result = run("status", job_id)

    assert result.exit_code == 0
    lines = words_of(result.stdout)
    assert f"Job {job_id}" in lines
    assert "Type text_transform" in lines
    assert "Status SUCCEEDED" in lines
    assert "Created 2026-11-24T17:29:37.072Z" in lines
    assert "Started 2026-11-24T17:29:37.095Z" in lines
    assert "Finished 2026-11-24T17:29:37.115Z (ran 20 ms)" in lines
    assert "Attempts 2" in lines
    assert '"uppercase": "HI",' in lines
    assert not any(line.startswith(("Progress", "Error", "Result URL")) for line in lines)


def test_status_shows_the_progress_of_a_running_job(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("IN_PROGRESS", progress=progress(40, "resizing 2 of 5")))

    lines = words_of(run("status", job_id).stdout)

    assert "Status IN_PROGRESS" in lines
    assert "Progress 40% resizing 2 of 5 (reported 2026-11-24T17:29:37.095Z)" in lines


def test_status_shows_a_failed_jobs_error_and_a_stored_results_url(api: FakeApi, run: Run) -> None:
    failed = api.add_job(record("FAILED"))
    stored = api.add_job(
        record("SUCCEEDED", result=None, result_url="https://files.test/results/x/result.json")
    )

    assert "Error SOURCE_NOT_FOUND: uploads/x does not exist" in words_of(run("status", failed).stdout)
    assert "Result URL https://files.test/results/x/result.json" in words_of(run("status", stored).stdout)


def test_messages_from_the_api_are_shown_as_text_not_as_console_markup(api: FakeApi, run: Run) -> None:
    job_id = api.add_job(record("IN_PROGRESS", progress=progress(3, "[bold red]step[/] 1")))

    assert "[bold red]step[/] 1" in run("status", job_id).stdout


def test_json_prints_the_record_exactly(api: FakeApi, run: Run) -> None:
    original = record("IN_PROGRESS", progress=progress(40, "résumé"))
    job_id = api.add_job(original)

    result = run("--json", "status", job_id)

    assert result.exit_code == 0
    assert json.loads(result.stdout) == original
    assert "résumé" in result.stdout


def test_the_job_id_is_one_path_segment_whatever_it_holds(api: FakeApi, run: Run) -> None:
    run("status", "../health?x=1")

    (sent,) = api.requests
    assert sent.url.raw_path == b"/jobs/..%2Fhealth%3Fx%3D1"


def test_an_api_url_with_a_stage_path_keeps_it(api: FakeApi, run: Run) -> None:
    run("status", "abc", api_url="https://api.test/prod/")

    (sent,) = api.requests
    assert str(sent.url) == "https://api.test/prod/jobs/abc"


def test_an_unknown_job_exits_4_with_the_problem(api: FakeApi, run: Run) -> None:
    result = run("status", "0b7c8a52-0d5e-4f7c-9a52-3f3a1c8d1e11")

    assert result.exit_code == 4
    assert result.stdout == ""
    assert "404 Job not found: No job has this id. (urn:conveyor:problem:job-not-found)" in result.stderr


def test_an_unknown_job_under_json_is_the_problem_document_on_stderr(api: FakeApi, run: Run) -> None:
    result = run("--json", "status", "0b7c8a52-0d5e-4f7c-9a52-3f3a1c8d1e11")

    assert result.exit_code == 4
    assert result.stdout == ""
    assert json.loads(result.stderr) == NOT_FOUND


def test_api_gateways_own_401_exits_5_and_reads_as_a_problem(api: FakeApi, run: Run) -> None:
    api.answer("GET", "/jobs/j", httpx.Response(401, json={"message": "Unauthorized"}))
    api.answer("GET", "/jobs/j", httpx.Response(401, json={"message": "Unauthorized"}))

    human = run("status", "j")
    machine = run("--json", "status", "j")

    assert human.exit_code == machine.exit_code == 5
    assert "401 Unauthorized" in human.stderr
    assert json.loads(machine.stderr) == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Unauthorized",
    }


@pytest.mark.parametrize(
    ("answer", "exit_code"),
    [
        (problem_response(400, "invalid-job-id", "Invalid job id", "Not a job id."), 3),
        (problem_response(403, "forbidden", "Forbidden", "Not yours."), 5),
        (problem_response(405, "method-not-allowed", "Method not allowed", "GET only."), 3),
        (problem_response(500, "internal-error", "Internal error", "A bug."), 6),
        (httpx.Response(502, text="<html>Bad Gateway</html>"), 6),
        (httpx.Response(200, text="<html>the demo page</html>"), 6),
        (httpx.Response(200, json=["not", "a", "record"]), 6),
        (httpx.Response(200, json={"status": "ok"}), 6),
    ],
)
def test_each_kind_of_answer_has_its_exit_code(
    api: FakeApi, run: Run, answer: httpx.Response, exit_code: int
) -> None:
    api.answer("GET", "/jobs/j", answer)

    assert run("status", "j").exit_code == exit_code


def test_an_answer_that_is_not_the_apis_suggests_checking_the_url(api: FakeApi, run: Run) -> None:
    api.answer("GET", "/prod/jobs/j", httpx.Response(200, text="<html>the demo page</html>"))

    result = run("status", "j", api_url="http://api.test/prod")

    assert "http://api.test/prod/jobs/j answered 200 without a JSON object" in result.stderr
    assert "is --api-url the URL of a Conveyor API?" in result.stderr


def test_an_unreachable_api_exits_6(api: FakeApi, run: Run) -> None:
    api.answer("GET", "/jobs/j", httpx.ConnectError("[Errno 111] Connection refused"))
    api.answer("GET", "/jobs/j", httpx.ConnectError("[Errno 111] Connection refused"))

    human = run("status", "j")
    machine = run("--json", "status", "j")

    assert human.exit_code == machine.exit_code == 6
    assert "cannot reach http://api.test/jobs/j: [Errno 111] Connection refused" in human.stderr
    assert json.loads(machine.stderr)["type"] == "urn:conveyor:cli:unreachable"


def test_a_read_throttled_several_times_gives_up_after_a_few_attempts(api: FakeApi, run: Run) -> None:
    throttled = httpx.Response(429, json={"message": "Too Many Requests"})
    api.answer("GET", "/jobs/j", *[throttled] * 10)

    result = run("status", "j")

    assert result.exit_code == 3
    assert len(api.requests) == 4
