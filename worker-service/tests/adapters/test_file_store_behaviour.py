"""One suite, two file stores: the in-memory fake must behave exactly like S3FileStore against S3 (moto).

What the S3 store wrote is read back through boto3 directly, never through the code under test.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pytest
from botocore.exceptions import ClientError

from conveyor_worker.files.s3 import S3FileStore
from conveyor_worker.job_types.context import FileStore, FileTooLargeError, NoSuchFileError
from tests.support.fake_files import FakeFileStore, StoredFile
from tests.support.faults import failing_calls
from tests.support.images import upload_key
from tests.support.s3 import FilesBucket
from tests.support.spy import recorded_calls

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0c1d2e3f-4a5b-4c6d-9e8f-7a6b5c4d3e2f"
"""Two callers' `sub`s, as a deployment with sign-in records them."""


class Put(Protocol):
    def __call__(self, key: str, body: bytes, *, owner: str | None = None) -> None: ...


@dataclass
class FileStoreUnderTest:
    store: FileStore
    put: Put
    get: Callable[[str], StoredFile | None]


@pytest.fixture(params=["fake", "s3"])
def subject(request: pytest.FixtureRequest) -> FileStoreUnderTest:
    if request.param == "fake":
        fake = FakeFileStore()
        return FileStoreUnderTest(fake, fake.put, fake.get)
    bucket: FilesBucket = request.getfixturevalue("files_bucket")
    return FileStoreUnderTest(S3FileStore(bucket.client, bucket.name), bucket.put, bucket.get)


def test_reading_an_uploaded_file_returns_its_bytes(subject: FileStoreUnderTest) -> None:
    key = upload_key()
    subject.put(key, b"\x89PNG and so on")

    assert subject.store.read(key, max_bytes=1024, job_owner=None) == b"\x89PNG and so on"


def test_reading_a_missing_key_is_no_such_file(subject: FileStoreUnderTest) -> None:
    key = upload_key()

    with pytest.raises(NoSuchFileError) as missing:
        subject.store.read(key, max_bytes=1024, job_owner=None)

    assert missing.value.key == key


def test_a_file_larger_than_max_bytes_is_refused_with_its_size(subject: FileStoreUnderTest) -> None:
    key = upload_key()
    subject.put(key, b"12345")

    with pytest.raises(FileTooLargeError) as too_large:
        subject.store.read(key, max_bytes=4, job_owner=None)

    assert (too_large.value.key, too_large.value.size_bytes, too_large.value.max_bytes) == (key, 5, 4)


def test_a_file_of_exactly_max_bytes_is_read(subject: FileStoreUnderTest) -> None:
    key = upload_key()
    subject.put(key, b"1234")

    assert subject.store.read(key, max_bytes=4, job_owner=None) == b"1234"


def test_an_upload_recorded_as_its_callers_is_read_for_that_callers_job(subject: FileStoreUnderTest) -> None:
    key = upload_key()
    subject.put(key, b"alice's photo", owner=ALICE)

    assert subject.store.read(key, max_bytes=1024, job_owner=ALICE) == b"alice's photo"


@pytest.mark.parametrize("job_owner", [BOB, None], ids=["another-callers-job", "a-job-without-an-owner"])
def test_an_upload_recorded_as_another_callers_reads_as_no_such_file(
    subject: FileStoreUnderTest, job_owner: str | None
) -> None:
    key = upload_key()
    subject.put(key, b"alice's photo", owner=ALICE)

    with pytest.raises(NoSuchFileError) as refused:
        subject.store.read(key, max_bytes=1024, job_owner=job_owner)

    assert refused.value.key == key


def test_another_callers_upload_over_max_bytes_reads_as_no_such_file_not_as_its_size(
    subject: FileStoreUnderTest,
) -> None:
    """A refusal of its size would tell bob that alice's upload exists, and how large it is."""
    key = upload_key()
    subject.put(key, b"12345", owner=ALICE)

    with pytest.raises(NoSuchFileError):
        subject.store.read(key, max_bytes=4, job_owner=BOB)


@pytest.mark.parametrize(
    "job_owner", [ALICE, None], ids=["a-signed-in-callers-job", "a-job-without-an-owner"]
)
def test_an_upload_that_records_no_owner_is_read_for_any_job(
    subject: FileStoreUnderTest, job_owner: str | None
) -> None:
    """Uploads made without sign-in, or issued by an API from before owners were recorded, whose jobs an
    older API may still submit with an owner."""
    key = upload_key()
    subject.put(key, b"anyone's photo")

    assert subject.store.read(key, max_bytes=1024, job_owner=job_owner) == b"anyone's photo"


def test_a_written_file_keeps_its_bytes_and_content_type(subject: FileStoreUnderTest) -> None:
    key = "results/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/result.json"

    subject.store.write(key, '{"uppercase":"É"}'.encode(), content_type="application/json")

    assert subject.get(key) == StoredFile('{"uppercase":"É"}'.encode(), "application/json", 18)


def test_writing_a_key_again_replaces_the_file(subject: FileStoreUnderTest) -> None:
    key = "results/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/image.png"
    subject.store.write(key, b"first attempt", content_type="image/png")

    subject.store.write(key, b"second", content_type="image/png")

    assert subject.get(key) == StoredFile(b"second", "image/png", 6)


def test_a_read_is_one_get_object_request_whatever_the_files_size(files_bucket: FilesBucket) -> None:
    store = S3FileStore(files_bucket.client, files_bucket.name)
    small, large = upload_key(), upload_key()
    files_bucket.put(small, b"1234")
    files_bucket.put(large, b"12345")

    with recorded_calls(files_bucket.client, "GetObject") as calls:
        store.read(small, max_bytes=4, job_owner=None)
        with pytest.raises(FileTooLargeError):
            store.read(large, max_bytes=4, job_owner=None)

    assert calls == [{"Bucket": files_bucket.name, "Key": small}, {"Bucket": files_bucket.name, "Key": large}]


def test_an_s3_error_on_read_other_than_a_missing_key_is_raised_as_it_came(files_bucket: FilesBucket) -> None:
    store = S3FileStore(files_bucket.client, files_bucket.name)
    key = upload_key()
    files_bucket.put(key, b"1234")

    # Raised as botocore's own error, the job processor counts it as transient and retries the job.
    with (
        failing_calls(files_bucket.client, "GetObject"),
        pytest.raises(ClientError, match="InternalServerError"),
    ):
        store.read(key, max_bytes=4, job_owner=None)


def test_access_denied_on_read_is_no_such_file_since_the_role_may_not_list_the_bucket(
    files_bucket: FilesBucket,
) -> None:
    """On AWS a role without s3:ListBucket is told AccessDenied, not NoSuchKey, for a key with no object."""
    store = S3FileStore(files_bucket.client, files_bucket.name)

    with (
        failing_calls(files_bucket.client, "GetObject", code="AccessDenied", status=403),
        pytest.raises(NoSuchFileError),
    ):
        store.read(upload_key(), max_bytes=4, job_owner=None)


def test_an_s3_error_on_write_is_raised_as_it_came(files_bucket: FilesBucket) -> None:
    store = S3FileStore(files_bucket.client, files_bucket.name)
    key = "results/3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d/image.png"

    with (
        failing_calls(files_bucket.client, "PutObject"),
        pytest.raises(ClientError, match="InternalServerError"),
    ):
        store.write(key, b"5678", content_type="image/png")

    assert files_bucket.get(key) is None
