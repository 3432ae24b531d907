"""The listing keys of an owned job (contracts/README.md, Owners and listing)."""

from dataclasses import dataclass
from typing import Self

from conveyor_worker.models.job_item import JobItem, JobStatus


@dataclass(frozen=True)
class OwnerListing:
    """What a write that changes an owned job's status needs to keep its listing keys matching the status.

    Items without an owner have no listing keys, and none may be added to them: such a write gets None.
    """

    owner: str
    job_type: str

    @classmethod
    def of(cls, item: JobItem) -> Self | None:
        return None if item.owner is None else cls(item.owner, item.job_type)

    def owner_status(self, status: JobStatus) -> str:
        return f"{self.owner}#{status.value}"

    def owner_type_status(self, status: JobStatus) -> str:
        return f"{self.owner}#{self.job_type}#{status.value}"

    def is_current(self, item: JobItem) -> bool:
        """True when the item's listing keys already name its status."""
        return (item.owner_status, item.owner_type_status) == (
            self.owner_status(item.status),
            self.owner_type_status(item.status),
        )
