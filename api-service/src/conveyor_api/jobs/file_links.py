"""The files bucket as the API uses it: presigned requests that clients send to S3 themselves."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class UploadForm:
    """A presigned POST: the form a client sends to `url` with every member of `fields`, then its file."""

    url: str
    fields: dict[str, str]


class FileLinks(Protocol):
    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, lifetime: timedelta, owner: str | None
    ) -> UploadForm:
        """A form that stores one file of `content_type` and 1 to `max_bytes` bytes at `key` until `lifetime`
        has passed, recording `owner` with it (None: records no owner), a value its holder cannot change."""

    def download_url(self, key: str, *, lifetime: timedelta, content_type: str | None = None) -> str:
        """A URL that reads the object at `key` for `lifetime`, served as `content_type` when one is given."""
