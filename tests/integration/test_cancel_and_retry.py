"""Cancel and retry over HTTP on the local stack (issue 18): a queued job's cancel ends it before it runs, a
running job stops where its function looks (a check or a progress report) and otherwise ends as it
finished; a retry of a FAILED job runs a new job that links to it and leaves it as it was; everything else is
refused and changes nothing. Owner rules with sign-in: tests/integration/test_sign_in_and_listing.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError

from tests.support import contract, http
from tests.support.stack import Stack
from tests.support.waiting import wait_for

# Ceilings for a worker thread, not waits the tests rely on: each is released as soon as the test has acted.
RELEASE_TIMEOUT_SECONDS = 30
CHECK_INTERVAL_SECONDS = 0.05


def _post(stack: Stack, job_id: str, action: str, headers: dict[str, str] | None = None) -> http.Response:
    return http.request("POST", f"{stack.api_url}/jobs/{job_id}/{action}", body=b"", headers=headers)


def _record(response: http.Response, status: int) -> dict[str, Any]:
    assert response.status == status, response.body
    record: dict[str, Any] = response.json()
    contract.validator("job-record").validate(record)
    return record


def _submitted(stack: Stack, job_type: str, payload: Any) -> str:
    job_id: str = _record(stack.submit(job_type, payload), 202)["job_id"]
    return job_id


def _run_worker_until_idle(stack: Stack) -> None:
    worker = stack.worker()
    while worker.poll_once().received:
        pass


def _running_in_a_worker_thread(stack: Stack, job_id: str) -> threading.Thread:
    worker = threading.Thread(target=stack.worker().poll_once, name="worker")
    worker.start()
    wait_for(
        lambda: stack.status(job_id).json()["status"] == "IN_PROGRESS" or None, timeout=20, what="the claim"
    )
    return worker


def _text_result(payload: Mapping[str, Any]) -> dict[str, Any]:
    text = str(payload["text"])
    return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}


def test_a_queued_job_cancelled_ends_failed_cancelled_and_never_runs(stack: Stack) -> None:
    job_id = _submitted(stack, "text_transform", {"text": "never run"})

    cancelled = _record(_post(stack, job_id, "cancel"), 200)
    _run_worker_until_idle(stack)

    assert (cancelled["status"], cancelled["error"]["code"]) == ("FAILED", "CANCELLED")
    assert cancelled["cancel_requested_at"] == cancelled["finished_at"]
    assert stack.job_runs["text_transform"] == 0
    assert stack.status(job_id).json() == cancelled
    assert stack.queued_messages() == 0
    again = _post(stack, job_id, "cancel")
    assert (again.status, again.json()) == (200, cancelled)


def test_a_running_job_that_checks_stops_and_ends_failed_cancelled(stack: Stack) -> None:
    def checks_until_cancelled(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        never = threading.Event()
        for _ in range(int(RELEASE_TIMEOUT_SECONDS / CHECK_INTERVAL_SECONDS)):
            job.check_cancelled()
            never.wait(CHECK_INTERVAL_SECONDS)
        return _text_result(payload)

    stack.replace_job("text_transform", checks_until_cancelled)
    job_id = _submitted(stack, "text_transform", {"text": "stop me"})
    worker = _running_in_a_worker_thread(stack, job_id)
    try:
        asked = _record(_post(stack, job_id, "cancel"), 202)
    finally:
        worker.join()

    assert (asked["status"], asked["error"]) == ("IN_PROGRESS", None)
    ended = _record(stack.status(job_id), 200)
    assert (ended["status"], ended["error"]["code"], ended["attempts"]) == ("FAILED", "CANCELLED", 1)
    assert ended["cancel_requested_at"] == asked["cancel_requested_at"]


def test_a_running_job_that_reports_progress_stops_at_its_next_stored_report(stack: Stack) -> None:
    def reports_until_cancelled(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        never = threading.Event()
        for step in range(int(RELEASE_TIMEOUT_SECONDS / CHECK_INTERVAL_SECONDS)):
            job.report_progress(min(99, step), "working")
            never.wait(CHECK_INTERVAL_SECONDS)
        return _text_result(payload)

    stack.replace_job("text_transform", reports_until_cancelled)
    job_id = _submitted(stack, "text_transform", {"text": "stop me too"})
    worker = _running_in_a_worker_thread(stack, job_id)
    try:
        _record(_post(stack, job_id, "cancel"), 202)
    finally:
        worker.join()

    ended = _record(stack.status(job_id), 200)
    assert (ended["status"], ended["error"]["code"]) == ("FAILED", "CANCELLED")


def test_a_running_job_that_never_looks_ends_as_it_finished_and_shows_the_cancel_request(
    stack: Stack,
) -> None:
    release = threading.Event()

    def waits_then_finishes(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        release.wait(RELEASE_TIMEOUT_SECONDS)
        return _text_result(payload)

    stack.replace_job("text_transform", waits_then_finishes)
    job_id = _submitted(stack, "text_transform", {"text": "finish anyway"})
    worker = _running_in_a_worker_thread(stack, job_id)
    try:
        asked = _record(_post(stack, job_id, "cancel"), 202)
        again = _record(_post(stack, job_id, "cancel"), 202)
    finally:
        release.set()
        worker.join()

    assert again == asked
    ended = _record(stack.status(job_id), 200)
    assert ended["status"] == "SUCCEEDED"
    assert ended["cancel_requested_at"] == asked["cancel_requested_at"]
    refused = _post(stack, job_id, "cancel")
    assert (refused.status, refused.json()["type"]) == (409, "urn:conveyor:problem:job-ended")


def _fails_the_first_time() -> Callable[[Mapping[str, Any], JobContext], dict[str, Any]]:
    runs = 0

    def job(payload: Mapping[str, Any], context: JobContext) -> dict[str, Any]:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise PermanentJobError("TEXT_REFUSED", "refused the first time")
        return _text_result(payload)

    return job


def test_a_retry_of_a_failed_job_runs_a_new_job_that_links_to_it_and_leaves_it_as_it_was(
    stack: Stack,
) -> None:
    stack.replace_job("text_transform", _fails_the_first_time())
    failed_id = _submitted(stack, "text_transform", {"text": "second time lucky"})
    _run_worker_until_idle(stack)
    before = stack.status(failed_id)
    assert before.json()["status"] == "FAILED"
    item_before = [item for item in stack.items() if item["job_id"]["S"] == failed_id]

    response = _post(stack, failed_id, "retry")
    retried = _record(response, 202)
    _run_worker_until_idle(stack)

    assert response.headers["location"] == f"/jobs/{retried['job_id']}"
    assert (retried["status"], retried["retry_of"]) == ("QUEUED", failed_id)
    ended = _record(stack.status(retried["job_id"]), 200)
    assert (ended["status"], ended["retry_of"]) == ("SUCCEEDED", failed_id)
    assert ended["result"]["uppercase"] == "SECOND TIME LUCKY"
    after = stack.status(failed_id)
    assert (after.body, after.headers["etag"]) == (before.body, before.headers["etag"])
    assert [item for item in stack.items() if item["job_id"]["S"] == failed_id] == item_before


def test_a_retry_copies_a_payload_stored_aside_under_the_new_jobs_own_key(stack: Stack) -> None:
    stack.replace_job("text_transform", _fails_the_first_time())
    text = "large " * 1000  # over the 4096 bytes `make dev` keeps inline
    failed_id = _submitted(stack, "text_transform", {"text": text})
    _run_worker_until_idle(stack)

    retried = _record(_post(stack, failed_id, "retry"), 202)
    _run_worker_until_idle(stack)

    (item,) = [item for item in stack.items() if item["job_id"]["S"] == retried["job_id"]]
    assert item["payload_ref"]["S"] == f"payloads/{retried['job_id']}/payload.json"
    ended = _record(stack.status(retried["job_id"]), 200)
    assert (ended["status"], ended["result"]["length"]) == ("SUCCEEDED", len(text))


def test_a_retry_repeated_with_its_idempotency_key_is_the_same_new_job(stack: Stack) -> None:
    stack.replace_job("text_transform", _fails_the_first_time())
    failed_id = _submitted(stack, "text_transform", {"text": "once"})
    _run_worker_until_idle(stack)

    first = _record(_post(stack, failed_id, "retry", {"idempotency-key": "retry-once"}), 202)
    again = _record(_post(stack, failed_id, "retry", {"idempotency-key": "retry-once"}), 202)

    assert again == first
    assert len(stack.items()) == 2


def test_retry_of_a_job_that_did_not_fail_and_cancel_of_one_that_ended_are_refused_and_change_nothing(
    stack: Stack,
) -> None:
    job_id = _submitted(stack, "text_transform", {"text": "fine"})
    queued_refusal = _post(stack, job_id, "retry")
    _run_worker_until_idle(stack)
    items = stack.items()

    retried = _post(stack, job_id, "retry")
    cancelled = _post(stack, job_id, "cancel")

    for refusal, problem_type in (
        (queued_refusal, "job-not-failed"),
        (retried, "job-not-failed"),
        (cancelled, "job-ended"),
    ):
        assert refusal.status == 409
        assert refusal.content_type.startswith("application/problem+json")
        problem = json.loads(refusal.body)
        contract.validator("problem").validate(problem)
        assert problem["type"] == f"urn:conveyor:problem:{problem_type}"
    assert stack.items() == items
    assert stack.job_runs["text_transform"] == 1


def test_cancel_and_retry_of_an_unknown_job_are_404(stack: Stack) -> None:
    unknown = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"

    for action in ("cancel", "retry"):
        response = _post(stack, unknown, action)
        assert (response.status, response.json()["type"]) == (404, "urn:conveyor:problem:job-not-found")
