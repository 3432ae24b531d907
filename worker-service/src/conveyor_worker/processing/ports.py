"""What the domain needs from the outside, as small protocols."""

from datetime import datetime, timedelta
from typing import Protocol

from conveyor_worker.models.job_item import JobItem, JobProgress
from conveyor_worker.models.job_outcome import JobOutcome
from conveyor_worker.models.listing import OwnerListing


class JobStore(Protocol):
    """The jobs table, with the conditional writes of docs/design.md (Job lifecycle)."""

    def claim(
        self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime, watch: bool
    ) -> JobItem:
        """Takes a QUEUED job, or an IN_PROGRESS one whose lease expired before `now`; returns the item after.

        With `watch`, the claim enters the job in the sweep index at its lease expiry (docs/design.md, The
        sweeper): this claim's message is on its last receive, so if the worker dies, no message is left in
        the jobs queue. Without, the claim takes the job out of the index if it was in it.
        The claim removes any progress of an earlier attempt. It leaves the listing keys as they were (one
        write cannot build them from the item's `owner`): see `set_listing_status`.
        Raises JobNotFoundError when there is no such job, JobNotClaimableError when it is held or finished.
        """
        ...

    def watch_held(self, job_id: str, *, claim_token: str, until: datetime) -> None:
        """Enters a job held by the claim `claim_token` in the sweep index at `until` (that claim's lease
        expiry), as a claim with `watch` does; raises LeaseLostError unless that claim still holds it."""
        ...

    def set_listing_status(self, job_id: str, *, claim_token: str, listing: OwnerListing) -> None:
        """Makes an owned job's listing keys name IN_PROGRESS, the status a claim gave it; raises
        LeaseLostError unless the job is IN_PROGRESS under `claim_token`."""
        ...

    def complete(
        self,
        job_id: str,
        *,
        claim_token: str,
        outcome: JobOutcome,
        now: datetime,
        expires_at: datetime,
        listing: OwnerListing | None,
    ) -> None:
        """Records the outcome, finished at `now`, and when the finished item may be deleted (`expires_at`,
        in the same write), with the listing keys of the new status when the job has an owner (`listing`),
        and removes the progress; raises LeaseLostError unless the job is IN_PROGRESS under `claim_token`."""
        ...

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        """Ends the lease at `now` so a retry can claim again; raises LeaseLostError like `complete`."""
        ...

    def record_refused_completion(self, job_id: str) -> None:
        """Counts one more refused completion on the job; raises JobNotFoundError if there is no such job."""
        ...

    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        """Replaces the job's progress; raises LeaseLostError unless the job is IN_PROGRESS under
        `claim_token`."""
        ...


class MessageVisibility(Protocol):
    """The jobs queue's hold on a message being processed."""

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        """Makes the received message visible again in `delay_seconds`, not after the queue's timeout."""
        ...


class JobMetrics(Protocol):
    """What the worker counts and times (docs/design.md, Observability); published once per invocation."""

    def job_claimed(self, *, queue_wait: timedelta | None) -> None:
        """A claim held; `queue_wait` (submission to claim) only on a job's first claim."""
        ...

    def job_succeeded(self, *, run_time: timedelta) -> None:
        """`run_time` is from the claim to the completion."""
        ...

    def job_failed(self, *, run_time: timedelta) -> None: ...

    def job_retried(self) -> None:
        """A transient failure released the job for another attempt."""
        ...

    def duplicate_delivery_skipped(self) -> None:
        """A message whose job had already ended, acknowledged without running it."""
        ...

    def duplicate_delivery_deferred(self) -> None:
        """A message whose job another claim holds, kept until that claim's lease has expired."""
        ...

    def orphan_message_dropped(self) -> None:
        """A message whose job was never stored (its API invocation failed after sending it), acknowledged."""
        ...
