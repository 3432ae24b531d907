"""The Conveyor HTTP API (contracts/v1) as the CLI uses it, over httpx.

429 and 503 answers carry Retry-After when the API or API Gateway knows when to come back; a request is sent
again after it (a second without it), a few times for a single request, for as long as a --timeout allows when
following a job. POST /jobs and POST /jobs/batch are retried only when nothing can have been written: on 429
(refused before the function), and, for POST /jobs with an Idempotency-Key, on 503 and on 409
idempotency-key-in-progress, whose retry the API answers with the first request's outcome.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from conveyor_cli.errors import ApiError, InvalidAnswerError, Problem, TimedOutError, UnreachableError
from conveyor_cli.retry_after import retry_after_seconds

Document = dict[str, Any]
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED"})
DEFAULT_RETRY_SECONDS = 1.0
ONE_SHOT_ATTEMPTS = 4
_SLOW_DOWN = frozenset({429, 503})
_KEY_IN_PROGRESS = "urn:conveyor:problem:idempotency-key-in-progress"


@dataclass(frozen=True)
class Reading:
    """A job record as one answer gave it, with what the answer said about the next read."""

    record: Document
    etag: str | None = None
    """The record's validator, sent back as If-None-Match by the next read."""
    retry_after: float | None = None
    """Seconds the API says are worth waiting before reading the job again; None when it says nothing (an
    ended job, an API from before pacing)."""
    changed: bool = True
    """False when the API answered 304: `record` is the one the previous reading held."""


@dataclass(frozen=True)
class Patience:
    """How long one request keeps retrying 429 and 503: `attempts` sends (None: no limit), and never past
    `deadline` (on the client's monotonic clock)."""

    attempts: int | None = ONE_SHOT_ATTEMPTS
    deadline: float | None = None


