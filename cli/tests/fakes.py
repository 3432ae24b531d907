"""A Conveyor API that a test scripts, behind httpx.MockTransport, and a clock that sleeps without waiting.

Its documents are built by the functions below, which tests/test_fakes_follow_the_contract.py checks against
contracts/v1, so the fake cannot drift from the real API.
"""

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from click.testing import Result

Document = dict[str, Any]
CREATED_AT = "2026-11-24T17:29:37.072Z"
STARTED_AT = "2026-11-24T17:29:37.095Z"
FINISHED_AT = "2026-11-24T17:29:37.115Z"
START = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
API_URL = "http://api.test"


class Run(Protocol):
    """`conveyor --api-url API_URL ARGS...` against the fake API (the `run` fixture)."""

    def __call__(self, *args: str, input: str | None = None, api_url: str | None = API_URL) -> Result: ...


def record(status: str = "QUEUED", *, job_id: str | None = None, **fields: Any) -> Document:
    """A job record in `status`, with what the contract requires of that status; `fields` override."""
    running = status != "QUEUED"
    ended = status in ("SUCCEEDED", "FAILED")
    document: Document = {
        "job_id": job_id or str(uuid.uuid4()),
        "job_type": "text_transform",
        "status": status,
        "created_at": CREATED_AT,
        "updated_at": FINISHED_AT if ended else STARTED_AT if running else CREATED_AT,
        "started_at": STARTED_AT if running else None,
        "finished_at": FINISHED_AT if ended else None,
        "attempts": 1 if running else 0,
        "result": {"length": 2, "uppercase": "HI", "word_count": 1} if status == "SUCCEEDED" else None,
        "result_url": None,
        "error": {"code": "SOURCE_NOT_FOUND", "message": "uploads/x does not exist"}
        if status == "FAILED"
        else None,
        "progress": None,
    }
    document.update(fields)
    return document


def progress(percent: int, message: str = "") -> Document:
    return {"percent": percent, "message": message, "updated_at": STARTED_AT}


def problem(status: int, kind: str, title: str, detail: str, **extensions: Any) -> Document:
    return {
        "type": f"urn:conveyor:problem:{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        **extensions,
    }


def problem_response(status: int, kind: str, title: str, detail: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "application/problem+json", **headers},
        content=json.dumps(problem(status, kind, title, detail)),
    )


NOT_FOUND = problem(404, "job-not-found", "Job not found", "No job has this id.")
NO_PAYLOAD = problem(
    400,
    "validation-failed",
    "Request body does not match the contract",
    "The body breaks the contract in 1 place; see errors.",
    errors=[{"pointer": "/payload", "message": "Required but missing; add it."}],
)
"""What the fake API answers for a job request without a payload, alone or in a batch."""


