"""An in-memory jobs queue that records what the domain asked of it."""

from conveyor_worker.models.job_message import JobMessage


class FakeJobsQueue:
    def __init__(self) -> None:
        self.postponed: list[tuple[str, int]] = []
        """(receipt handle, delay in seconds) of every postponed retry."""
        self.sent: list[JobMessage] = []

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        self.postponed.append((receipt_handle, delay_seconds))

    def send(self, message: JobMessage) -> None:
        self.sent.append(message)
