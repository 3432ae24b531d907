"""Status reads over HTTP, through the local gateway: Retry-After while the job runs, an ETag that
If-None-Match turns into a 304 without a body, and a Cache-Control that says how long a record stays true."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from conveyor_worker.job_types.context import JobContext

from tests.support import http
from tests.support.stack import Stack
from tests.support.waiting import wait_for

RELEASE_TIMEOUT_SECONDS = 30


def test_a_repeat_of_an_unchanged_record_is_304_and_the_ended_one_is_new_and_cached_for_good(
    stack: Stack,
) -> None:
    release = threading.Event()

    def reports_then_waits(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        job.report_progress(40, "counting words")
        release.wait(RELEASE_TIMEOUT_SECONDS)
        return {"length": 2, "uppercase": "HI", "word_count": 1}

    stack.replace_job("text_transform", reports_then_waits)
    accepted = stack.submit("text_transform", {"text": "hi"})
    job_id = accepted.json()["job_id"]
    worker = threading.Thread(target=stack.worker().poll_once, name="worker")
    worker.start()
    try:
        running = wait_for(
            lambda: _when(stack.status(job_id), lambda record: record["progress"] is not None),
            timeout=20,
            what="the progress report",
        )
        repeat = _read(stack, job_id, if_none_match=running.headers["etag"])
    finally:
        release.set()
        worker.join()
    ended = stack.status(job_id)
    stale = _read(stack, job_id, if_none_match=running.headers["etag"])
    ended_repeat = _read(stack, job_id, if_none_match=f'"other", W/{ended.headers["etag"]}')

    assert 1 <= int(accepted.headers["retry-after"]) <= 30
    assert 1 <= int(running.headers["retry-after"]) <= 30
    assert running.headers["cache-control"] == "private, no-cache"
    assert (repeat.status, repeat.body) == (304, b"")
    assert {name: repeat.headers.get(name) for name in ("etag", "cache-control")} == {
        name: running.headers[name] for name in ("etag", "cache-control")
    }
    assert "retry-after" in repeat.headers

    assert (ended.status, ended.json()["status"]) == (200, "SUCCEEDED")
    assert "retry-after" not in ended.headers
    assert ended.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert ended.headers["etag"] != running.headers["etag"]
    assert (stale.status, stale.json()) == (200, ended.json())
    assert (ended_repeat.status, ended_repeat.body) == (304, b"")
    assert ended_repeat.headers["etag"] == ended.headers["etag"]


def _read(stack: Stack, job_id: str, *, if_none_match: str) -> http.Response:
    return http.request("GET", f"{stack.api_url}/jobs/{job_id}", headers={"if-none-match": if_none_match})


def _when(response: http.Response, condition: Any) -> http.Response | None:
    return response if response.status == 200 and condition(response.json()) else None
