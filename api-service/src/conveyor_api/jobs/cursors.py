"""The opaque cursor of GET /jobs: where the last page stopped in its index, and nothing else.

It holds the position only (the last job's `created_at` and `job_id`), never the index's partition key,
which each request rebuilds from its caller and filters: a cursor cannot reach another owner's jobs.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from conveyor_api import contract


class InvalidCursorError(Exception):
    """A cursor that is not one this API returned."""


@dataclass(frozen=True, slots=True)
class PagePosition:
    """The last job a page read, by the index's sort key and the table's key."""

    created_at: str
    job_id: str


def encode_cursor(position: PagePosition) -> str:
    """Base64url text without padding, as the contract's `cursor` pattern asks."""
    text = json.dumps([position.created_at, position.job_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> PagePosition:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, job_id = json.loads(text.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InvalidCursorError() from error
    if not (
        isinstance(created_at, str)
        and isinstance(job_id, str)
        and contract.validator("timestamp").is_valid(created_at)
        and contract.validator("job-id").is_valid(job_id)
    ):
        raise InvalidCursorError()
    return PagePosition(created_at, job_id)
