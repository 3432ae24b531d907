"""conveyor submit: the request it sends, what it prints, and --wait until the job ends."""

import json
from pathlib import Path

import httpx
import pytest
from fakes import FakeApi, FakeTime, Run, later, problem_response, progress


def test_submit_posts_the_type_and_payload_and_prints_only_the_job_id(api: FakeApi, run: Run) -> None:
    result = run("submit", "text_transform", "--payload", '{"text": "hi"}')

    assert result.exit_code == 0
    (sent,) = api.requests_to("POST", "/jobs")
    assert json.loads(sent.content) == {"job_type": "text_transform", "payload": {"text": "hi"}}
    assert sent.headers["content-type"] == "application/json"
    assert "idempotency-key" not in sent.headers
    assert "authorization" not in sent.headers
    assert result.stdout == f"{next(iter(api.jobs))}\n"


def test_json_prints_the_accepted_record_exactly(api: FakeApi, run: Run) -> None:
    result = run("--json", "submit", "data_analysis", "--payload", '{"data": [1, 2]}')

    assert result.exit_code == 0
    accepted = json.loads(result.stdout)
    assert accepted == api.jobs[accepted["job_id"]][0]
    assert accepted["status"] == "QUEUED"
    assert result.stderr == ""


def test_the_idempotency_key_and_the_token_are_sent_as_headers(api: FakeApi, run: Run) -> None:
    run("--token", "eyJ.token.sig", "submit", "text_transform", "--payload", "{}", "--idempotency-key", "k-1")

    (sent,) = api.requests_to("POST", "/jobs")
    assert sent.headers["idempotency-key"] == "k-1"
    assert sent.headers["authorization"] == "Bearer eyJ.token.sig"


def test_the_api_url_and_the_token_come_from_the_environment(
    api: FakeApi, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_API_URL", "http://from-env.test")
    monkeypatch.setenv("CONVEYOR_TOKEN", "t0k")

    assert run("submit", "text_transform", "--payload", "{}", api_url=None).exit_code == 0

    (sent,) = api.requests
    assert str(sent.url) == "http://from-env.test/jobs"
    assert sent.headers["authorization"] == "Bearer t0k"


def test_the_payload_can_come_from_a_file_or_standard_input(api: FakeApi, run: Run, tmp_path: Path) -> None:
    payload_file = tmp_path / "payload.json"
    payload_file.write_text('{"data": [1.5, 2]}', encoding="utf-8")

    assert run("submit", "data_analysis", "--payload", f"@{payload_file}").exit_code == 0
    assert run("submit", "text_transform", "--payload", "@-", input='{"text": "piped"}').exit_code == 0

    payloads = [json.loads(sent.content)["payload"] for sent in api.requests_to("POST", "/jobs")]
    assert payloads == [{"data": [1.5, 2]}, {"text": "piped"}]


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ("{'text': 'hi'}", "--payload is not JSON: Expecting property name enclosed in double quotes"),
        ("hello", "--payload is not JSON"),
        ("@/no/such/payload.json", "cannot read /no/such/payload.json: No such file or directory"),
        ("@", "@ must be followed by a file name"),
    ],
)
def test_a_malformed_payload_is_a_usage_error_and_nothing_is_sent(
    api: FakeApi, run: Run, payload: str, complaint: str
) -> None:
    result = run("submit", "text_transform", "--payload", payload)

    assert result.exit_code == 2
    assert complaint in result.stderr
    assert "Usage: conveyor submit" in result.stderr
    assert api.requests == []


def test_a_payload_file_that_is_not_json_names_the_file(api: FakeApi, run: Run, tmp_path: Path) -> None:
    payload_file = tmp_path / "payload.json"
    payload_file.write_text("{not json", encoding="utf-8")

    result = run("submit", "text_transform", "--payload", f"@{payload_file}")

    assert result.exit_code == 2
    assert f"{payload_file} is not JSON" in result.stderr


