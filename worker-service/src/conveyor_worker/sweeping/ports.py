"""What the sweeper needs from the outside, and the overdue jobs it reads."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from conveyor_worker.models.job_item import JobError, JobStatus
from conveyor_worker.models.job_message import JobMessage


@dataclass(frozen=True)
class OverdueJob:
    """A pending job as the sparse `sweep` index shows it: only the attributes the index projects."""

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    attempts: int
    sweeps: int
    """Re-sends so far; 0 while the item has no `sweeps` attribute."""
    sweep_at: int
    """Epoch milliseconds. With `status` it fences the sweeper's write: a job that changed is left alone."""
    owner: str | None = None
    """The job's owner, in a deployment with sign-in: failing the job rewrites its listing keys."""


@dataclass(frozen=True)
class StrandedJob:
    """A pending job none of whose messages can still exist, as the expiry scan read it."""

    job_id: str
    job_type: str
    status: JobStatus
    updated_at: str
    """With `status` it fences the sweeper's write: a job that changed since the scan is left alone."""
    owner: str | None = None


@dataclass(frozen=True)
class JobAsRead:
    """A job whose message was found in the DLQ, as the sweeper read it before deciding what to do."""

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    """With `status` it fences the sweeper's write: a job that changed since the read is left alone."""
    lease_expires_at: int | None
    """Epoch milliseconds; None while QUEUED."""
    watched: bool
    """In the sweep index, whose entries the sweeper settles on their own."""


@dataclass(frozen=True)
class DeadLetter:
    body: str
    receipt_handle: str


@dataclass(frozen=True)
class OverdueJobs:
    jobs: Sequence[OverdueJob]
    """Oldest `sweep_at` first."""
    left_over: int
    """Overdue jobs of the shard beyond the limit, left for the next sweep."""


class SweepStore(Protocol):
    """The jobs table's `sweep` index and the sweeper's conditional writes (docs/design.md, The sweeper)."""

    def overdue_jobs(self, shard: int, *, before: datetime, limit: int) -> OverdueJobs:
        """At most `limit` pending jobs of index partition `shard` whose sweep_at is earlier than `before`."""
        ...

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        """Ends the job FAILED at `now`, to be deleted after `expires_at`, takes it out of the index, removes
        its progress and, when it has an owner, makes its listing keys name FAILED; raises
        OverdueJobChangedError if it changed."""
        ...

    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        """Takes the job out of the index and counts one more re-send (its message was just sent again);
        raises OverdueJobChangedError if it changed."""
        ...

    def read_job(self, job_id: str) -> JobAsRead | None:
        """The job as it is now (a strongly consistent read), or None when there is no such job."""
        ...

    def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
        """Counts one more re-send and dates the job's last message at `now`; raises OverdueJobChangedError if
        it changed since `pending_job` read it."""
        ...

    def stranded_jobs(
        self, segment: int, *, segments: int, updated_before: datetime, now: datetime
    ) -> Sequence[StrandedJob]:
        """The jobs of table segment `segment` (of `segments`) that are QUEUED, or IN_PROGRESS with a lease
        that expired before `now`, and were last written before `updated_before`."""
        ...

    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        """Ends the job FAILED like `fail_overdue`; raises OverdueJobChangedError if it changed since the
        scan."""
        ...


class JobQueue(Protocol):
    """The jobs queue the workers read."""

    def send(self, message: JobMessage) -> None: ...


class DeadLetterQueue(Protocol):
    """The jobs queue's DLQ, where SQS moves a message after MAX_RECEIVE_COUNT receives."""

    def receive(self, max_messages: int) -> Sequence[DeadLetter]:
        """At most `max_messages` (up to 10) messages, hidden from other receivers for a while."""
        ...

    def delete(self, receipt_handle: str) -> None: ...


class SweepMetrics(Protocol):
    """What the sweeper counts (docs/design.md, Observability); published once per run."""

    def job_resent(self) -> None:
        """An overdue job's message was sent again."""
        ...

    def overdue_job_failed(self) -> None:
        """An overdue job was ended FAILED RETRIES_EXHAUSTED: its worker died on the last receive."""
        ...

    def orphan_message_dropped(self) -> None:
        """A dead message named a job that was never stored (its API answered 5xx), and was deleted."""
        ...

    def dead_letter_rescued(self) -> None:
        """A pending job's message found in the DLQ was sent to the jobs queue again."""
        ...

    def stranded_job_failed(self) -> None:
        """A job none of whose messages can still exist was ended FAILED (MESSAGE_EXPIRED)."""
        ...
