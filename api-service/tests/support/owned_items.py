"""Job items of signed-in callers, as the API and the worker leave them, for the listing tests."""

import uuid
from typing import Any

from conveyor_api.jobs.listing_indexes import listing_keys
from conveyor_api.models import JobItem

PAYLOADS = {
    "text_transform": '{"text":"Hello, Conveyor!"}',
    "data_analysis": '{"data":[1,2,3]}',
}


def owned_item(
    owner: str, minute: int, *, status: str = "QUEUED", job_type: str = "text_transform", **changes: Any
) -> JobItem:
    """A job of `owner` submitted `minute` minutes after 17:00 (so each sorts apart), in `status`."""
    job_id = str(uuid.uuid4())
    created_at = f"2026-11-24T17:{minute:02d}:09.123Z"
    document: dict[str, Any] = {
        "job_id": job_id,
        "job_type": job_type,
        "status": status,
        "created_at": created_at,
        "updated_at": created_at,
        "attempts": 0,
        "payload": PAYLOADS[job_type],
        **listing_keys(owner, job_type, status),
    }
    if status != "QUEUED":
        document |= {"started_at": created_at, "attempts": 1}
    if status == "SUCCEEDED":
        result = '{"length":16,"uppercase":"HELLO, CONVEYOR!","word_count":2}'
        if job_type == "data_analysis":
            result = (
                '{"count":3,"sum":6,"mean":2,"median":2,"min":1,"max":3,"stdev":0.8,"p90":2.8,"p99":2.98}'
            )
        document |= {"finished_at": created_at, "result": result, "expires_at": 1798131910}
    if status == "FAILED":
        document |= {
            "finished_at": created_at,
            "error": {"code": "X", "message": "failed"},
            "expires_at": 1798131910,
        }
    return JobItem.from_document(document | changes)
