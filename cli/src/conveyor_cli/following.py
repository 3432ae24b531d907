"""Following a job until it ends: GET /jobs/{id} when the API says it is worth it, each answer shown.

The API's Retry-After on a job that has not ended is its estimate of the job's end (docs/api.md, Pacing): the
follower waits that long, plus a little jitter so that followers started together do not read together. An
API that says nothing (one from before pacing) gets a backoff instead, held short while the job's progress
moves. Each read after the first names the record it holds (If-None-Match), so an unchanged one costs no body.
"""

import random
from collections.abc import Callable, Mapping
from typing import Any

from conveyor_cli.api import TERMINAL_STATUSES, ApiClient, Patience, Reading
from conveyor_cli.displays import JobDisplay
from conveyor_cli.errors import TimedOutError
from conveyor_cli.render import duration_text

JITTER = 0.1
"""Up to this share of a wait is added at random: never less than the API asked, and little more."""
LONGEST_WAIT_SECONDS = 60.0
"""However long an answer asks to wait, a follower reads again after this at most."""

FIRST_WAIT_SECONDS = 0.5
"""Without a Retry-After: the first wait, which most jobs (they run in milliseconds) have ended within."""
BACKOFF_FACTOR = 1.5
LONGEST_BACKOFF_SECONDS = 8.0
MOVING_WAIT_SECONDS = 2.0
"""Without a Retry-After, while the job's progress moves: the worker stores at most a report a second."""


def follow(
    client: ApiClient,
    job_id: str,
    *,
    display: JobDisplay,
    timeout: float | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    first: Reading | None = None,
    jitter: Callable[[], float] = random.random,
) -> dict[str, Any]:
    """The job's record once it is SUCCEEDED or FAILED; TimedOutError if `timeout` seconds pass first.

    Waiting is the point here, so a throttled read (429, 503) is asked again after its Retry-After however
    often, as long as the timeout allows. `jitter` draws from [0, 1).
    """
    deadline = None if timeout is None else clock() + timeout
    patience = Patience(attempts=None, deadline=deadline)

    def read(held: Reading | None) -> Reading:
        try:
            return client.read_job(job_id, held=held, patience=patience)
        except TimedOutError as stopped:
            record = held.record if held else None
            raise _timed_out(job_id, timeout, record, str(stopped.problem["detail"])) from stopped

    with display:
        reading = first or read(None)
        backoff: float | None = None
        moving = False
        while True:
            record = reading.record
            display.show(record)
            if record.get("status") in TERMINAL_STATUSES:
                return record
            if deadline is not None and clock() >= deadline:
                raise _timed_out(job_id, timeout, record, "")
            if reading.retry_after is None:
                backoff = _next_backoff(backoff, moving=moving)
                wait = backoff
            else:
                wait = min(reading.retry_after, LONGEST_WAIT_SECONDS)
            wait *= 1 + JITTER * jitter()
            left = wait if deadline is None else deadline - clock()
            sleep(max(0.0, min(wait, left)))
            previous = record
            reading = read(reading)
            moving = reading.changed and _progress(reading.record) != _progress(previous)


def _next_backoff(previous: float | None, *, moving: bool) -> float:
    wait = FIRST_WAIT_SECONDS if previous is None else min(previous * BACKOFF_FACTOR, LONGEST_BACKOFF_SECONDS)
    return min(wait, MOVING_WAIT_SECONDS) if moving else wait


def _progress(record: Mapping[str, Any]) -> Any:
    return record.get("progress")


def _timed_out(
    job_id: str, timeout: float | None, record: Mapping[str, Any] | None, why: str
) -> TimedOutError:
    status = record.get("status") if record else None
    detail = f"job {job_id} had not ended after {duration_text(timeout or 0)}"
    detail += f" (still {status})" if status else ""
    detail += f"; {why}" if why else ""
    return TimedOutError(
        f"{detail}; `conveyor watch {job_id}` follows it again", job_id=job_id, job_status=status
    )
