"""What the worker and the sweeper count and time (docs/design.md, Observability), as small protocols."""

from datetime import timedelta
from typing import Protocol


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
