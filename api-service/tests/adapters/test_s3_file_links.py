"""S3FileLinks against moto: its presigned POST stores the file (with its owner, where callers sign in), its
presigned GET reads it back.

moto neither checks the signature nor enforces a presigned POST's policy conditions (a larger file or
another Content-Type is stored all the same), so what S3 would refuse is proven from the signed policy
document itself, which is what S3 enforces.
"""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from conveyor_api.files.s3 import S3FileLinks
from tests.adapters.conftest import Aws

KEY = "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a"
OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
"""A signed-in caller's `sub`."""
PNG_BYTES = b"\x89PNG\r\n\x1a\n not really an image"
MAX_BYTES = 10 * 1024 * 1024


@pytest.fixture
def links(aws: Aws) -> S3FileLinks:
    return S3FileLinks(aws.s3, aws.files_bucket_name)


def _send_form(url: str, fields: dict[str, str], body: bytes) -> requests.Response:
    # Fields first and the file last, as S3 requires of an RFC 1867 form.
    return requests.post(url, data=fields, files={"file": ("image.png", body)}, timeout=10)


def _policy(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def test_presigned_post_stores_the_file_at_its_key_with_its_content_type(
    aws: Aws, links: S3FileLinks
) -> None:
    form = links.upload_form(
        KEY, content_type="image/png", max_bytes=MAX_BYTES, lifetime=timedelta(minutes=10), owner=None
    )

    response = _send_form(form.url, form.fields, PNG_BYTES)

    assert response.status_code == 204
    stored = aws.s3.get_object(Bucket=aws.files_bucket_name, Key=KEY)
    assert stored["Body"].read() == PNG_BYTES
    assert stored["ContentType"] == "image/png"
    assert stored["Metadata"] == {}  # without sign-in nobody owns an upload


def test_presigned_post_of_a_signed_in_caller_records_the_caller_as_the_objects_owner(
    aws: Aws, links: S3FileLinks
) -> None:
    form = links.upload_form(
        KEY, content_type="image/png", max_bytes=MAX_BYTES, lifetime=timedelta(minutes=10), owner=OWNER
    )

    response = _send_form(form.url, form.fields, PNG_BYTES)

    assert response.status_code == 204
    # The user metadata the worker reads an upload's owner from (contracts/README.md, Files).
    assert aws.s3.head_object(Bucket=aws.files_bucket_name, Key=KEY)["Metadata"] == {"owner": OWNER}


def test_presigned_post_policy_of_a_signed_in_caller_admits_only_that_caller_as_the_owner(
    aws: Aws, links: S3FileLinks
) -> None:
    """S3 refuses a form whose field differs from its policy's condition, or that has a field the policy does
    not name, so the holder can neither change the owner nor leave it out."""
    form = links.upload_form(
        KEY, content_type="image/png", max_bytes=MAX_BYTES, lifetime=timedelta(minutes=10), owner=OWNER
    )

    conditions = _policy(form.fields)["conditions"]
    assert {"x-amz-meta-owner": OWNER} in conditions
    assert form.fields["x-amz-meta-owner"] == OWNER
    assert len(conditions) == 8  # the seven of a form without an owner, and this one


def test_presigned_post_policy_admits_only_its_bucket_key_type_and_size_until_it_expires(
    aws: Aws, links: S3FileLinks
) -> None:
    signed_at = datetime.now(UTC)

    form = links.upload_form(
        KEY, content_type="image/jpeg", max_bytes=MAX_BYTES, lifetime=timedelta(minutes=10), owner=None
    )

    policy = _policy(form.fields)
    conditions = policy["conditions"]
    assert {"bucket": aws.files_bucket_name} in conditions
    assert {"key": KEY} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, MAX_BYTES] in conditions
    # Every other condition is one of the signature's own fields, which the form carries as signed.
    signature_fields = {"x-amz-algorithm", "x-amz-credential", "x-amz-date"}
    others = [
        condition for condition in conditions if len(condition) == 1 and set(condition) <= signature_fields
    ]
    assert len(conditions) == 4 + len(others) == 7
    expiration = datetime.fromisoformat(policy["expiration"])
    assert signed_at + timedelta(minutes=10) - timedelta(seconds=1) <= expiration
    assert expiration <= datetime.now(UTC) + timedelta(minutes=10)
    assert form.fields["key"] == KEY
    assert form.fields["Content-Type"] == "image/jpeg"
    assert form.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert not [name for name in form.fields if name.startswith("x-amz-meta-")]


def test_presigned_get_reads_the_object_served_as_the_given_content_type(
    aws: Aws, links: S3FileLinks
) -> None:
    document = b'{"length":5,"uppercase":"HELLO","word_count":1}'
    key = "results/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/result.json"
    aws.s3.put_object(Bucket=aws.files_bucket_name, Key=key, Body=document)

    url = links.download_url(key, lifetime=timedelta(minutes=15), content_type="application/json")

    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == document
    assert response.headers["Content-Type"] == "application/json"
    assert "X-Amz-Expires=900" in url


def test_presigned_get_without_a_content_type_serves_the_object_as_stored(
    aws: Aws, links: S3FileLinks
) -> None:
    key = "results/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/image.png"
    aws.s3.put_object(Bucket=aws.files_bucket_name, Key=key, Body=PNG_BYTES, ContentType="image/png")

    response = requests.get(links.download_url(key, lifetime=timedelta(minutes=15)), timeout=10)

    assert response.status_code == 200
    assert response.content == PNG_BYTES
    assert response.headers["Content-Type"] == "image/png"
