"""How a stored job item reads as the job record clients see, with links to its files minted at the read."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from conveyor_api.clock import to_timestamp, utc_now
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.json_types import JsonObject
from conveyor_api.models import JobItem, JobRecord

RESULT_LINK_LIFETIME = timedelta(minutes=15)
"""How long a record's links work: a client polls again for fresh ones, so they need not outlive a visit."""


def record_from_item(
    item: JobItem, *, links: FileLinks, clock: Callable[[], datetime] = utc_now
) -> JobRecord:
    result: JsonObject | None = None if item.result is None else json.loads(item.result)
    result_url = None
    if item.result_ref is not None:
        result_url = links.download_url(
            item.result_ref, lifetime=RESULT_LINK_LIFETIME, content_type="application/json"
        )
    elif result is not None and item.job_type == "image_resize" and item.status == "SUCCEEDED":
        result = _with_image_link(result, links=links, now=clock())
    return JobRecord(
        job_id=item.job_id,
        job_type=item.job_type,
        status=item.status,
        created_at=item.created_at,
        updated_at=item.updated_at,
        started_at=item.started_at,
        finished_at=item.finished_at,
        attempts=item.attempts,
        result=result,
        result_url=result_url,
        error=item.error,
        # job-item already allows progress only while IN_PROGRESS; job-record requires null outside it, and
        # the record keeps its own rule rather than rely on the item's.
        progress=item.progress if item.status == "IN_PROGRESS" else None,
        cancel_requested_at=item.cancel_requested_at,
        run_at=item.run_at,
        retry_of=item.retry_of,
    )


def carries_links(record: JobRecord) -> bool:
    """Whether the record holds links minted at the read, which expire (the cases record_from_item mints)."""
    image = record.job_type == "image_resize" and record.status == "SUCCEEDED" and record.result is not None
    return record.result_url is not None or image


def _with_image_link(result: JsonObject, *, links: FileLinks, now: datetime) -> JsonObject:
    # The contract requires url and url_expires_at in the record; the worker stores neither, as they expire.
    # A result that is not the image_resize schema's fails as the record is made, which checks it.
    return {
        **result,
        "url": links.download_url(str(result.get("key")), lifetime=RESULT_LINK_LIFETIME),
        "url_expires_at": to_timestamp(now + RESULT_LINK_LIFETIME),
    }
