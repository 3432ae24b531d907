"""A job the page reads as running, as long as a test chooses: its reads answered with IN_PROGRESS records
made from the real one (each checked against the contract before it is served), then the real answer let
through. Jobs end in milliseconds locally, so the page never sees one running on its own."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Route

from tests.browser.demo_page import DemoPage
from tests.support import contract

Record = dict[str, Any]


@dataclass
class RunningJob:
    """Answers the page's reads of a job with an IN_PROGRESS record carrying `progress`, until `release()`.

    `progress` is what the record carries: a report (percent, message) or None (the job has not reported).
    """

    demo: DemoPage
    progress: dict[str, Any] | None = None
    retry_after: int | None = None
    """The Retry-After its answers carry, as the API's for a running job would; None: the real answer's."""
    released: bool = False
    served: list[Record] = field(default_factory=list)
    served_at: list[float] = field(default_factory=list)
    """When each record was served (time.monotonic)."""
    refused: list[str] = field(default_factory=list)

    def start(self) -> None:
        pattern = re.compile(re.escape(f"{self.demo.stack.api_url}/jobs/") + r"[0-9a-f-]{36}$")
        self.demo.page.route(pattern, self._answer)

    def report(self, percent: int, message: str) -> None:
        self.progress = {"percent": percent, "message": message}

    def release(self) -> None:
        self.released = True

    def _answer(self, route: Route) -> None:
        if self.released or route.request.method != "GET":
            route.fallback()
            return
        response = route.fetch()  # the real record, and the API's headers (CORS) to answer with
        if response.status != 200:
            route.fulfill(response=response)  # not a record: the page shows the API's answer as it is
            return
        record = self._running(response.json())
        errors = [error.message for error in contract.validator("job-record").iter_errors(record)]
        if errors:
            self.refused.extend(errors)
            route.abort()
            return
        self.served.append(record)
        self.served_at.append(time.monotonic())
        headers = dict(response.headers)
        if self.retry_after is not None:
            headers["retry-after"] = str(self.retry_after)
        route.fulfill(response=response, body=json.dumps(record), headers=headers)

    def _running(self, real: Record) -> Record:
        """The real record (finished by now, most likely) as it was while its first attempt ran."""
        at = real["created_at"]
        progress = None if self.progress is None else {**self.progress, "updated_at": at}
        return {
            **real,
            "status": "IN_PROGRESS",
            "updated_at": at,
            "started_at": real["started_at"] or at,
            "finished_at": None,
            "attempts": max(real["attempts"], 1),
            "result": None,
            "result_url": None,
            "error": None,
            "progress": progress,
        }
