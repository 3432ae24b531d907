"""How a run ended, as the completing write records it."""

from dataclasses import dataclass

from conveyor_worker.models.job_item import JobError


@dataclass(frozen=True)
class JobSucceeded:
    result_json: str
    """The result object as JSON text, already valid against the job type's result schema."""


@dataclass(frozen=True)
class JobFailed:
    error: JobError


JobOutcome = JobSucceeded | JobFailed
