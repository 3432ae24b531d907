"""Submitting each job type from its form and following it to its end: result, error, timeline, curl."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from playwright.sync_api import expect

from tests.browser.demo_page import DemoPage
from tests.support import contract, http

pytestmark = pytest.mark.browser


def test_text_transform_reaches_succeeded_and_shows_its_text(demo: DemoPage) -> None:
    demo.open()

    job_id = demo.submit_job("text_transform", text="hello conveyor")

    demo.wait_for_status("SUCCEEDED")
    expect(demo.job_panel.locator(".text-output")).to_have_text("HELLO CONVEYOR")
    expect(demo.job_panel.locator(".facts")).to_contain_text("Characters14")
    expect(demo.job_panel.locator(".facts")).to_contain_text("Words2")
    expect(demo.page.get_by_role("status").filter(has_text=job_id[:8])).to_contain_text("succeeded")
    _assert_timeline_matches_the_api(demo, job_id)


def test_data_analysis_reaches_succeeded_and_shows_a_table_of_statistics(demo: DemoPage) -> None:
    demo.open()

    demo.submit_job("data_analysis", data="2, 4, 4, 4, 5, 5, 7, 9")

    demo.wait_for_status("SUCCEEDED")
    table = demo.job_panel.get_by_role("table", name="Statistics of 8 values")
    expect(table).to_be_visible()
    shown = {name: demo.statistic(name) for name in ("count", "sum", "mean", "median", "min", "max", "stdev")}
    assert shown == {
        "count": "8",
        "sum": "40",
        "mean": "5",
        "median": "4.5",
        "min": "2",
        "max": "9",
        "stdev": "2",
    }
    result = http.request("GET", f"{demo.stack.api_url}/jobs/{demo.job_id()}").json()["result"]
    exact = {
        name: float(table.locator(f"tr[data-statistic={name}] data").get_attribute("value") or "")
        for name in result
    }
    assert exact == result  # every statistic, each with its exact value behind the rounded one
    _assert_timeline_matches_the_api(demo, demo.job_id())


def test_a_job_that_fails_shows_its_error_code_and_message(demo: DemoPage) -> None:
    demo.open()

    demo.submit_job("data_analysis", data="1e308, 1e308")  # the sum overflows

    demo.wait_for_status("FAILED")
    error = demo.job_panel.locator(".outcome-error")
    expect(error.locator(".error-code")).to_have_text("VALUE_OUT_OF_RANGE")
    record = http.request("GET", f"{demo.stack.api_url}/jobs/{demo.job_id()}").json()
    expect(error.locator(".error-message")).to_have_text(record["error"]["message"])
    expect(demo.timeline_step("END")).to_contain_text("Failed")
    expect(demo.history_row(demo.job_id()).locator(".badge")).to_have_text("Failed: VALUE_OUT_OF_RANGE")


# Its result, the text upper-cased, is over the 65536 bytes a job record holds: the worker stores it in S3.
LARGE_TEXT = "conveyor " * 8000


def test_a_result_too_large_for_the_table_is_read_from_s3_and_shown_as_any_other(demo: DemoPage) -> None:
    demo.open()

    job_id = demo.submit_job("text_transform", text=LARGE_TEXT)

    demo.wait_for_status("SUCCEEDED")
    record = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    contract.validator("job-record").validate(record)
    assert record["result"] is None
    assert record["result_url"].startswith(demo.aws_url)
    expect(demo.job_panel.locator(".text-output")).to_have_text(LARGE_TEXT.upper())
    expect(demo.job_panel.locator(".facts")).to_contain_text(f"Characters{len(LARGE_TEXT):,}")
    expect(demo.job_panel.locator(".stored-note")).to_contain_text("stored in S3")


def test_a_stored_result_the_page_cannot_read_is_offered_as_a_link(demo: DemoPage) -> None:
    demo.expect_console_error(r"ERR_FAILED")
    demo.page.route(re.compile(r".*/result\.json.*"), lambda route: route.abort())
    demo.open()

    demo.submit_job("text_transform", text=LARGE_TEXT)

    demo.wait_for_status("SUCCEEDED")
    link = demo.job_panel.get_by_role("link", name="Open the result document")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"/result\.json"))
    expect(demo.job_panel.locator(".stored-failed")).to_contain_text("could not read it")
    expect(demo.job_panel.locator(".text-output")).to_have_count(0)


def test_each_submission_shows_equivalent_curl_commands(demo: DemoPage) -> None:
    demo.open()

    demo.submit_job("text_transform", text='it\'s "quoted" $HOME')

    demo.wait_for_status("SUCCEEDED")
    submit, read = (shlex.split(command) for command in demo.curl_commands())
    assert submit[:4] == ["curl", "-s", "-X", "POST"]
    assert submit[4] == f"{demo.stack.api_url}/jobs"
    assert submit[5:7] == ["-H", "content-type: application/json"]
    assert submit[7] == "-d"
    assert json.loads(submit[8]) == {
        "job_type": "text_transform",
        "payload": {"text": 'it\'s "quoted" $HOME'},
    }
    contract.validator("job-request").validate(json.loads(submit[8]))
    assert read == ["curl", "-s", f"{demo.stack.api_url}/jobs/{demo.job_id()}"]


def test_the_job_id_can_be_copied(demo: DemoPage) -> None:
    demo.open()
    demo.submit_job("text_transform", text="copy me")
    demo.wait_for_status("SUCCEEDED")

    demo.page.get_by_role("button", name="Copy job id").click()

    expect(demo.job_panel.locator(".job-id-row [role=status]")).to_have_text("Copied")
    assert demo.page.evaluate("navigator.clipboard.readText()") == demo.job_id()


def _assert_timeline_matches_the_api(demo: DemoPage, job_id: str) -> None:
    record = http.request("GET", f"{demo.stack.api_url}/jobs/{job_id}").json()
    contract.validator("job-record").validate(record)
    for step, timestamp in (
        ("QUEUED", record["created_at"]),
        ("IN_PROGRESS", record["started_at"]),
        ("END", record["finished_at"]),
    ):
        expect(demo.timeline_step(step).locator("time")).to_have_attribute("datetime", timestamp)
    expect(demo.timeline_step("IN_PROGRESS")).to_contain_text(f"attempt {record['attempts']}")
    expect(demo.timeline_step("END")).to_contain_text("Succeeded")