class ApiClient:
    def __init__(
        self,
        http: httpx.Client,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self._http = http
        self._sleep = sleep
        self._clock = clock
        self._now = now

    def submit(
        self,
        job_type: str,
        payload: Any,
        *,
        idempotency_key: str | None = None,
        delay_seconds: int | None = None,
    ) -> Reading:
        """The accepted job's record, with the Retry-After that says when to read it first. With
        `delay_seconds`, the job runs no earlier than that long after it is accepted (its record's run_at)."""
        keyed = idempotency_key is not None
        request: dict[str, Any] = {"job_type": job_type, "payload": payload}
        if delay_seconds is not None:
            request["delay_seconds"] = delay_seconds
        response = self._call(
            "POST",
            "/jobs",
            json=request,
            headers={"Idempotency-Key": idempotency_key} if keyed else {},
            retried=_retried_keyed_submission if keyed else _retried_submission,
        )
        return self._reading(response, _record(_document(response), self._url("/jobs")))

    def submit_batch(self, jobs: list[Any]) -> list[Document]:
        """POST /jobs/batch of up to 25 job requests: one result per job, in their order (a record, or the
        job's problem). Sent again only on 429, when nothing can have been written: the route takes no
        Idempotency-Key."""
        response = self._call("POST", "/jobs/batch", json={"jobs": jobs}, retried=_retried_submission)
        results = _document(response).get("results")
        if not isinstance(results, list) or len(results) != len(jobs):
            raise InvalidAnswerError(self._url("/jobs/batch"), f"no list of {len(jobs)} results")
        return [result if isinstance(result, dict) else {} for result in results]

    def cancel(self, job_id: str) -> Reading:
        """The job's record after POST /jobs/{id}/cancel: FAILED (200) once ended, IN_PROGRESS with
        cancel_requested_at (202) while its function has yet to stop. Asking again answers the same, so a
        throttled or briefly unavailable API is asked again, as for a read."""
        path = f"/jobs/{job_id}/cancel"
        response = self._call("POST", path)
        return self._reading(response, _record(_document(response), self._url(path)))

    def retry(self, job_id: str, *, idempotency_key: str | None = None) -> Reading:
        """The new job's record after POST /jobs/{id}/retry, sent again only where a submission would be."""
        keyed = idempotency_key is not None
        path = f"/jobs/{job_id}/retry"
        response = self._call(
            "POST",
            path,
            headers={"Idempotency-Key": idempotency_key} if keyed else {},
            retried=_retried_keyed_submission if keyed else _retried_submission,
        )
        return self._reading(response, _record(_document(response), self._url(path)))

    def job(self, job_id: str, *, patience: Patience | None = None) -> Document:
        return self.read_job(job_id, patience=patience).record

    def read_job(
        self, job_id: str, *, held: Reading | None = None, patience: Patience | None = None
    ) -> Reading:
        """GET /jobs/{id}; with `held`, conditional on its ETag, so that an unchanged record costs no body."""
        path = f"/jobs/{quote(job_id, safe='')}"
        etag = held.etag if held is not None else None
        response = self._call("GET", path, patience=patience, headers={"If-None-Match": etag} if etag else {})
        if response.status_code == 304 and held is not None:
            return replace(
                self._reading(response, held.record), etag=response.headers.get("ETag", etag), changed=False
            )
        return self._reading(response, _record(_document(response), self._url(path)))

    def jobs(
        self,
        *,
        status: str | None = None,
        job_type: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Document:
        """One page of GET /jobs: {"jobs": [...], "next_cursor": ...}."""
        query = {"status": status, "job_type": job_type, "limit": limit, "cursor": cursor}
        page = _document(
            self._call("GET", "/jobs", params={name: str(v) for name, v in query.items() if v is not None})
        )
        if not isinstance(page.get("jobs"), list):
            raise InvalidAnswerError(self._url("/jobs"), "a page without a list of jobs")
        return page

    def pages(
        self,
        *,
        status: str | None = None,
        job_type: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Iterator[Document]:
        """Every page from `cursor`'s (the first by default), following next_cursor until it is null."""
        while True:
            page = self.jobs(status=status, job_type=job_type, limit=limit, cursor=cursor)
            yield page
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _call(
        self,
        method: str,
        path: str,
        *,
        patience: Patience | None = None,
        retried: Callable[[httpx.Response], bool] | None = None,
        **request: Any,
    ) -> httpx.Response:
        """The first answer that is a success, or a 304 to a conditional request; ApiError for any other."""
        patience = patience or Patience()
        retried = retried or _retried_read
        attempt = 1
        while True:
            response = self._send(method, path, **request)
            if response.is_success or response.status_code == 304:
                return response
            if not retried(response) or (patience.attempts is not None and attempt >= patience.attempts):
                raise ApiError(response.status_code, problem_of(response))
            self._wait_before_retrying(response, patience)
            attempt += 1

    def _reading(self, response: httpx.Response, record: Document) -> Reading:
        return Reading(
            record,
            etag=response.headers.get("ETag"),
            retry_after=retry_after_seconds(response.headers.get("Retry-After"), now=self._now()),
        )

    def _wait_before_retrying(self, response: httpx.Response, patience: Patience) -> None:
        asked = retry_after_seconds(response.headers.get("Retry-After"), now=self._now())
        wait = DEFAULT_RETRY_SECONDS if asked is None else asked
        if patience.deadline is not None and self._clock() + wait > patience.deadline:
            raise TimedOutError(
                f"the API answered {response.status_code} and asked to wait {wait:g} s, past the --timeout",
                http_status=response.status_code,
            )
        self._sleep(wait)

    def _send(self, method: str, path: str, **request: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **request)
        except httpx.TransportError as error:
            raise UnreachableError(self._url(path), str(error) or type(error).__name__) from error

    def _url(self, path: str) -> str:
        """The URL of `path` (/jobs...) under the API's URL, whose own path (a stage's) it keeps."""
        return str(self._http.base_url.join(path.lstrip("/")))


def _retried_read(response: httpx.Response) -> bool:
    return response.status_code in _SLOW_DOWN


def _retried_submission(response: httpx.Response) -> bool:
    # API Gateway's throttling answers before the function runs: nothing was written.
    return response.status_code == 429


def _retried_keyed_submission(response: httpx.Response) -> bool:
    in_progress = response.status_code == 409 and problem_of(response).get("type") == _KEY_IN_PROGRESS
    return response.status_code in _SLOW_DOWN or in_progress


def _document(response: httpx.Response) -> Document:
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise InvalidAnswerError(str(response.request.url), f"{response.status_code} without a JSON object")
    return document


def _record(document: Document, url: str) -> Document:
    if not (isinstance(document.get("job_id"), str) and isinstance(document.get("status"), str)):
        raise InvalidAnswerError(url, "a JSON object that is not a job record")
    return document


def problem_of(response: httpx.Response) -> Problem:
    """The answer's problem document.

    For an answer that is not one (API Gateway's own {"message": "Unauthorized"}, a proxy's page), one of type
    about:blank, as RFC 9457 says of plain statuses."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and isinstance(body.get("type"), str) and isinstance(body.get("title"), str):
        return dict(body)
    reason = response.reason_phrase or f"HTTP {response.status_code}"
    message = body.get("message") if isinstance(body, Mapping) else None
    detail = message if isinstance(message, str) and message else response.text.strip()[:500] or reason
    return {"type": "about:blank", "title": reason, "status": response.status_code, "detail": detail}
