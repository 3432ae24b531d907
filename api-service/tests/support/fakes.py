"""In-memory stand-ins for the store and the queue; tests/adapters proves the store acts as DynamoDB's."""

from pydantic import JsonValue

from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.models import JobItem, JobMessage


class InMemoryJobStore:
    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.items: dict[str, dict[str, JsonValue]] = {}
        self.fail_with = fail_with
        """Raised by every call instead of answering, as a broken backend would."""

    def put_new(self, item: JobItem) -> None:
        self._maybe_fail()
        if item.job_id in self.items:
            raise JobAlreadyExistsError(item.job_id)
        # Kept as the stored document, not the model, so that a read builds a fresh item as DynamoDB's would.
        self.items[item.job_id] = item.model_dump(mode="json")

    def get(self, job_id: str) -> JobItem | None:
        self._maybe_fail()
        document = self.items.get(job_id)
        return None if document is None else JobItem.model_validate(document)

    def _maybe_fail(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with


class RecordingJobPublisher:
    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.messages: list[JobMessage] = []
        self.fail_with = fail_with

    def publish(self, message: JobMessage) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.messages.append(message)
