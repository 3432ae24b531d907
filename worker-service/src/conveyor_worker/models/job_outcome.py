"""How a run ended, as the completing write records it."""

from dataclasses import dataclass

from conveyor_worker.models.job_item import JobError


@dataclass(frozen=True)
class JobSucceeded:
    result_json: str
    """The result object as JSON text, already valid against the job type's result schema; small enough to be
    stored in the job item."""


@dataclass(frozen=True)
class JobSucceededWithResultRef:
    result_ref: str
    """The files bucket's key of the result's JSON text, already written there because it was too large for
    the job item (the claim-check rule, contracts/README.md)."""


@dataclass(frozen=True)
class JobFailed:
    error: JobError


JobOutcome = JobSucceeded | JobSucceededWithResultRef | JobFailed
