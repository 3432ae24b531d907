"""How a stored job item reads as the job record clients see."""

import json

from conveyor_api.models import JobItem, JobRecord


def record_from_item(item: JobItem) -> JobRecord:
    return JobRecord(
        job_id=item.job_id,
        job_type=item.job_type,
        status=item.status,
        created_at=item.created_at,
        updated_at=item.updated_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        attempts=item.attempts,
        result=None if item.result is None else json.loads(item.result),
        error=item.error,
    )
