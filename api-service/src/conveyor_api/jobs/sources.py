"""A job's source files: with sign-in, a job may name only uploads its own caller made.

Each upload records the caller its form was issued to (jobs.uploads). A signed-in submission is refused when
an upload it names is not the caller's: none at the key, another caller's, or one that records no owner (made
without sign-in, or issued by an API from before owners were recorded). All three are one refusal, so that
it never tells whether someone else's upload exists. Without sign-in nobody owns an upload and nothing is
looked up: its key is the capability to use it, as a job id is to read the job. The worker holds a job to
the same rule when it reads, for the jobs of older APIs, which did not check (docs/design.md, Uploads and
their owners).
"""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from conveyor_api import contract
from conveyor_api.jobs.errors import UploadNotFoundError
from conveyor_api.json_pointer import json_pointer
from conveyor_api.models import JobRequest


@dataclass(frozen=True, slots=True)
class Upload:
    """An object under uploads/, as the API sees it without reading it."""

    owner: str | None
    """The caller it records, or None for one that records nobody."""


class Uploads(Protocol):
    def find(self, key: str) -> Upload | None:
        """The upload at `key`, or None when there is none (never sent, or expired). Raises
        BackendUnavailableError when the files bucket does not answer."""


def check_sources(request: JobRequest, *, owner: str | None, uploads: Uploads) -> None:
    """Raises UploadNotFoundError unless every upload `request` names is `owner`'s (the signed-in caller);
    without sign-in (`owner` None), returns at once."""
    if owner is None:
        return
    for member in upload_key_members(request.job_type):
        key = request.payload.get(member)
        if not isinstance(key, str):
            continue  # an optional member left out: the request was checked against the contract already
        upload = uploads.find(key)
        if upload is None or upload.owner != owner:
            raise UploadNotFoundError(json_pointer(["payload", member]))


@cache
def upload_key_members(job_type: str) -> tuple[str, ...]:
    """The members of `job_type`'s payload that name an upload: those whose rule is the upload ticket's
    `source_key` pattern (image_resize's `source_key`), so that a new job type's come from the contract."""
    upload_key = contract.schema("upload-ticket")["properties"]["source_key"]["pattern"]
    members = contract.schema(f"job-types/{job_type}/input").get("properties", {})
    return tuple(name for name, rule in members.items() if rule.get("pattern") == upload_key)
