"""Which job types the API accepts: those of its contract that the deployed worker runs.

The README's deploy order puts the worker that runs a new job type before the API that accepts it; here the
API holds to it rather than trusting it (docs/design.md, Which job types the deployed worker runs).
"""

from typing import Protocol

from conveyor_api import contract
from conveyor_api.jobs.errors import JobTypeUnavailableError


class DeployedJobTypes(Protocol):
    def job_types(self) -> frozenset[str] | None:
        """The job types the deployed worker says it runs; None where it says nothing (a worker stack older
        than the list), when any type of the contract is accepted. BackendUnavailableError when unread."""


def require_available(job_type: str, deployed: DeployedJobTypes) -> None:
    """Raises JobTypeUnavailableError unless a job of `job_type` can be accepted now."""
    if job_type not in contract.job_types():
        raise JobTypeUnavailableError(job_type, in_contract=False)
    published = deployed.job_types()
    if published is not None and job_type not in published:
        raise JobTypeUnavailableError(job_type)
