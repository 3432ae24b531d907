"""Cancel and Retry on the page: a button wherever a job's status shows, busy while its request is in flight,
the outcome said through the live region, a refusal shown as the API's problem, a retry followed at once and
linked both ways with the job it retries; axe-core finds nothing wrong in any of these states.

A queued job stays queued for real while the stack's worker is paused. A running one is served to the page
by RunningJob (jobs end in milliseconds locally), the API's answer to its cancel included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.browser.accessibility import assert_no_violations
from tests.browser.demo_page import DemoPage
from tests.browser.paused_worker import paused_worker
from tests.browser.running_job import RunningJob
from tests.support import contract, http

pytestmark = pytest.mark.browser


def _record(demo: DemoPage, job_id: str) -> dict[str, Any]:
    record: dict[str, Any] = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    contract.validator("job-record").validate(record)
    return record


def _held(demo: DemoPage, job_id: str, action: str) -> list[Route]:
    """The page's POST /jobs/{job_id}/{action} requests, held until the test lets each go (`fallback()`)."""
    held: list[Route] = []

    def hold(route: Route) -> None:  # Playwright takes a Python function, not a bound builtin
        held.append(route)

    demo.page.route(f"{demo.stack.api_url}/jobs/{job_id}/{action}", hold)
    return held


def _until_held(demo: DemoPage, held: list[Route]) -> None:
    for _ in range(100):  # the route handler runs while Playwright waits: wait in the page, not in Python
        if held:
            return
        demo.page.wait_for_timeout(50)
    raise AssertionError("the page sent no request")


def test_a_queued_job_is_cancelled_from_its_view_and_ends_failed_cancelled(demo: DemoPage) -> None:
    demo.open()
    with paused_worker(demo.stack):
        job_id = demo.submit_job("text_transform", text="never runs")
        demo.wait_for_status("QUEUED")
        expect(demo.job_action("Cancel")).to_be_visible()
        expect(demo.row_action(job_id, "Cancel")).to_be_visible()
        expect(demo.job_action("Retry")).to_be_hidden()
        assert_no_violations(demo.page)  # a job with its buttons

        demo.job_action("Cancel").click()

        demo.wait_for_status("FAILED")
        expect(demo.announcer).to_have_text(f"Job {job_id[:8]}… cancelled: it had not started.")
        expect(demo.job_panel.locator(".error-code")).to_have_text("CANCELLED")
        expect(demo.history_row(job_id).locator(".badge")).to_have_text("Failed: CANCELLED")
        expect(demo.job_action("Cancel")).to_be_hidden()
        expect(demo.row_action(job_id, "Cancel")).to_be_hidden()
        expect(demo.job_action("Retry")).to_be_focused()  # the focus stays with the job's buttons
        expect(demo.row_action(job_id, "Retry")).to_be_visible()
        assert_no_violations(demo.page)  # a cancelled job
        record = _record(demo, job_id)
    assert (record["status"], record["attempts"]) == ("FAILED", 0)
    assert record["error"]["code"] == "CANCELLED"
    assert len(demo.posts_to_job(job_id, "cancel")) == 1


def test_a_queued_job_is_cancelled_from_the_list_with_the_keyboard(demo: DemoPage) -> None:
    demo.open()
    with paused_worker(demo.stack):
        listed = demo.submit_job("text_transform", text="cancelled from the list")
        shown = demo.submit_job("text_transform", text="left alone")
        demo.wait_for_status("QUEUED")

        demo.row_action(listed, "Cancel").focus()
        demo.page.keyboard.press("Enter")

        expect(demo.history_row(listed).locator(".badge")).to_have_text("Failed: CANCELLED")
        expect(demo.announcer).to_have_text(f"Job {listed[:8]}… cancelled: it had not started.")
        expect(demo.row_action(listed, "Retry")).to_be_focused()
        assert demo.job_id() == shown  # the job view stays on the job it showed
        expect(demo.job_panel).to_have_attribute("data-status", "QUEUED")
        assert _record(demo, shown)["status"] == "QUEUED"
    demo.wait_for_status("SUCCEEDED")


