"""The files bucket in S3, through presigned requests only: presigning signs locally and never calls S3."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from conveyor_api.jobs.file_links import UploadForm

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3FileLinks:
    """Presigns with the client's credentials, so a link can do only what the API's role may do.

    The client should sign with SigV4 (which most regions require) and virtual-hosted addressing, so that
    AWS links name the bucket's regional endpoint; see `handlers.http.build_handler`.
    """

    def __init__(self, client: S3Client, bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def upload_form(self, key: str, *, content_type: str, max_bytes: int, lifetime: timedelta) -> UploadForm:
        post = self._client.generate_presigned_post(
            Bucket=self._bucket_name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=_seconds(lifetime),
        )
        return UploadForm(url=post["url"], fields=post["fields"])

    def download_url(self, key: str, *, lifetime: timedelta, content_type: str | None = None) -> str:
        params = {"Bucket": self._bucket_name, "Key": key}
        if content_type is not None:
            params["ResponseContentType"] = content_type
        return self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=_seconds(lifetime))


def _seconds(lifetime: timedelta) -> int:
    return int(lifetime.total_seconds())
