"""One suite, two ways to find an upload's owner: the unit tests' FakeUploads must answer as S3Uploads does
against S3 (moto), where each upload is sent with the form S3FileLinks presigns, as a client sends it.

AWS answers a HeadObject of a missing key 403 to a role without s3:ListBucket, such as the API's; moto, which
checks no permissions, answers 404. The 403 is shown with botocore's Stubber.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from botocore.exceptions import ConnectTimeoutError
from botocore.stub import Stubber

from conveyor_api.files.s3 import S3FileLinks, S3Uploads
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.sources import Upload, Uploads
from tests.adapters.conftest import Aws
from tests.support.fakes import FakeUploads

KEY = "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a"
OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"


@dataclass
class UploadsUnderTest:
    uploads: Uploads
    upload: Callable[[str, str | None], None]
    """Stores a file at a key, as a client does with a ticket issued to an owner (None: without sign-in)."""


@pytest.fixture(params=["fake", "s3"])
def subject(request: pytest.FixtureRequest) -> UploadsUnderTest:
    if request.param == "fake":
        fake = FakeUploads()
        return UploadsUnderTest(fake, lambda key, owner: fake.put(key, owner=owner))
    aws: Aws = request.getfixturevalue("aws")
    links = S3FileLinks(aws.s3, aws.files_bucket_name)

    def upload(key: str, owner: str | None) -> None:
        form = links.upload_form(
            key, content_type="image/png", max_bytes=1024, lifetime=timedelta(minutes=10), owner=owner
        )
        sent = requests.post(form.url, data=form.fields, files={"file": ("a.png", b"\x89PNG")}, timeout=10)
        assert sent.status_code == 204

    return UploadsUnderTest(S3Uploads(aws.s3, aws.files_bucket_name), upload)


def test_an_upload_sent_with_a_signed_in_callers_form_is_found_with_that_owner(
    subject: UploadsUnderTest,
) -> None:
    subject.upload(KEY, OWNER)

    assert subject.uploads.find(KEY) == Upload(owner=OWNER)


def test_an_upload_sent_with_a_form_without_an_owner_is_found_with_none(subject: UploadsUnderTest) -> None:
    subject.upload(KEY, None)

    assert subject.uploads.find(KEY) == Upload(owner=None)


def test_a_key_with_no_upload_is_none(subject: UploadsUnderTest) -> None:
    subject.upload(KEY, OWNER)

    assert subject.uploads.find("uploads/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f") is None


def test_finding_an_upload_reads_its_metadata_and_never_its_body(aws: Aws) -> None:
    uploads = S3Uploads(aws.s3, aws.files_bucket_name)
    with Stubber(aws.s3) as stub:
        stub.add_response(
            "head_object", {"Metadata": {"owner": OWNER}}, {"Bucket": aws.files_bucket_name, "Key": KEY}
        )

        assert uploads.find(KEY) == Upload(owner=OWNER)

        stub.assert_no_pending_responses()


def test_access_denied_is_no_upload_since_the_apis_role_may_not_list_the_bucket(aws: Aws) -> None:
    uploads = S3Uploads(aws.s3, aws.files_bucket_name)
    with Stubber(aws.s3) as stub:
        # A HEAD answer has no body: botocore names the error by its status.
        stub.add_client_error("head_object", service_error_code="403", http_status_code=403)

        assert uploads.find(KEY) is None


@pytest.mark.parametrize(
    ("code", "status"), [("500", 500), ("503", 503), ("400", 400)], ids=["500", "503-slow-down", "400"]
)
def test_any_other_refusal_is_backend_unavailable(aws: Aws, code: str, status: int) -> None:
    uploads = S3Uploads(aws.s3, aws.files_bucket_name)
    with Stubber(aws.s3) as stub:
        stub.add_client_error("head_object", service_error_code=code, http_status_code=status)

        with pytest.raises(BackendUnavailableError):
            uploads.find(KEY)


def test_no_answer_is_backend_unavailable(aws: Aws) -> None:
    uploads = S3Uploads(aws.s3, aws.files_bucket_name)

    def never_connects(**_: object) -> None:
        raise ConnectTimeoutError(endpoint_url="https://s3.eu-west-1.amazonaws.com")

    aws.s3.meta.events.register("before-send.s3.HeadObject", never_connects)

    with pytest.raises(BackendUnavailableError):
        uploads.find(KEY)
