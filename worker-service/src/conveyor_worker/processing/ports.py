"""What the domain needs from the outside, as small protocols."""

from datetime import datetime
from typing import Protocol

from conveyor_worker.models.job_item import JobItem
from conveyor_worker.models.job_outcome import JobOutcome


class JobStore(Protocol):
    """The jobs table, with the conditional writes of docs/design.md (Job lifecycle)."""

    def claim(self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime) -> JobItem:
        """Takes a QUEUED job, or an IN_PROGRESS one whose lease expired before `now`; returns the item after.

        Raises JobNotFoundError when there is no such job, JobNotClaimableError when it is held or finished.
        """
        ...

    def complete(
        self, job_id: str, *, claim_token: str, outcome: JobOutcome, now: datetime, expires_at: datetime
    ) -> None:
        """Records the outcome, finished at `now`, and when the finished item may be deleted (`expires_at`,
        in the same write); raises LeaseLostError unless the job is IN_PROGRESS under `claim_token`."""
        ...

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        """Ends the lease at `now` so a retry can claim again; raises LeaseLostError like `complete`."""
        ...

    def record_refused_completion(self, job_id: str) -> None:
        """Counts one more refused completion on the job; raises JobNotFoundError if there is no such job."""
        ...


class MessageVisibility(Protocol):
    """The jobs queue's hold on a message being processed."""

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        """Makes the received message visible again in `delay_seconds`, not after the queue's timeout."""
        ...
