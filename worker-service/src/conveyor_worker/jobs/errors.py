"""Why a message could not be processed (each one makes the message a batch item failure unless noted), and
why the sweeper left an overdue job alone."""

from datetime import timedelta


class MalformedMessageError(Exception):
    """The message body is not JSON or not a `job-message`."""


class NewerJobError(Exception):
    """The message is of a job newer than this worker: of a contract major or a job type it does not know. Not
    malformed, and never failed: it waits for a worker that knows it (jobs/newer.py)."""

    def __init__(self, reason: str, *, job_id: str | None = None, submitted_at: str | None = None) -> None:
        super().__init__(reason)
        self.job_id = job_id
        """The job's id, when the message is of this worker's contract major (only its job type is newer)."""
        self.submitted_at = submitted_at


class JobNotFoundError(Exception):
    """The store holds no job with this id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id


class JobNotClaimableError(Exception):
    """The job exists but is finished, or held by another claim whose lease has not expired."""

    def __init__(
        self, job_id: str, status: str, *, claim_token: str | None = None, lease_expires_at: int | None = None
    ) -> None:
        super().__init__(f"job {job_id} is {status} and cannot be claimed")
        self.job_id = job_id
        self.status = status
        self.claim_token = claim_token
        """The holding claim's token, when the job is IN_PROGRESS."""
        self.lease_expires_at = lease_expires_at
        """Epoch milliseconds at which the holding claim's lease expires, when the job is IN_PROGRESS."""


class JobNotDueError(Exception):
    """The job is QUEUED to run later than now (its run_at): the claim refused it, and the message is early (a
    spare copy, a DLQ redrive, a clock ahead of SQS's). It is sent again for the remainder (jobs/later.py)."""

    def __init__(self, job_id: str, run_at: str) -> None:
        super().__init__(f"job {job_id} runs at {run_at}, not before")
        self.job_id = job_id
        self.run_at = run_at


class JobNotStoredYetError(Exception):
    """The message names no job yet: the API sends a job's message before it stores the job, so a worker can
    be quicker than the API's write. The message comes back shortly."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} is not stored yet")
        self.job_id = job_id


class JobHeldElsewhereError(Exception):
    """Another claim holds the job under a live lease: this message is kept, and comes back once that lease
    has expired, so that the job still has a message if its holder dies."""

    def __init__(self, job_id: str, retry_in_seconds: int) -> None:
        super().__init__(
            f"job {job_id} is held by another claim; its message comes back in {retry_in_seconds} s"
        )
        self.job_id = job_id
        self.retry_in_seconds = retry_in_seconds


class JobNotStartedError(Exception):
    """What is left of the invocation could not hold the job's longest run: the message is given back at once,
    unclaimed, for an invocation with time to run it, rather than be taken by the timeout with its batch."""

    def __init__(self, job_id: str, time_left: timedelta, time_needed: timedelta) -> None:
        super().__init__(
            f"job {job_id} not started: {time_left.total_seconds():.1f} s left of the invocation, "
            f"{time_needed.total_seconds():.1f} s needed"
        )
        self.job_id = job_id


class LeaseLostError(Exception):
    """A write fenced by a claim token was refused: another claim holds the job; acknowledged."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} is no longer held by this claim")
        self.job_id = job_id


class UnknownJobTypeError(Exception):
    """The job names a type this worker has no function for (a worker older than the job's API)."""

    def __init__(self, job_type: str) -> None:
        super().__init__(f"this worker has no job type {job_type!r}")
        self.job_type = job_type


class JobAttemptFailedError(Exception):
    """The job failed transiently; the message goes back to the queue (or to the DLQ on its last receive)."""

    def __init__(self, job_id: str, attempt: int) -> None:
        super().__init__(f"attempt {attempt} of job {job_id} failed")
        self.job_id = job_id
        self.attempt = attempt


class OverdueJobChangedError(Exception):
    """The job no longer has the sweep_at and status the sweep read: another sweeper or a worker acted."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} changed since the sweep read it")
        self.job_id = job_id


class CancelRequestedError(Exception):
    """A write fenced on the claim was refused although the claim still holds the job: a cancel was asked for
    (the item has cancel_requested_at), which a progress write does not overrule."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"a cancel of job {job_id} was asked for")
        self.job_id = job_id
