"""The files bucket in S3: clients' uploads read by key, the jobs' files written under results/."""

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from conveyor_worker.job_types.context import FileTooLargeError, NoSuchFileError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


class S3FileStore:
    def __init__(self, client: "S3Client", bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def read(self, key: str, *, max_bytes: int) -> bytes:
        try:
            response = self._client.get_object(Bucket=self._bucket_name, Key=key)
        except self._client.exceptions.NoSuchKey as missing:
            raise NoSuchFileError(key) from missing
        except ClientError as error:
            # S3 answers NoSuchKey only to a role that may list the bucket; the worker's role may not (least
            # privilege: infra/worker/template.yaml), so to it a missing upload is AccessDenied. Reading an
            # upload is the one thing the role may do, so AccessDenied means there is none.
            if error.response.get("Error", {}).get("Code") == "AccessDenied":
                raise NoSuchFileError(key) from error
            raise
        # One request, and the size is known from its headers before any of the body is read.
        with response["Body"] as body:
            if response["ContentLength"] > max_bytes:
                raise FileTooLargeError(key, response["ContentLength"], max_bytes)
            return body.read()

    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket_name, Key=key, Body=body, ContentType=content_type)