def test_a_usage_error_under_json_is_a_problem_document_on_stderr(api: FakeApi, run: Run) -> None:
    result = run("--json", "submit", "text_transform", "--payload", "nope")

    assert result.exit_code == 2
    assert result.stdout == ""
    problem = json.loads(result.stderr)
    assert problem["type"] == "urn:conveyor:cli:usage"
    assert "--payload is not JSON" in problem["detail"]


def test_without_an_api_url_the_command_says_how_to_give_one(api: FakeApi, run: Run) -> None:
    result = run("submit", "text_transform", "--payload", "{}", api_url=None)

    assert result.exit_code == 2
    assert "give --api-url or set CONVEYOR_API_URL" in result.stderr
    assert api.requests == []


def test_timeout_without_wait_is_a_usage_error(api: FakeApi, run: Run) -> None:
    result = run("submit", "text_transform", "--payload", "{}", "--timeout", "5")

    assert result.exit_code == 2
    assert "--timeout only applies with --wait" in result.stderr
    assert api.requests == []


def test_a_refused_submission_shows_each_violation_with_its_pointer_and_exits_3(
    api: FakeApi, run: Run
) -> None:
    api.answer(
        "POST",
        "/jobs",
        httpx.Response(
            400,
            headers={"content-type": "application/problem+json"},
            json={
                "type": "urn:conveyor:problem:validation-failed",
                "title": "Request body does not match the contract",
                "status": 400,
                "detail": "The body breaks the contract in 1 place; see errors.",
                "errors": [{"pointer": "/payload/text", "message": "Must not be empty."}],
            },
        ),
    )

    result = run("submit", "text_transform", "--payload", '{"text": ""}')

    assert result.exit_code == 3
    assert result.stdout == ""
    assert "400 Request body does not match the contract" in result.stderr
    assert "urn:conveyor:problem:validation-failed" in result.stderr
    assert "/payload/text: Must not be empty." in result.stderr


def test_under_json_a_refusal_is_the_apis_problem_document_on_stderr(api: FakeApi, run: Run) -> None:
    refusal = problem_response(400, "unknown-job-type", "Unknown job type", "Known: text_transform.")
    api.answer("POST", "/jobs", refusal)

    result = run("--json", "submit", "nope", "--payload", "{}")

    assert result.exit_code == 3
    assert result.stdout == ""
    assert json.loads(result.stderr) == refusal.json()


