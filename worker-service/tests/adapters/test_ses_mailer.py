"""SesMailer against moto's SES, and against each kind of answer SES may give (botocore's Stubber and
errors raised where botocore raises them), sorted by whether the email was sent."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from moto import mock_aws
from moto.ses.models import ses_backends

from conveyor_worker.job_types.context import (
    Email,
    EmailNotSentError,
    EmailOutcomeUnknownError,
    EmailRefusedError,
)
from conveyor_worker.mail.ses import CLIENT_CONFIG, SesMailer

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client

EMAIL = Email(("ada@example.org",), "Hi", "Hello", "<p>Hello</p>")
SENDER = "jobs@example.com"


@pytest.fixture
def ses() -> Iterator["SESV2Client"]:
    with mock_aws():
        yield boto3.client("sesv2", region_name="us-east-1", config=CLIENT_CONFIG)


def _sent() -> list[Any]:
    return list(ses_backends["123456789012"]["us-east-1"].sent_messages)


def test_an_email_from_a_verified_domain_is_sent_once_with_both_bodies(ses: "SESV2Client") -> None:
    ses.create_email_identity(EmailIdentity="example.com")

    message_id = SesMailer(lambda: ses, SENDER).send(EMAIL)

    (sent,) = _sent()
    assert sent.id == message_id
    assert (sent.source, sent.subject) == (SENDER, "Hi")
    assert sent.destinations == {"ToAddresses": ["ada@example.org"]}


def test_an_unverified_sender_is_refused_for_good(ses: "SESV2Client") -> None:
    with pytest.raises(EmailRefusedError) as refused:
        SesMailer(lambda: ses, SENDER).send(EMAIL)

    assert refused.value.code == "EMAIL_REJECTED"
    assert _sent() == []


def test_the_client_is_made_at_the_first_email_only() -> None:
    made: list[str] = []

    def make() -> "SESV2Client":
        made.append("client")
        raise AssertionError("not yet")

    SesMailer(make, SENDER)

    assert made == []


@pytest.mark.parametrize(("config", "requests"), [(CLIENT_CONFIG, 1), (None, 3)], ids=["ours", "botocore's"])
def test_botocore_never_sends_a_request_again_after_a_server_error(
    config: Config | None, requests: int
) -> None:
    client = boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x", config=config
    )
    sent: list[str] = []

    def answer_500(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        return AWSResponse(request.url, 500, HTTPHeaders(), _Body(b'{"__type": "InternalFailure"}'))

    # A before-send handler may answer in the network's place (botocore's own use); the stubs want None.
    client.meta.events.register("before-send.sesv2.SendEmail", cast("Callable[..., None]", answer_500))

    with pytest.raises(EmailOutcomeUnknownError):
        SesMailer(lambda: client, SENDER).send(EMAIL)

    assert len(sent) == requests


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@pytest.mark.parametrize(
    ("code", "status", "kind", "job_code"),
    [
        ("TooManyRequestsException", 429, EmailNotSentError, None),
        ("LimitExceededException", 400, EmailNotSentError, None),
        ("MessageRejected", 400, EmailRefusedError, "EMAIL_REJECTED"),
        ("MailFromDomainNotVerifiedException", 400, EmailRefusedError, "EMAIL_SENDER_NOT_VERIFIED"),
        ("AccountSuspendedException", 400, EmailRefusedError, "EMAIL_SENDING_PAUSED"),
        ("SendingPausedException", 400, EmailRefusedError, "EMAIL_SENDING_PAUSED"),
        ("NotFoundException", 404, EmailRefusedError, "EMAIL_NOT_CONFIGURED"),
        ("BadRequestException", 400, EmailRefusedError, "EMAIL_INVALID"),
        ("SomethingNewException", 400, EmailRefusedError, "EMAIL_REJECTED"),
        ("InternalFailure", 500, EmailOutcomeUnknownError, None),
        ("ServiceUnavailable", 503, EmailOutcomeUnknownError, None),
    ],
)
def test_each_answer_of_ses_is_sorted_by_whether_the_email_was_sent(
    code: str, status: int, kind: type[Exception], job_code: str | None
) -> None:
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("send_email", service_error_code=code, http_status_code=status)

        with pytest.raises(kind) as answered:
            SesMailer(lambda: client, SENDER, "conveyor").send(EMAIL)

    assert getattr(answered.value, "code", None) == job_code


@pytest.mark.parametrize(
    ("raised", "kind"),
    [
        (EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"), EmailNotSentError),
        (ConnectTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"), EmailNotSentError),
        (ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"), EmailOutcomeUnknownError),
    ],
    ids=["no-connection", "connect-timeout", "answer-timed-out"],
)
def test_a_request_that_never_left_is_not_sent_and_one_whose_answer_was_lost_may_have_been(
    raised: Exception, kind: type[Exception]
) -> None:
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")

    def fail(**_: object) -> None:
        raise raised

    client.meta.events.register("before-send.sesv2.SendEmail", fail)

    with pytest.raises(kind):
        SesMailer(lambda: client, SENDER).send(EMAIL)
