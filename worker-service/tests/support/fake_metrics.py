"""An in-memory JobMetrics and SweepMetrics: what the domain counted and timed, in order."""

from datetime import timedelta


class FakeMetrics:
    def __init__(self) -> None:
        self.events: list[tuple[str, timedelta | None]] = []
        """(event, duration): ("claimed", queue wait or None), ("succeeded", run time), ("retried", None)…"""

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def job_claimed(self, *, queue_wait: timedelta | None) -> None:
        self.events.append(("claimed", queue_wait))

    def job_succeeded(self, *, run_time: timedelta) -> None:
        self.events.append(("succeeded", run_time))

    def job_failed(self, *, run_time: timedelta) -> None:
        self.events.append(("failed", run_time))

    def job_retried(self) -> None:
        self.events.append(("retried", None))

    def duplicate_delivery_skipped(self) -> None:
        self.events.append(("duplicate", None))

    def duplicate_delivery_deferred(self) -> None:
        self.events.append(("deferred", None))

    def orphan_message_dropped(self) -> None:
        self.events.append(("orphan", None))

    def newer_job_waiting(self) -> None:
        self.events.append(("newer_waiting", None))

    def job_resent(self) -> None:
        self.events.append(("resent", None))

    def overdue_job_failed(self) -> None:
        self.events.append(("overdue_failed", None))

    def dead_letter_rescued(self) -> None:
        self.events.append(("rescued", None))

    def stranded_job_failed(self) -> None:
        self.events.append(("stranded_failed", None))