def test_a_running_job_says_a_cancel_was_requested_then_that_it_stopped(
    demo: DemoPage, running_job: RunningJob
) -> None:
    demo.open()
    job_id = demo.submit_job("text_transform", text="hello conveyor")
    demo.wait_for_status("IN_PROGRESS")

    demo.job_action("Cancel").click()

    expect(demo.announcer).to_have_text(
        f"Cancel requested for job {job_id[:8]}…: it stops at its next check, or ends as it finishes."
    )
    note = demo.job_panel.locator(".cancel-note")
    expect(note).to_contain_text("Cancel requested at")
    expect(note.locator("time")).to_have_attribute("datetime", running_job.cancel_requested_at or "")
    expect(demo.job_action("Cancel")).to_be_hidden()
    expect(demo.job_action("Retry")).to_be_hidden()
    expect(demo.history_row(job_id).locator(".badge")).to_have_text("In progress: cancel requested")
    expect(demo.job_panel).to_have_attribute("data-status", "IN_PROGRESS")
    assert_no_violations(demo.page)  # a running job whose cancel was requested

    running_job.end_cancelled()

    demo.wait_for_status("FAILED")
    expect(demo.job_panel.locator(".error-code")).to_have_text("CANCELLED")
    expect(note).to_contain_text("the job stopped")
    expect(demo.job_action("Retry")).to_be_visible()
    expect(demo.announcer).to_have_text(f"Job {job_id[:8]}… was cancelled.")
    assert running_job.refused == []
    assert len(demo.posts_to_job(job_id, "cancel")) == 1


def test_a_cancel_is_busy_while_in_flight_and_a_refusal_shows_the_api_problem(
    demo: DemoPage, running_job: RunningJob
) -> None:
    demo.expect_console_error(r"status of 409")
    demo.open()
    job_id = demo.submit_job("text_transform", text="ends first")
    demo.wait_for_status("IN_PROGRESS")
    held = _held(demo, job_id, "cancel")

    demo.job_action("Cancel").click()

    _until_held(demo, held)
    expect(demo.job_action("Cancel")).to_have_attribute("aria-disabled", "true")
    expect(demo.row_action(job_id, "Cancel")).to_have_attribute("aria-disabled", "true")
    expect(demo.row_action(job_id, "Cancel")).to_be_disabled()
    running_job.release()  # the job has ended by now: the API refuses
    # The page announces the job's end as its next read shows it; the refusal is announced after that, not
    # overwritten by it.
    demo.wait_for_status("SUCCEEDED")
    held[0].fallback()

    expect(demo.announcer).to_have_text(re.compile(rf"^Could not cancel job {job_id[:8]}…: 409 "))
    problem = demo.job_panel.locator(".action-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("The API refused to cancel the job: 409")
    expect(problem.locator(".problem-type code")).to_have_text("urn:conveyor:problem:job-ended")
    demo.wait_for_status("SUCCEEDED")  # read again after the refusal
    expect(demo.job_action("Cancel")).to_be_hidden()
    assert_no_violations(demo.page)  # a refusal shown
    assert len(held) == 1


def test_a_failed_job_is_retried_once_on_a_double_click_and_linked_both_ways(demo: DemoPage) -> None:
    demo.open()
    original = demo.submit_job("data_analysis", data="1e308, 1e308")  # the sum overflows: FAILED
    demo.wait_for_status("FAILED")
    expect(demo.job_action("Cancel")).to_be_hidden()
    assert_no_violations(demo.page)  # a failed job with its Retry button
    before = _record(demo, original)
    held = _held(demo, original, "retry")

    demo.job_action("Retry").dblclick()

    _until_held(demo, held)
    expect(demo.job_action("Retry")).to_have_attribute("aria-disabled", "true")
    expect(demo.row_action(original, "Retry")).to_have_attribute("aria-disabled", "true")
    held[0].fallback()
    retry = demo._new_job_after(original)
    assert len(held) == 1
    assert held[0].request.header_value("idempotency-key")
    expect(demo.announcer).to_have_text(
        f"Job {original[:8]}… retried as job {retry[:8]}…, which this page now follows."
    )
    expect(demo.job_panel.locator(".retry-of")).to_have_text(f"Retry of job {original[:8]}…")
    demo.wait_for_status("FAILED")  # the same payload overflows again
    record = _record(demo, retry)
    assert (record["retry_of"], record["job_type"]) == (original, "data_analysis")
    assert [row.get_attribute("data-job-id") for row in demo.history_rows.all()] == [retry, original]
    assert_no_violations(demo.page)  # a retried job

    demo.job_panel.get_by_role("link", name=f"job {original[:8]}…").click()

    expect(demo.job_panel).to_have_attribute("data-job-id", original)
    demo.wait_for_status("FAILED")
    expect(demo.job_panel.locator(".retried-as")).to_have_text(f"Retried as job {retry[:8]}…")
    expect(demo.job_panel.locator(".retry-of")).to_have_count(0)
    assert _record(demo, original) == before  # an ended job's record does not change

    demo.job_panel.get_by_role("link", name=f"job {retry[:8]}…").click()

    expect(demo.job_panel).to_have_attribute("data-job-id", retry)
    expect(demo.job_panel.locator(".retry-of")).to_have_text(f"Retry of job {original[:8]}…")
    demo.page.go_back()  # the links are the browser's history too
    expect(demo.job_panel).to_have_attribute("data-job-id", original)
