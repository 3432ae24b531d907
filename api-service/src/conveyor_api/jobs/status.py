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
    job_id: str, *, reader: JobReader, links: FileLinks, clock: Callable[[], datetime] = utc_now
) -> JobRecord:
    if not contract.validator("job-id").is_valid(job_id):
        raise InvalidJobIdError(job_id)
    item = reader.get(job_id)
    if item is None:
        raise JobNotFoundError(job_id)
    return record_from_item(item, links=links, clock=clock)
