"""Job items as the API service puts them (QUEUED), in job-item's plain JSON form."""

import json
import uuid
from typing import Any

CREATED_AT = "2026-11-24T17:05:09.123Z"


def new_job_id() -> str:
    return str(uuid.uuid4())


def queued_item(job_type: str, payload: dict[str, Any] | str, *, job_id: str | None = None) -> dict[str, Any]:
    """An object `payload` is stored as JSON text; a str one is stored as given, to store broken text."""
    return {
        "job_id": job_id or new_job_id(),
        "job_type": job_type,
        "status": "QUEUED",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "attempts": 0,
        "payload": payload if isinstance(payload, str) else json.dumps(payload),
    }


def job_message_body(job_id: str, job_type: str = "text_transform") -> str:
    return json.dumps(
        {"contract_version": "1", "job_id": job_id, "job_type": job_type, "submitted_at": CREATED_AT}
    )
