"""A job the page reads as running, as long as a test chooses: its reads answered with IN_PROGRESS records
made from the real one (each checked against the contract before it is served), then the real answer let
through. Jobs end in milliseconds locally, so the page never sees one running on its own.

Asked to cancel it, it answers as the API does for a running job: 202 with the record, `cancel_requested_at`
set; its later reads carry it, until `end_cancelled()` makes them the FAILED CANCELLED record the job then
ends with."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import APIResponse, Route

from tests.browser.demo_page import DemoPage
from tests.support import contract

Record = dict[str, Any]
CANCELLED = {"code": "CANCELLED", "message": "Cancelled while it ran."}


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
    cancel_requested_at: str | None = None
    cancelled: bool = False
    served: list[Record] = field(default_factory=list)
    served_at: list[float] = field(default_factory=list)
    """When each record was served (time.monotonic)."""
    refused: list[str] = field(default_factory=list)

    def start(self) -> None:
        jobs = re.escape(f"{self.demo.stack.api_url}/jobs/")
        self.demo.page.route(re.compile(jobs + r"[0-9a-f-]{36}$"), self._answer)
        self.demo.page.route(re.compile(jobs + r"[0-9a-f-]{36}/cancel$"), self._answer_cancel)

    def report(self, percent: int, message: str) -> None:
        self.progress = {"percent": percent, "message": message}

    def release(self) -> None:
        self.released = True

    def end_cancelled(self) -> None:
        """The job noticed the cancel: its reads answer FAILED CANCELLED from now on."""
        self.cancelled = True

    def _answer(self, route: Route) -> None:
        if self.released or route.request.method != "GET":
            route.fallback()
            return
        response = route.fetch()  # the real record, and the API's headers (CORS) to answer with
        if response.status != 200:
            route.fulfill(response=response)  # not a record: the page shows the API's answer as it is
            return
        record = self._ended_cancelled(response.json()) if self.cancelled else self._running(response.json())
        headers = dict(response.headers)
        if self.retry_after is not None:
            headers["retry-after"] = str(self.retry_after)
        self._serve(route, response, record, headers=headers)

    def _answer_cancel(self, route: Route) -> None:
        if self.released or route.request.method != "POST":
            route.fallback()
            return
        # The real job has ended by now: its record, and the API's headers (CORS), from a read of it.
        response = route.fetch(url=route.request.url.removesuffix("/cancel"), method="GET")
        if self.cancel_requested_at is None:
            self.cancel_requested_at = _now()
        self._serve(route, response, self._running(response.json()), status=202)

    def _serve(
        self,
        route: Route,
        response: APIResponse,
        record: Record,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        errors = [error.message for error in contract.validator("job-record").iter_errors(record)]
        if errors:
            self.refused.extend(errors)
            route.abort()
            return
        self.served.append(record)
        self.served_at.append(time.monotonic())
        route.fulfill(response=response, status=status, body=json.dumps(record), headers=headers)

    def _running(self, real: Record) -> Record:
        """The real record (finished by now, most likely) as it was while its first attempt ran."""
        at = real["created_at"]
        progress = None if self.progress is None else {**self.progress, "updated_at": at}
        cancel = {} if self.cancel_requested_at is None else {"cancel_requested_at": self.cancel_requested_at}
        return {
            **real,
            **cancel,
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

    def _ended_cancelled(self, real: Record) -> Record:
        running = self._running(real)
        return {
            **running,
            "status": "FAILED",
            "updated_at": self.cancel_requested_at,
            "finished_at": self.cancel_requested_at,
            "progress": None,
            "error": CANCELLED,
        }


def _now() -> str:
    """As the API writes a timestamp: UTC, milliseconds, Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
