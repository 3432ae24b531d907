"""Job items as the API service puts them (QUEUED), in job-item's plain JSON form."""

import json
import uuid
from typing import Any

CREATED_AT = "2026-11-24T17:05:09.123Z"
CREATED_AT_MS = 1795539909123


def new_job_id() -> str:
    return str(uuid.uuid4())


def job_id_in_shard(shard: int) -> str:
    """A random job id that the API would put in sweep index partition `shard`."""
    while True:
        job_id = uuid.uuid4()
        if job_id.int % 16 == shard:
            return str(job_id)


def queued_item(job_type: str, payload: dict[str, Any] | str, *, job_id: str | None = None) -> dict[str, Any]:
    """An object `payload` is stored as JSON text; a str one is stored as given, to store broken text.

    As the API stores it since it sends a job's message first: outside the sweep index."""
    return {
        "job_id": job_id or new_job_id(),
        "job_type": job_type,
        "status": "QUEUED",
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "attempts": 0,
        "payload": payload if isinstance(payload, str) else json.dumps(payload),
    }


def payload_aside(item: dict[str, Any]) -> tuple[dict[str, Any], str, bytes]:
    """The item as an API whose threshold its payload exceeds puts it, the key it names, and the object's body
    the API wrote there first."""
    key = f"payloads/{item['job_id']}/payload.json"
    aside = {name: value for name, value in item.items() if name != "payload"} | {"payload_ref": key}
    return aside, key, item["payload"].encode()


def in_the_sweep_index(item: dict[str, Any], *, sweep_at: int = CREATED_AT_MS) -> dict[str, Any]:
    """The item with the sweep index's keys: as an API that stored jobs before sending them put every job
    (sweep_at its submission), or as a claim on a message's last receive leaves it (sweep_at its lease)."""
    return {**item, "sweep_shard": uuid.UUID(item["job_id"]).int % 16, "sweep_at": sweep_at}


OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
"""A caller's `sub`, as a deployment with sign-in stores it."""


def owned(item: dict[str, Any], owner: str = OWNER) -> dict[str, Any]:
    """The item as the API puts it for a signed-in caller: with its owner and the four listing keys."""
    return {
        **item,
        "owner": owner,
        "owner_type": f"{owner}#{item['job_type']}",
        "owner_status": f"{owner}#{item['status']}",
        "owner_type_status": f"{owner}#{item['job_type']}#{item['status']}",
    }


def listing_keys_of(item: dict[str, Any]) -> tuple[str, str] | None:
    """The item's owner_status and owner_type_status as they must be for its status, or None if unowned."""
    if "owner" not in item:
        return None
    return f"{item['owner']}#{item['status']}", f"{item['owner']}#{item['job_type']}#{item['status']}"


PENDING_ONLY = ("lease_expires_at", "sweep_shard", "sweep_at")
"""Attributes a finished job no longer has: it leaves the lease and the sparse sweep index."""


def without_pending(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in PENDING_ONLY}


def job_message_body(job_id: str, job_type: str = "text_transform") -> str:
    return json.dumps(
        {"contract_version": "1", "job_id": job_id, "job_type": job_type, "submitted_at": CREATED_AT}
    )