@dataclass
class FakeApi:
    """Jobs by id, each a list of the records its successive reads return (the last one repeats); pages of
    GET /jobs by cursor; answers queued per (method, path), which come before the normal ones. Every request
    is kept."""

    jobs: dict[str, list[Document]] = field(default_factory=dict)
    pages: dict[str | None, Document] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    # What the reads of the next POSTs' jobs return after their QUEUED answer, made from that answer.
    next_submissions: list[Callable[[Document], list[Document]]] = field(default_factory=list)
    # Jobs whose reads are answered by a function of the request (a TimedJob's), by id.
    live: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    _queued: dict[tuple[str, str], list[httpx.Response | Exception]] = field(default_factory=dict)

    def add_job(self, *records: Document) -> str:
        job_id = str(records[0]["job_id"])
        self.jobs[job_id] = [dict(one, job_id=job_id) for one in records]
        return job_id

    def answer(self, method: str, path: str, *answers: httpx.Response | Exception) -> None:
        self._queued.setdefault((method, path), []).extend(answers)

    def requests_to(self, method: str, path: str) -> list[httpx.Request]:
        return [one for one in self.requests if one.method == method and one.url.path == path]

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queued = self._queued.get((request.method, request.url.path))
        if queued:
            answer = queued.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if request.url.path == "/jobs":
            return self._submit(request) if request.method == "POST" else self._list(request)
        if (request.method, request.url.path) == ("POST", "/jobs/batch"):
            return self._submit_batch(request)
        job_id = request.url.path.removeprefix("/jobs/")
        if request.method == "GET" and job_id in self.live:
            return self.live[job_id](request)
        if request.method == "GET" and job_id in self.jobs:
            reads = self.jobs[job_id]
            return httpx.Response(200, json=reads.pop(0) if len(reads) > 1 else reads[0])
        return httpx.Response(404, headers={"content-type": "application/problem+json"}, json=NOT_FOUND)

    def _submit(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        queued = record("QUEUED", job_type=body["job_type"])
        if body.get("delay_seconds"):
            created = datetime.fromisoformat(queued["created_at"])
            queued["run_at"] = (
                (created + timedelta(seconds=body["delay_seconds"]))
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z")
            )
        later = self.next_submissions.pop(0)(queued) if self.next_submissions else []
        self.add_job(*(later or [queued]))
        return httpx.Response(202, json=queued, headers={"location": f"/jobs/{queued['job_id']}"})

    def _submit_batch(self, request: httpx.Request) -> httpx.Response:
        """Accepts each job request with a job_type and a payload (the contract's first rules), in order."""
        results = []
        for job in json.loads(request.content)["jobs"]:
            if isinstance(job, dict) and isinstance(job.get("job_type"), str) and "payload" in job:
                queued = record("QUEUED", job_type=job["job_type"])
                self.add_job(queued)
                results.append({"status": 202, "job": queued, "location": f"/jobs/{queued['job_id']}"})
            else:
                results.append({"status": 400, "problem": NO_PAYLOAD})
        accepted = sum(result["status"] == 202 for result in results)
        return httpx.Response(
            200, json={"results": results, "accepted": accepted, "refused": len(results) - accepted}
        )

    def _list(self, request: httpx.Request) -> httpx.Response:
        page = self.pages.get(request.url.params.get("cursor"))
        if page is None:
            return httpx.Response(200, json={"jobs": [], "next_cursor": None})
        return httpx.Response(200, json=page)


def later(*statuses_and_fields: tuple[str, Mapping[str, Any]]) -> Callable[[Document], list[Document]]:
    """The records a submitted job goes through after QUEUED, e.g. later(("IN_PROGRESS", {}), ...)."""

    def records(queued: Document) -> list[Document]:
        return [
            record(status, job_id=queued["job_id"], job_type=queued["job_type"], **fields)
            for status, fields in statuses_and_fields
        ]

    return records


@dataclass
class FakeTime:
    """A monotonic clock that sleeping moves on, with the wall-clock time that goes with it."""

    monotonic: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    interrupt_after_sleeps: int | None = None
    jitter: float = 0.0
    """What every random draw gives (the share of the jitter a follower adds to its waits)."""

    def clock(self) -> float:
        return self.monotonic

    def now(self) -> datetime:
        return START + timedelta(seconds=self.monotonic - 1000.0)

    def random(self) -> float:
        return self.jitter

    def sleep(self, seconds: float) -> None:
        if self.interrupt_after_sleeps is not None and len(self.sleeps) >= self.interrupt_after_sleeps:
            raise KeyboardInterrupt
        self.sleeps.append(seconds)
        self.monotonic += seconds


@dataclass
class TimedJob:
    """A job that ends `duration` seconds of `time` after its submission, answered as the API answers: QUEUED
    for its first `queue_delay` seconds, then IN_PROGRESS with a report each second (when it `reports`), with
    an ETag that If-None-Match turns into a 304, and (when `paced`) a Retry-After of the whole seconds to its
    end, 1 to 30: the estimate of a server that is never wrong."""

    time: FakeTime
    duration: float
    queue_delay: float = 0.2
    reports: bool = True
    paced: bool = True
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    submitted: float = field(init=False)
    reads: int = 0
    bodies: int = 0
    seen_end_at: float | None = None

    def __post_init__(self) -> None:
        self.submitted = self.time.clock()
        self.queue_delay = min(self.queue_delay, self.duration / 2)

    @property
    def ends(self) -> float:
        return self.submitted + self.duration

    def accepted(self) -> httpx.Response:
        """The answer to its POST /jobs."""
        body, headers = self._answer()
        # As the API's: an ETag would be the validator of POST /jobs, not of the job's own URL.
        del headers["etag"]
        return httpx.Response(202, headers={**headers, "location": f"/jobs/{self.job_id}"}, json=body)

    def read(self, request: httpx.Request) -> httpx.Response:
        self.reads += 1
        body, headers = self._answer()
        if body["status"] in ("SUCCEEDED", "FAILED") and self.seen_end_at is None:
            self.seen_end_at = self.time.clock()
        if request.headers.get("if-none-match") == headers["etag"]:
            return httpx.Response(304, headers=headers)
        self.bodies += 1
        return httpx.Response(200, headers=headers, json=body)

    def _answer(self) -> tuple[Document, dict[str, str]]:
        now = self.time.clock()
        started = self.submitted + self.queue_delay
        if now < started:
            body = record("QUEUED", job_id=self.job_id)
        elif now < self.ends:
            running = math.floor(now - started)
            percent = math.floor(100 * running / (self.ends - started))
            report = progress(percent, f"{percent}%") if self.reports and running > 0 else None
            body = record("IN_PROGRESS", job_id=self.job_id, progress=report)
        else:
            body = record("SUCCEEDED", job_id=self.job_id)
        text = json.dumps(body, sort_keys=True)
        headers = {"etag": f'"{hashlib.sha256(text.encode()).hexdigest()[:16]}"'}
        if self.paced and body["status"] not in ("SUCCEEDED", "FAILED"):
            headers["retry-after"] = str(max(1, min(30, math.ceil(self.ends - now))))
        return body, headers
