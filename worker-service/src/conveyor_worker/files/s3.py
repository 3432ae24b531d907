"""The files bucket in S3: clients' uploads read by key, the jobs' files written under results/."""

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from conveyor_worker.job_types.context import FileTooLargeError, NoSuchFileError, readable_by

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

OWNER_METADATA = "owner"
"""The user metadata (`x-amz-meta-owner`) in which an upload records who made it: the `sub` of the signed-in
caller the API's presigned POST was issued to, which S3 refuses any other value of (contracts/README.md,
Files). S3 hands user metadata back under lower-case names without the prefix."""


class S3FileStore:
    def __init__(self, client: "S3Client", bucket_name: str) -> None:
        self._client = client
        self._bucket_name = bucket_name

    def read(self, key: str, *, max_bytes: int, job_owner: str | None) -> bytes:
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
        # One request: the owner and the size are known from its headers before any of the body is read.
        with response["Body"] as body:
            # The owner first: another caller's upload must not tell its size by a different refusal.
            if not readable_by(response.get("Metadata", {}).get(OWNER_METADATA), job_owner):
                raise NoSuchFileError(key)
            if response["ContentLength"] > max_bytes:
                raise FileTooLargeError(key, response["ContentLength"], max_bytes)
            return body.read()

    def write(self, key: str, body: bytes, *, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket_name, Key=key, Body=body, ContentType=content_type)
