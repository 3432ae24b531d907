"""Reporting a job: its record, read from the store."""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from conveyor_api import contract
from conveyor_api.clock import utc_now
from conveyor_api.jobs.errors import InvalidJobIdError, JobNotFoundError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.records import record_from_item
from conveyor_api.models import JobItem, JobRecord


class JobReader(Protocol):
    def get(self, job_id: str) -> JobItem | None:
        """The job's item as last written, or None when there is no such job."""


def get_job_record(
    job_id: str,
    *,
    owner: str | None,
    reader: JobReader,
    links: FileLinks,
    clock: Callable[[], datetime] = utc_now,
) -> JobRecord:
    """The job's record. With sign-in (`owner` is the caller), only the caller's own jobs are found."""
    if not contract.validator("job-id").is_valid(job_id):
        raise InvalidJobIdError(job_id)
    item = reader.get(job_id)
    if item is None or not readable_by(item, owner):
        # Another owner's job reads exactly as a missing one, so its existence is not revealed either.
        raise JobNotFoundError(job_id)
    return record_from_item(item, links=links, clock=clock)


def readable_by(item: JobItem, owner: str | None) -> bool:
    """Whether the caller may read the job: its owner, with sign-in; anyone who knows its id, without.

    With sign-in, a job without an owner (submitted while the deployment had none) is nobody's to read.
    """
    return owner is None or item.owner == owner
