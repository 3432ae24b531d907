"""The files bucket in S3: presigned requests, which sign locally and never call S3, and the three calls the
API makes: a HeadObject of an upload a signed-in caller's job names, a PutObject of a payload stored aside,
and a GetObject of one a retry copies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.file_links import UploadForm
from conveyor_api.jobs.sources import Upload

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

OWNER_METADATA = "owner"
"""The user metadata in which an upload records its caller (contracts/README.md, Files): the form field
`x-amz-meta-owner`, which S3 hands back as `owner` in an object's Metadata."""
_OWNER_FIELD = f"x-amz-meta-{OWNER_METADATA}"

_NO_UPLOAD_STATUSES = (403, 404)
"""HeadObject's and GetObject's answers for a key without an object: 404 to a role that may list the bucket,
403 to one that may not, such as the API's (infra/api/template.yaml). A HEAD answer has no body, so no error
code to read."""


def s3_client_on_demand(make: Callable[[], S3Client]) -> S3Client:
    """An S3 client that `make` builds when a request first uses it, then reuses.

    Most requests (a status read, a small job's submission) never touch S3, and building its client (loading
    S3's service model and endpoint rules) was a fifth of the API's import time: a cold start pays for it only
    when its request needs S3 (docs/benchmarks.md, Cold start).
    """
    return cast("S3Client", _ClientOnDemand(make))


class _ClientOnDemand:
    def __init__(self, make: Callable[[], S3Client]) -> None:
        self._make = make
        self._client: S3Client | None = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make()
        return getattr(self._client, name)


class S3FileLinks:
    """Presigns with the client's credentials, so a link can do only what the API's role may do.

    The client should sign with SigV4 (which most regions require) and virtual-hosted addressing, so that
    AWS links name the bucket's regional endpoint; see `handlers.http.build_handler`.
    """

    def __init__(self, client: S3Client, bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, lifetime: timedelta, owner: str | None
    ) -> UploadForm:
        fields: dict[str, str] = {"Content-Type": content_type}
        if owner is not None:
            # S3 refuses a form with a field its policy does not name, or a value the policy does not match:
            # the holder can neither drop the owner, nor change it, nor add one to a form without it.
            fields[_OWNER_FIELD] = owner
        post = self._client.generate_presigned_post(
            Bucket=self._bucket_name,
            Key=key,
            Fields=fields,
            Conditions=[
                *({name: value} for name, value in fields.items()),
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=_seconds(lifetime),
        )
        return UploadForm(url=post["url"], fields=post["fields"])

    def download_url(self, key: str, *, lifetime: timedelta, content_type: str | None = None) -> str:
        params = {"Bucket": self._bucket_name, "Key": key}
        if content_type is not None:
            params["ResponseContentType"] = content_type
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=_seconds(lifetime))


class S3Uploads:
    """The uploads under uploads/, found with one HeadObject each: the object's metadata, never its body."""

    def __init__(self, client: S3Client, bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def find(self, key: str) -> Upload | None:
        try:
            head = self._client.head_object(Bucket=self._bucket_name, Key=key)
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in _NO_UPLOAD_STATUSES:
                return None
            raise BackendUnavailableError("the files bucket refused the read") from error
        except BotoCoreError as error:
            raise BackendUnavailableError("the files bucket did not answer") from error
        return Upload(owner=head.get("Metadata", {}).get(OWNER_METADATA))


class S3Payloads:
    """Payloads stored aside under payloads/ (jobs.payloads): each stored with one PutObject, and read with
    one GetObject by a retry, which copies its failed job's payload."""

    def __init__(self, client: S3Client, bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def put(self, key: str, text: str) -> None:
        try:
            self._client.put_object(
                Bucket=self._bucket_name, Key=key, Body=text.encode("utf-8"), ContentType="application/json"
            )
        except ClientError as error:
            raise BackendUnavailableError("the files bucket refused the payload") from error
        except BotoCoreError as error:
            raise BackendUnavailableError("the files bucket did not answer") from error

    def read(self, key: str) -> str | None:
        try:
            stored = self._client.get_object(Bucket=self._bucket_name, Key=key)
            return stored["Body"].read().decode("utf-8")
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in _NO_UPLOAD_STATUSES:
                return None
            raise BackendUnavailableError("the files bucket refused the read") from error
        except BotoCoreError as error:
            raise BackendUnavailableError("the files bucket did not answer") from error


def _seconds(lifetime: timedelta) -> int:
    return int(lifetime.total_seconds())