def test_a_throttled_submission_is_sent_again_after_retry_after(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    api.answer(
        "POST",
        "/jobs",
        httpx.Response(429, json={"message": "Too Many Requests"}, headers={"Retry-After": "3"}),
    )

    result = run("submit", "text_transform", "--payload", "{}")

    assert result.exit_code == 0
    assert len(api.requests_to("POST", "/jobs")) == 2
    assert fake_time.sleeps == [3.0]


def test_a_503_is_retried_only_with_an_idempotency_key(api: FakeApi, run: Run, fake_time: FakeTime) -> None:
    unavailable = problem_response(
        503, "service-unavailable", "Service unavailable", "Retry.", **{"Retry-After": "2"}
    )
    api.answer("POST", "/jobs", unavailable, unavailable)

    without_key = run("submit", "text_transform", "--payload", "{}")
    with_key = run("submit", "text_transform", "--payload", "{}", "--idempotency-key", "k")

    assert without_key.exit_code == 6
    assert "503 Service unavailable" in without_key.stderr
    assert with_key.exit_code == 0
    assert fake_time.sleeps == [2.0]
    assert len(api.requests_to("POST", "/jobs")) == 3


def test_a_keyed_submission_still_in_progress_is_asked_again_for_its_outcome(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    in_progress = problem_response(
        409,
        "idempotency-key-in-progress",
        "Idempotency key in progress",
        "Ask again.",
        **{"Retry-After": "1"},
    )
    api.answer("POST", "/jobs", in_progress)

    result = run("submit", "text_transform", "--payload", "{}", "--idempotency-key", "k")

    assert result.exit_code == 0
    assert fake_time.sleeps == [1.0]


def test_wait_follows_the_job_with_its_progress_until_it_succeeds(
    api: FakeApi, run: Run, fake_time: FakeTime
) -> None:
    api.next_submissions.append(
        later(
            ("QUEUED", {}),
            ("IN_PROGRESS", {}),
            ("IN_PROGRESS", {"progress": progress(40, "resizing")}),
            ("IN_PROGRESS", {"progress": progress(90, "encoding")}),
            ("SUCCEEDED", {"result": {"length": 2, "uppercase": "HI", "word_count": 1}}),
        )
    )

    result = run("submit", "text_transform", "--payload", '{"text": "hi"}', "--wait")

    assert result.exit_code == 0
    job_id = next(iter(api.jobs))
    assert result.stderr.splitlines() == [
        f"Job {job_id} submitted.",
        "QUEUED",
        "IN_PROGRESS  attempt 1",
        "IN_PROGRESS  attempt 1  40%  resizing",
        "IN_PROGRESS  attempt 1  90%  encoding",
        "SUCCEEDED",
    ]
    assert "SUCCEEDED" in result.stdout
    assert '"uppercase": "HI"' in result.stdout
    # The 202's record is the first shown; then one read per poll. This API sends no Retry-After: the waits
    # back off from half a second, and stay at 2 s at most while the progress moves.
    assert len(api.requests_to("GET", f"/jobs/{job_id}")) == 5
    assert fake_time.sleeps == [0.5, 0.75, 1.125, 1.6875, 2.0]


def test_wait_exits_1_when_the_job_fails_and_shows_its_error(api: FakeApi, run: Run) -> None:
    api.next_submissions.append(later(("IN_PROGRESS", {}), ("FAILED", {})))

    result = run("submit", "image_resize", "--payload", "{}", "--wait")

    assert result.exit_code == 1
    assert "FAILED" in result.stdout
    assert "SOURCE_NOT_FOUND: uploads/x does not exist" in result.stdout


def test_wait_under_json_prints_only_the_final_record(api: FakeApi, run: Run) -> None:
    api.next_submissions.append(later(("IN_PROGRESS", {"progress": progress(10)}), ("SUCCEEDED", {})))

    result = run("--json", "submit", "text_transform", "--payload", "{}", "--wait")

    assert result.exit_code == 0
    final = json.loads(result.stdout)
    assert final == api.jobs[final["job_id"]][-1]
    assert final["status"] == "SUCCEEDED"
    assert result.stderr == ""


def test_wait_gives_up_at_the_timeout_with_exit_code_7(api: FakeApi, run: Run, fake_time: FakeTime) -> None:
    api.next_submissions.append(later(("IN_PROGRESS", {"progress": progress(5, "slow")})))

    result = run("submit", "text_transform", "--payload", "{}", "--wait", "--timeout", "2")

    assert result.exit_code == 7
    job_id = next(iter(api.jobs))
    assert f"job {job_id} had not ended after 2.0 s (still IN_PROGRESS)" in result.stderr
    assert f"conveyor watch {job_id}" in result.stderr
    assert sum(fake_time.sleeps) == pytest.approx(2.0)


def test_a_timeout_under_json_is_a_cli_problem_document(api: FakeApi, run: Run) -> None:
    api.next_submissions.append(later(("QUEUED", {})))

    result = run("--json", "submit", "text_transform", "--payload", "{}", "--wait", "--timeout", "1")

    assert result.exit_code == 7
    problem = json.loads(result.stderr)
    assert problem["type"] == "urn:conveyor:cli:timed-out"
    assert problem["job_id"] == next(iter(api.jobs))
    assert problem["job_status"] == "QUEUED"
