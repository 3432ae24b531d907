"""How long a client following a job should wait before reading it again (Retry-After on GET /jobs/{id}).

The estimate uses only what the status read already holds: the record's status and times, its progress, and
the job type's typical run time below, kept in code so that no GET reads anything more. The contract's
catalogue declares how long a run may take at most (its time budgets); a typical run is far shorter and not a
contract matter, so the API keeps its own figures, and a wrong figure costs a few reads, not a wrong answer.
"""

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from conveyor_api.jobs.records import RESULT_LINK_LIFETIME, carries_links
from conveyor_api.models import JobRecord

SHORTEST_WAIT_SECONDS = 1
"""Retry-After is whole seconds (RFC 9110): 0 would invite a client to read again at once."""
LONGEST_WAIT_SECONDS = 30
"""However long a job has left, a follower hears of it at least this often: an estimate can be wrong, and the
job can end early (a failure)."""

QUEUE_DELAY = timedelta(milliseconds=500)
"""From QUEUED to a worker's claim when nothing is backed up: SQS's event source mapping polls continuously,
so the delivery takes tens to hundreds of milliseconds."""

TYPICAL_RUN: Mapping[str, timedelta] = {
    "text_transform": timedelta(milliseconds=100),
    "data_analysis": timedelta(milliseconds=100),
    # Decode, resize and encode in a child process under a CPU budget (worker job_types/image_resize.py).
    "image_resize": timedelta(seconds=2),
    # One SendEmail request: SES answers in tens to hundreds of milliseconds.
    "send_email": timedelta(milliseconds=500),
}
"""A run's usual length by job type, as the benchmarks and the worker's logs show it."""
DEFAULT_TYPICAL_RUN = timedelta(seconds=1)
"""For a job type missing from TYPICAL_RUN (one added to the contract later)."""

END_MARGIN = timedelta(milliseconds=250)
"""Added to an estimated end: the worker's completion writes follow the run, and a read just before the end
costs a read and then a fifth of the job's time."""

FOREVER = timedelta(days=365)
"""An ended record without links never changes: a year, the longest max-age RFC 9111 advises."""

OVERDUE_SHARE = 0.2
"""A job past every estimate is read again after this share of the time it has taken so far: the end is then
noticed within 20 % of the job's duration, at the price of reads that grow only logarithmically with it."""


def retry_after(
    record: JobRecord, *, now: datetime, typical_run: Mapping[str, timedelta] = TYPICAL_RUN
) -> int | None:
    """Whole seconds worth waiting before reading the job again; None once it has ended (it will not change).

    The estimate is the time the job probably has left: from its progress rate when it reports progress,
    else from its type's typical run; once the job is past the estimate, a share of the time it has taken.
    """
    if record.status in ("SUCCEEDED", "FAILED"):
        return None
    run = typical_run.get(record.job_type, DEFAULT_TYPICAL_RUN)
    if record.status == "QUEUED" or record.started_at is None:
        since = _parse(record.created_at)
        left = QUEUE_DELAY + run - (now - since)
    else:
        since = _parse(record.started_at)
        by_progress = _left_by_progress(record, since, now)
        left = run - (now - since) if by_progress is None else by_progress
    waited = max(timedelta(0), now - since)
    # Up to the estimated end, so as not to read just before it; down from a share of the time so far, so that
    # the end is heard of within that share.
    if left > timedelta(0):
        seconds = math.ceil((left + END_MARGIN).total_seconds())
    else:
        seconds = math.floor((waited * OVERDUE_SHARE).total_seconds())
    return max(SHORTEST_WAIT_SECONDS, min(LONGEST_WAIT_SECONDS, seconds))


def _left_by_progress(record: JobRecord, started: datetime, now: datetime) -> timedelta | None:
    """What is left at the rate the job has made progress so far; None without a report that tells a rate."""
    progress = record.progress
    if progress is None or not 0 < progress.percent < 100:
        return None
    reported = _parse(progress.updated_at)
    took = reported - started
    if took <= timedelta(0):
        return None
    # A whole percent p says the job is p to p+1 % done. While that leaves its end uncertain by more than the
    # overdue share (p < 5), wait for the earliest end it allows: a later read has a finer figure.
    percent = progress.percent
    if (percent + 1) / percent > 1 + OVERDUE_SHARE:
        percent += 1
    at_report = took * (100 - percent) / percent
    return at_report - (now - reported)


def fresh_for(record: JobRecord) -> timedelta | None:
    """How long a copy of the record stays true: None while the job may still change, a long time once it
    has ended, and for an ended record with links to files, half their lifetime, so that a copy a cache keeps
    still has working links for as long again."""
    if record.status not in ("SUCCEEDED", "FAILED"):
        return None
    return RESULT_LINK_LIFETIME / 2 if carries_links(record) else FOREVER


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)
