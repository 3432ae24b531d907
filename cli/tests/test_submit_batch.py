"""conveyor submit --batch: JSON lines sent 25 a request, each line's outcome named by its line number, and an
exit code that says whether every line was accepted."""

import json
from pathlib import Path

import httpx
from fakes import FakeApi, Run, problem_response


def _lines(count: int, *, bad: dict[int, str] | None = None) -> str:
    """`count` job requests as JSON lines; `bad` replaces some lines (numbered from 1) with other text."""
    text = [
        json.dumps({"job_type": "text_transform", "payload": {"text": f"job {n}"}})
        for n in range(1, count + 1)
    ]
    for number, line in (bad or {}).items():
        text[number - 1] = line
    return "\n".join(text) + "\n"


def test_60_lines_go_in_three_requests_of_25_25_and_10_in_order(
    api: FakeApi, run: Run, tmp_path: Path
) -> None:
    jobs_file = tmp_path / "jobs.jsonl"
    jobs_file.write_text(_lines(60), encoding="utf-8")

    result = run("submit", "--batch", str(jobs_file))

    assert result.exit_code == 0, result.output
    sent = [json.loads(request.content)["jobs"] for request in api.requests_to("POST", "/jobs/batch")]
    assert [len(jobs) for jobs in sent] == [25, 25, 10]
    assert [job["payload"]["text"] for jobs in sent for job in jobs] == [f"job {n}" for n in range(1, 61)]
    printed = [line.split("\t") for line in result.stdout.splitlines()]
    assert [int(number) for number, _ in printed] == list(range(1, 61))
    assert {job_id for _, job_id in printed} == set(api.jobs)
    assert "60 of 60 jobs accepted, 0 refused." in result.stderr


def test_refused_lines_are_named_with_their_problem_and_the_exit_code_is_3(api: FakeApi, run: Run) -> None:
    text = _lines(30, bad={4: '{"job_type": "text_transform"}', 27: "{not json", 28: ""})

    result = run("submit", "--batch", "-", input=text)

    assert result.exit_code == 3
    assert "line 4: 400 Request body does not match the contract" in result.stderr
    assert "  /payload: Required but missing; add it." in result.stderr
    assert "line 27: not JSON" in result.stderr
    assert "line 28" not in result.output  # a blank line is no job
    assert [int(line.split("\t")[0]) for line in result.stdout.splitlines()] == [
        n for n in range(1, 31) if n not in (4, 27, 28)
    ]
    assert "27 of 29 jobs accepted, 2 refused." in result.stderr


def test_json_prints_every_lines_result_with_its_number(api: FakeApi, run: Run) -> None:
    result = run("--json", "submit", "--batch", "-", input=_lines(3, bad={2: '{"job_type": "x"}'}))

    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert (document["accepted"], document["refused"]) == (2, 1)
    assert [(r["line"], r["status"]) for r in document["results"]] == [(1, 202), (2, 400), (3, 202)]
    assert document["results"][0]["location"] == f"/jobs/{document['results'][0]['job']['job_id']}"
    assert document["results"][1]["problem"]["type"] == "urn:conveyor:problem:validation-failed"
    assert result.stderr == ""


def test_a_request_that_fails_whole_refuses_its_lines_alone_and_the_exit_code_is_6(
    api: FakeApi, run: Run
) -> None:
    api.answer("POST", "/jobs/batch", problem_response(500, "internal-error", "Internal error", "Logged."))

    result = run("submit", "--batch", "-", input=_lines(30))

    assert result.exit_code == 6
    assert [int(line.split("\t")[0]) for line in result.stdout.splitlines()] == list(range(26, 31))
    assert "line 25: 500 Internal error" in result.stderr
    assert "5 of 30 jobs accepted, 25 refused." in result.stderr


def test_a_throttled_request_is_sent_again_and_nothing_else_is(api: FakeApi, run: Run) -> None:
    api.answer(
        "POST",
        "/jobs/batch",
        problem_response(429, "rate-limited", "Too many requests", "Slow down.", **{"Retry-After": "1"}),
    )

    result = run("submit", "--batch", "-", input=_lines(2))

    assert result.exit_code == 0
    assert len(api.requests_to("POST", "/jobs/batch")) == 2


def test_an_unreachable_api_refuses_every_line_with_exit_code_6(api: FakeApi, run: Run) -> None:
    api.answer("POST", "/jobs/batch", httpx.ConnectError("refused"))

    result = run("submit", "--batch", "-", input=_lines(2))

    assert result.exit_code == 6
    assert "line 1: http://api.test/jobs/batch: refused" in result.stderr
    assert "0 of 2 jobs accepted, 2 refused." in result.stderr


def test_batch_takes_no_type_payload_or_wait(run: Run) -> None:
    for extra in (["text_transform"], ["--payload", "{}"], ["--wait"], ["--idempotency-key", "k"]):
        result = run("submit", "--batch", "-", *extra, input=_lines(1))
        assert result.exit_code == 2, extra


def test_submit_without_batch_still_needs_type_and_payload(run: Run) -> None:
    assert run("submit", "text_transform").exit_code == 2
    assert run("submit", "--payload", "{}").exit_code == 2
