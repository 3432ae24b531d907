"""Why a message could not be processed; each one makes the message a batch item failure unless noted."""


class MalformedMessageError(Exception):
    """The message body is not JSON, not a `job-message`, or names no job."""


class JobNotFoundError(Exception):
    """The store holds no job with this id."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id


class JobNotClaimableError(Exception):
    """The job exists but is held under a live lease or finished; the message is acknowledged."""

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"job {job_id} is {status} and cannot be claimed")
        self.job_id = job_id
        self.status = status


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
