"""A running job's progress on the page: a bar with its percent and message, a "running" bar without a report,
nothing once the job has ended.

Jobs end in milliseconds locally, so the page never sees one running on its own: these tests answer its
GET /jobs/{id} with IN_PROGRESS records made from the real one (each checked against the contract before it
is served), as long as they choose, then let the real answer through.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.demo_page import DemoPage
from tests.browser.running_job import RunningJob
from tests.browser.test_page import LOW_CONTRAST_TEXTS

pytestmark = pytest.mark.browser


def progress_bar(demo: DemoPage) -> Locator:
    return demo.job_panel.get_by_role("progressbar", name="Progress")


def test_a_running_job_shows_its_reported_percent_and_message_then_no_bar_once_it_ends(
    demo: DemoPage, running_job: RunningJob
) -> None:
    demo.open()
    running_job.report(42, "Counting the words")

    job_id = demo.submit_job("text_transform", text="hello conveyor")

    demo.wait_for_status("IN_PROGRESS")
    bar = progress_bar(demo)
    expect(bar).to_have_attribute("value", "42")
    expect(bar).to_have_attribute("max", "100")
    expect(bar).to_have_js_property("value", 42)
    expect(demo.job_panel.locator(".progress-percent")).to_have_text("42%")
    expect(demo.job_panel.locator(".progress-message")).to_have_text("Counting the words")
    expect(bar).to_have_accessible_description("Counting the words")
    expect(demo.history_row(job_id).locator(".badge")).to_have_text("In progress: 42%")
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []

    running_job.report(85, "Upper-casing")  # a later report replaces it in place
    expect(bar).to_have_attribute("value", "85")
    expect(demo.job_panel.locator(".progress-message")).to_have_text("Upper-casing")
    expect(demo.history_row(job_id).locator(".badge")).to_have_text("In progress: 85%")

    running_job.release()
    demo.wait_for_status("SUCCEEDED")
    expect(demo.job_panel.get_by_role("progressbar")).to_have_count(0)
    expect(demo.job_panel.locator(".job-progress")).to_be_hidden()
    expect(demo.job_panel.locator(".text-output")).to_have_text("HELLO CONVEYOR")
    expect(demo.history_row(job_id).locator(".badge")).to_have_text("Succeeded")
    assert running_job.refused == []
    assert {record["progress"]["percent"] for record in running_job.served} >= {42, 85}


def test_a_running_job_without_a_report_shows_a_running_bar_with_no_value(
    demo: DemoPage, running_job: RunningJob
) -> None:
    demo.open()

    job_id = demo.submit_job("text_transform", text="hello conveyor")

    demo.wait_for_status("IN_PROGRESS")
    bar = progress_bar(demo)
    expect(bar).to_be_visible()
    expect(bar).to_have_js_property("position", -1)  # indeterminate: no value
    expect(bar).not_to_have_attribute("value", re.compile(".*"))
    expect(bar).not_to_have_attribute("aria-valuenow", re.compile(".*"))
    expect(demo.job_panel.locator(".progress-percent")).to_have_text("Running")
    expect(demo.job_panel.locator(".progress-message")).to_contain_text("has not reported its progress")
    expect(demo.history_row(job_id).locator(".badge")).to_have_text("In progress")
    assert demo.page.evaluate(LOW_CONTRAST_TEXTS) == []

    running_job.report(0, "")  # a first report, with no message: the bar takes its value
    expect(bar).to_have_js_property("value", 0)
    expect(bar).to_have_js_property("position", 0)
    expect(demo.job_panel.locator(".progress-percent")).to_have_text("0%")

    running_job.release()
    demo.wait_for_status("SUCCEEDED")
    expect(demo.job_panel.get_by_role("progressbar")).to_have_count(0)
    assert running_job.refused == []
    assert running_job.served[0]["progress"] is None
