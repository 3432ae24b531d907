"""Following a job until it ends: GET /jobs/{id} about twice a second, each answer shown as it comes."""

from collections.abc import Callable, Mapping
from typing import Any

from conveyor_cli.api import TERMINAL_STATUSES, ApiClient, Document, Patience
from conveyor_cli.displays import JobDisplay
from conveyor_cli.errors import TimedOutError
from conveyor_cli.render import duration_text

POLL_INTERVAL_SECONDS = 0.5


def follow(
    client: ApiClient,
    job_id: str,
    *,
    display: JobDisplay,
    timeout: float | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    first: Document | None = None,
) -> Document:
    """The job's record once it is SUCCEEDED or FAILED; TimedOutError if `timeout` seconds pass first.

    Waiting is the point here, so a throttled read (429, 503) is asked again after its Retry-After however
    often, as long as the timeout allows.
    """
    deadline = None if timeout is None else clock() + timeout
    patience = Patience(attempts=None, deadline=deadline)

    def read(last: Document | None) -> Document:
        try:
            return client.job(job_id, patience=patience)
        except TimedOutError as stopped:
            raise _timed_out(job_id, timeout, last, str(stopped.problem["detail"])) from stopped

    with display:
        record = first or read(None)
        while True:
            display.show(record)
            if record.get("status") in TERMINAL_STATUSES:
                return record
            if deadline is not None and clock() >= deadline:
                raise _timed_out(job_id, timeout, record, "")
            left = POLL_INTERVAL_SECONDS if deadline is None else deadline - clock()
            sleep(max(0.0, min(POLL_INTERVAL_SECONDS, left)))
            record = read(record)


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
