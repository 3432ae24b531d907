"""A files bucket in moto, read and written through boto3 directly, never through the code under test."""

import uuid
from typing import TYPE_CHECKING

from .fake_files import StoredFile

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


class FilesBucket:
    def __init__(self, client: "S3Client") -> None:
        self.client = client
        self.name = f"files-{uuid.uuid4().hex[:8]}"
        client.create_bucket(Bucket=self.name)

    def put(
        self, key: str, body: bytes, *, content_type: str = "binary/octet-stream", owner: str | None = None
    ) -> None:
        """`owner` is recorded as the API's upload form records it: user metadata `owner`."""
        metadata = {} if owner is None else {"owner": owner}
        self.client.put_object(
            Bucket=self.name, Key=key, Body=body, ContentType=content_type, Metadata=metadata
        )

    def get(self, key: str) -> StoredFile | None:
        try:
            response = self.client.get_object(Bucket=self.name, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body = response["Body"].read()
        owner = response.get("Metadata", {}).get("owner")
        return StoredFile(body, response["ContentType"], response["ContentLength"], owner)

    def stored_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))
