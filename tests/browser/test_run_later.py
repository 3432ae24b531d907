"""A job that runs later on the page: its status line says when, once, through the live region; a countdown
(role=timer, not announced at each tick) says how long is left; its Cancel button works while it waits;
axe-core finds nothing wrong in that state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_no_violations
from tests.browser.demo_page import DemoPage
from tests.browser.paused_worker import paused_worker
from tests.support import http

pytestmark = pytest.mark.browser


def test_a_job_two_hours_away_shows_a_countdown_and_is_cancelled_while_it_waits(demo: DemoPage) -> None:
    record = http.submit_later(demo.stack.api_url, "in two hours", 7200)
    job_id = record["job_id"]

    demo.open(f"#job={job_id}")
    demo.wait_for_status("QUEUED")

    countdown = demo.job_panel.get_by_role("timer")
    expect(countdown).to_have_text(re.compile(r"^Runs in (1 h 59 min|2 h) \(at .+\)\.$"))
    expect(countdown).not_to_have_attribute("aria-live", re.compile(".+"))
    expect(countdown.locator("time")).to_have_attribute("datetime", record["run_at"])
    expect(demo.announcer).to_have_text(
        re.compile(rf"^Job {job_id[:8]}… is queued to run at .+, in (1 h 59 min|2 h)\.$")
    )
    expect(demo.job_action("Cancel")).to_be_visible()
    assert_no_violations(demo.page)  # the countdown state

    demo.job_action("Cancel").click()

    demo.wait_for_status("FAILED")
    expect(demo.job_panel.locator(".error-code")).to_have_text("CANCELLED")
    expect(countdown).to_be_hidden()
    final = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    assert (final["status"], final["attempts"], final["run_at"]) == ("FAILED", 0, record["run_at"])


def test_the_countdown_ticks_each_second_while_the_live_region_stays_quiet(demo: DemoPage) -> None:
    demo.open()
    with paused_worker(demo.stack):
        record = http.submit_later(demo.stack.api_url, "in under a minute", 50)
        demo.open(f"#job={record['job_id']}")
        demo.wait_for_status("QUEUED")
        countdown = demo.job_panel.get_by_role("timer")
        expect(countdown).to_have_text(re.compile(r"^Runs in \d+ s "))
        announced = demo.announcer.inner_text()
        first = countdown.inner_text()

        expect(countdown).not_to_have_text(first, timeout=3000)

        assert demo.announcer.inner_text() == announced
