"""Letting a client upload a job's source file straight to the files bucket, never through the API."""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import islice

from conveyor_api import contract
from conveyor_api.clock import to_timestamp, utc_now
from conveyor_api.jobs.errors import InvalidUploadRequestError
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.request_validation import MAX_LISTED_VIOLATIONS, violations_of
from conveyor_api.json_types import JsonValue
from conveyor_api.models import UploadRequest, UploadTicket

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""The largest source image_resize reads (its input schema); S3 refuses a larger file at the upload."""

UPLOAD_LIFETIME = timedelta(minutes=10)
"""Long enough to send 10 MiB over a slow link; short, as a leaked ticket lets anyone upload until then."""


def validate_upload_request(document: JsonValue) -> UploadRequest:
    errors = contract.validator("upload-request").iter_errors(document)
    # One error can stand for thousands of violations: an unknown member each, in a body of 256 KiB.
    violations = list(islice(dict.fromkeys(violations_of(errors)), MAX_LISTED_VIOLATIONS + 1))
    if violations:
        raise InvalidUploadRequestError(
            violations[:MAX_LISTED_VIOLATIONS], complete=len(violations) <= MAX_LISTED_VIOLATIONS
        )
    return UploadRequest.from_document(document)


def issue_upload_ticket(
    request: UploadRequest,
    *,
    owner: str | None,
    links: FileLinks,
    clock: Callable[[], datetime] = utc_now,
    new_upload_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> UploadTicket:
    """A presigned POST for one new object under uploads/; nothing is stored until the client sends it.

    `owner` is the signed-in caller, or None without sign-in. The upload records it, and only that caller's
    jobs may name it (jobs.sources); the key keeps the one form of every upload, which workers of every
    version accept (docs/design.md, Uploads and their owners).
    """
    source_key = f"uploads/{new_upload_id()}"
    expires_at = clock() + UPLOAD_LIFETIME
    form = links.upload_form(
        source_key,
        content_type=request.content_type,
        max_bytes=MAX_UPLOAD_BYTES,
        lifetime=UPLOAD_LIFETIME,
        owner=owner,
    )
    return UploadTicket(
        source_key=source_key,
        url=form.url,
        fields=form.fields,
        content_type=request.content_type,
        max_bytes=MAX_UPLOAD_BYTES,
        expires_at=to_timestamp(expires_at),
    )
