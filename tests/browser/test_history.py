"""The jobs this browser submitted stay listed, with their latest status, across reloads."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.demo_page import DemoPage

pytestmark = pytest.mark.browser


def test_a_reload_keeps_the_history_and_the_open_job(demo: DemoPage) -> None:
    demo.open()
    first = demo.submit_job("text_transform", text="first job")
    demo.wait_for_status("SUCCEEDED")
    second = demo.submit_job("data_analysis", data="1e308, 1e308")
    demo.wait_for_status("FAILED")

    demo.reload()

    expect(demo.history_rows).to_have_count(2)
    assert [row.get_attribute("data-job-id") for row in demo.history_rows.all()] == [second, first]
    expect(demo.history_row(first).locator(".badge")).to_have_text("Succeeded")
    expect(demo.history_row(second).locator(".badge")).to_have_text("Failed: VALUE_OUT_OF_RANGE")
    # The job that was open is open again, read back from the API.
    assert demo.job_id() == second
    demo.wait_for_status("FAILED")

    demo.history_row(first).get_by_role("button").click()

    assert demo.job_id() == first
    demo.wait_for_status("SUCCEEDED")
    expect(demo.job_panel.locator(".text-output")).to_have_text("FIRST JOB")
    expect(demo.history_row(first).get_by_role("button")).to_have_attribute("aria-current", "true")
    assert len(demo.curl_commands()) == 2  # the POST body was kept with the job, for its curl command


def test_a_job_the_api_no_longer_knows_is_marked_gone(demo: DemoPage) -> None:
    demo.expect_console_error(r"status of 404")
    forgotten = str(uuid.uuid4())
    entry = {
        "job_id": forgotten,
        "job_type": "text_transform",
        "status": "QUEUED",
        "created_at": "2026-01-02T03:04:05.000Z",
    }
    demo.page.add_init_script(f"localStorage.setItem('conveyor.jobs.v1', {json.dumps(json.dumps([entry]))})")

    demo.open()

    expect(demo.history_row(forgotten).locator(".badge")).to_have_text("Gone")


def test_forgetting_the_jobs_empties_the_list(demo: DemoPage) -> None:
    demo.open()
    demo.submit_job("text_transform", text="soon forgotten")
    demo.wait_for_status("SUCCEEDED")

    demo.page.get_by_role("button", name="Forget these jobs").click()
    demo.reload()

    expect(demo.history_rows).to_have_count(0)
    expect(demo.page.locator("#history-body")).to_contain_text("No jobs yet")
