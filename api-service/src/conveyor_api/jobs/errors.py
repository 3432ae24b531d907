"""Why the jobs domain refuses a request or cannot serve it; `http.problems` maps each to a response."""

from conveyor_api.models import ContractViolationError, Violation


class InvalidJobRequestError(ContractViolationError):
    """The request body is JSON but not a job request the contract accepts."""

    def __init__(self, violations: list[Violation], *, complete: bool = True) -> None:
        super().__init__("job-request", violations, complete=complete)


class InvalidJobBatchError(ContractViolationError):
    """The POST /jobs/batch body is JSON but not a batch of 1 to 25 jobs: refused whole, before any job is
    judged."""

    def __init__(self, violations: list[Violation], *, complete: bool = True) -> None:
        super().__init__("job-batch-request", violations, complete=complete)


class UnknownJobTypeError(InvalidJobRequestError):
    """The request names a job type the contract does not define."""

    def __init__(
        self, allowed: tuple[str, ...], violations: list[Violation], *, complete: bool = True
    ) -> None:
        super().__init__(violations, complete=complete)
        self.allowed = allowed


class PayloadTooLargeError(Exception):
    """The payload, written as the JSON text the job item stores, exceeds what an item may hold."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the payload takes {size} bytes as stored JSON text; the limit is {limit}")
        self.size = size
        self.limit = limit


class InvalidJobIdError(Exception):
    """A job id that is not a lowercase UUID of version 4 or 8 (contract `job-id`), so no job can have it."""

    def __init__(self, job_id: str) -> None:
        super().__init__("not a job id")
        self.job_id = job_id


class JobNotFoundError(Exception):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id}")
        self.job_id = job_id


class JobAlreadyExistsError(Exception):
    """A new job's id is taken: the store refused to overwrite the job that has it."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} already exists")
        self.job_id = job_id


class BackendUnavailableError(Exception):
    """The job store or the job queue failed to answer; the request may succeed if retried."""


class IdempotencyKeyReusedError(Exception):
    """The idempotency key was first used with another request: its job is not the one this one asks for."""


class IdempotencyKeyInProgressError(Exception):
    """The first request with the idempotency key is still being handled; its outcome is not known yet."""


class InvalidUploadRequestError(ContractViolationError):
    """The POST /uploads body is JSON but not an upload request the contract accepts."""

    def __init__(self, violations: list[Violation], *, complete: bool = True) -> None:
        super().__init__("upload-request", violations, complete=complete)


class InvalidJobListQueryError(ContractViolationError):
    """The query string of GET /jobs is not a job-list query the contract accepts, or its cursor is not one
    this API returned."""

    def __init__(self, violations: list[Violation], *, complete: bool = True) -> None:
        super().__init__("job-list-query", violations, complete=complete)


class UploadNotFoundError(Exception):
    """A job names an upload that is not the caller's own: none at the key, or one another caller made. The
    two are one error, so that a refusal never tells whether someone else's upload exists."""

    def __init__(self, pointer: str) -> None:
        super().__init__(f"no upload of the caller's at {pointer}")
        self.pointer = pointer
        """Where the request names the upload: a JSON pointer into its body, such as /payload/source_key."""


class JobEndedError(Exception):
    """A cancel of a job that has already ended (other than by a cancel): nothing is left to stop."""

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"job {job_id} has ended {status}")
        self.job_id = job_id
        self.status = status


class JobNotFailedError(Exception):
    """A retry of a job that is not FAILED: only a failed job may be run again."""

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"job {job_id} is {status}, not FAILED")
        self.job_id = job_id
        self.status = status


class RetryPayloadMissingError(Exception):
    """A retry of a FAILED job whose payload, stored aside, is no longer in the files bucket."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"the payload of job {job_id} is no longer stored")
        self.job_id = job_id


class JobTypeUnavailableError(Exception):
    """A job type that no deployed worker runs yet, so a job of it could only wait: refused before anything is
    written (docs/design.md, Which job types the deployed worker runs)."""

    def __init__(self, job_type: str, *, in_contract: bool = True) -> None:
        super().__init__(f"no deployed worker runs job type {job_type!r}")
        self.job_type = job_type
        self.in_contract = in_contract
        """False for a type this API's contract lacks (a retry of a job a newer API accepted)."""
