"""How often the page reads a job it follows: when the API's Retry-After says, and each read a revalidation of
the record the browser holds, so that an unchanged one costs no body."""

from __future__ import annotations

from itertools import pairwise

import pytest
from playwright.sync_api import Response

from tests.browser.demo_page import DemoPage
from tests.browser.running_job import RunningJob
from tests.support import http

pytestmark = pytest.mark.browser

ASKED_SECONDS = 2
# The page adds up to a tenth at random; the rest is the browser's and the test's own latency, which a loaded
# two-core machine running the whole local stack beside Chromium can stretch past a second. No gap may be
# shorter than asked: that is what tells Retry-After from the page's own backoff (0.25 s, 0.4 s, 0.64 s...).
LONGEST_GAP_SECONDS = ASKED_SECONDS * 1.1 + 1.5


def test_a_running_job_is_read_again_when_retry_after_says_and_not_sooner(
    demo: DemoPage, running_job: RunningJob
) -> None:
    running_job.retry_after = ASKED_SECONDS
    demo.open()

    demo.submit_job("text_transform", text="paced")
    demo.wait_for_status("IN_PROGRESS")
    for _ in range(60):
        if len(running_job.served_at) >= 4:
            break
        demo.page.wait_for_timeout(250)
    running_job.release()
    demo.wait_for_status("SUCCEEDED")

    gaps = [later - earlier for earlier, later in pairwise(running_job.served_at)]
    # Without Retry-After the page would read after 0.25 s, 0.4 s, 0.64 s...
    assert len(gaps) >= 3
    assert all(ASKED_SECONDS <= gap <= LONGEST_GAP_SECONDS for gap in gaps[:3]), gaps


def test_each_read_revalidates_the_record_the_browser_holds_by_its_etag(demo: DemoPage) -> None:
    demo.open()
    job_id = demo.submit_job("text_transform", text="cached")
    demo.wait_for_status("SUCCEEDED")
    job_url = f"{demo.stack.api_url}/jobs/{job_id}"
    answers: list[Response] = []
    demo.page.on("response", lambda response: answers.append(response) if response.url == job_url else None)

    for _ in range(2):
        demo.page.evaluate(
            "async ([apiUrl, jobId]) => {"
            "  const { ApiClient } = await import('./js/api.js');"
            "  return (await new ApiClient(apiUrl).read(jobId)).record.status;"
            "}",
            [demo.stack.api_url, job_id],
        )

    # The page read the job while following it, so the browser holds its record already and revalidates it
    # at each read; Chromium then reports the revalidated answer as the 200 it stored.
    etag = answers[0].all_headers()["etag"]
    assert [answer.request.all_headers().get("if-none-match") for answer in answers] == [etag, etag]
    assert http.request("GET", job_url, headers={"if-none-match": etag}).status == 304
