"""What the jobs domain counts; the handler's adapter writes it as CloudWatch metrics."""

from typing import Protocol


class JobMetrics(Protocol):
    def job_submitted(self) -> None:
        """A new job was stored: counted by the request whose write created it, never for a replay."""
