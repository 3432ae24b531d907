"""S3Payloads stores a payload's JSON text as the worker reads it back, and turns every refusal into
BackendUnavailableError (503, nothing accepted); InMemoryPayloadStore, the unit tests' fake, keeps the
same."""

import pytest
from botocore.exceptions import ConnectTimeoutError
from botocore.stub import Stubber

from conveyor_api.files.s3 import S3Payloads
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.payloads import PayloadStore, payload_key
from tests.adapters.conftest import Aws
from tests.support.fakes import InMemoryPayloadStore

KEY = payload_key("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d")
TEXT = '{"text":"Grüße, Conveyor! ✓"}'


def test_a_payload_is_stored_as_utf_8_json_at_its_key(aws: Aws) -> None:
    S3Payloads(aws.s3, aws.files_bucket_name).put(KEY, TEXT)

    stored = aws.s3.get_object(Bucket=aws.files_bucket_name, Key=KEY)
    assert (stored["Body"].read(), stored["ContentType"]) == (TEXT.encode("utf-8"), "application/json")


@pytest.mark.parametrize(
    ("code", "status"),
    [("AccessDenied", 403), ("SlowDown", 503), ("InternalError", 500)],
    ids=["403", "503-slow-down", "500"],
)
def test_a_refused_write_is_backend_unavailable(aws: Aws, code: str, status: int) -> None:
    payloads = S3Payloads(aws.s3, aws.files_bucket_name)
    with Stubber(aws.s3) as stub:
        stub.add_client_error("put_object", service_error_code=code, http_status_code=status)

        with pytest.raises(BackendUnavailableError):
            payloads.put(KEY, TEXT)


def test_no_answer_is_backend_unavailable(aws: Aws) -> None:
    def never_connects(**_: object) -> None:
        raise ConnectTimeoutError(endpoint_url="https://s3.eu-west-1.amazonaws.com")

    aws.s3.meta.events.register("before-send.s3.PutObject", never_connects)

    with pytest.raises(BackendUnavailableError):
        S3Payloads(aws.s3, aws.files_bucket_name).put(KEY, TEXT)


def test_the_fake_keeps_what_it_was_given_under_its_key() -> None:
    fake = InMemoryPayloadStore()
    store: PayloadStore = fake

    store.put(KEY, TEXT)

    assert fake.objects == {KEY: TEXT}


@pytest.fixture(params=["in-memory", "s3"])
def payloads(request: pytest.FixtureRequest) -> PayloadStore:
    if request.param == "in-memory":
        return InMemoryPayloadStore()
    aws: Aws = request.getfixturevalue("aws")
    return S3Payloads(aws.s3, aws.files_bucket_name)


def test_a_stored_payload_reads_back_as_its_text_and_a_missing_one_as_none(payloads: PayloadStore) -> None:
    payloads.put(KEY, TEXT)

    assert payloads.read(KEY) == TEXT
    assert payloads.read(payload_key("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")) is None


@pytest.mark.parametrize("status", [403, 404], ids=["403-without-list-bucket", "404"])
def test_a_read_refused_as_missing_is_none_and_any_other_refusal_backend_unavailable(
    aws: Aws, status: int
) -> None:
    payloads = S3Payloads(aws.s3, aws.files_bucket_name)
    with Stubber(aws.s3) as stub:
        stub.add_client_error("get_object", service_error_code="NoSuchKey", http_status_code=status)
        stub.add_client_error("get_object", service_error_code="SlowDown", http_status_code=503)

        assert payloads.read(KEY) is None
        with pytest.raises(BackendUnavailableError):
            payloads.read(KEY)
