"""An in-memory jobs queue and DLQ that record what the domain asked of them."""

from collections.abc import Sequence

from conveyor_worker.jobs.sweep import DeadLetter
from conveyor_worker.models.job_message import JobMessage


class FakeJobsQueue:
    def __init__(self) -> None:
        self.postponed: list[tuple[str, int]] = []
        """(receipt handle, delay in seconds) of every postponed retry."""
        self.sent: list[JobMessage] = []
        self.delays: list[int] = []
        """The DelaySeconds of each message in `sent`, in order."""
        self.sent_later: list[tuple[str, int, int | None]] = []
        """(body, delay in seconds, deferrals) of every message sent again to wait: a newer job's, or an early
        one's (deferrals None)."""

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        self.postponed.append((receipt_handle, delay_seconds))

    def send(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        self.sent.append(message)
        self.delays.append(delay_seconds)

    def send_later(self, body: str, *, delay_seconds: int, deferrals: int | None = None) -> None:
        self.sent_later.append((body, delay_seconds, deferrals))


class FakeDeadLetterQueue:
    """Dead messages, in order. A receive hands out visible messages, which stay hidden until released (or
    until `visibility_timeout_passes`), as SQS hides a received message for the queue's visibility timeout."""

    def __init__(self, *bodies: str) -> None:
        self.letters = dict(enumerate(bodies))
        self._hidden: set[int] = set()
        self.receives = 0

    @property
    def bodies(self) -> list[str]:
        return list(self.letters.values())

    def receive(self, max_messages: int) -> list[DeadLetter]:
        self.receives += 1
        fresh = [(handle, body) for handle, body in self.letters.items() if handle not in self._hidden]
        fresh = fresh[:max_messages]
        self._hidden |= {handle for handle, _ in fresh}
        return [DeadLetter(body=body, receipt_handle=str(handle)) for handle, body in fresh]

    def delete(self, receipt_handle: str) -> None:
        del self.letters[int(receipt_handle)]

    def release(self, receipt_handles: Sequence[str]) -> None:
        assert len(receipt_handles) <= 10, "SQS changes at most 10 messages' visibility per call"
        self._hidden -= {int(handle) for handle in receipt_handles}

    @property
    def visible_bodies(self) -> list[str]:
        """What a receive, such as `conveyor dlq list`'s, would find now."""
        return [body for handle, body in self.letters.items() if handle not in self._hidden]

    def visibility_timeout_passes(self) -> None:
        self._hidden.clear()
