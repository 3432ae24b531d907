"""Amazon SES (API v2, SendEmail): one request per email, never repeated by botocore, each answer sorted by
whether the email was sent, was not, or may have been (docs/design.md, Effects that must happen once)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from conveyor_worker.job_types.context import (
    Email,
    EmailNotSentError,
    EmailOutcomeUnknownError,
    EmailRefusedError,
)

if TYPE_CHECKING:
    from mypy_boto3_sesv2.client import SESV2Client

CLIENT_CONFIG = Config(
    # SendEmail has no idempotency token: botocore sending a request again after a lost answer could send
    # the email twice, so it sends each once, and the job's own retry decides (only after "not sent").
    retries={"mode": "standard", "total_max_attempts": 1},
    # Well inside send_email's 10 s budget: a silent endpoint ends as an unknown outcome, not TIMED_OUT.
    connect_timeout=2,
    read_timeout=5,
)

# SES's answers that mean it did not take the email and may later: nothing was sent.
_NOT_SENT = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}
)
# Its refusals for good, by the job error code each ends the job with.
_REFUSED = {
    "MessageRejected": "EMAIL_REJECTED",
    "MailFromDomainNotVerifiedException": "EMAIL_SENDER_NOT_VERIFIED",
    "AccountSuspendedException": "EMAIL_SENDING_PAUSED",
    "SendingPausedException": "EMAIL_SENDING_PAUSED",
    "NotFoundException": "EMAIL_NOT_CONFIGURED",
    "AccessDeniedException": "EMAIL_NOT_CONFIGURED",
    "BadRequestException": "EMAIL_INVALID",
}


class SesMailer:
    def __init__(
        self, make_client: Callable[[], "SESV2Client"], sender: str, configuration_set: str | None = None
    ) -> None:
        """`make_client` is called at the first email, so a worker that sends none never loads SES's model."""
        self._make_client = make_client
        self._client: SESV2Client | None = None
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, email: Email) -> str:
        body: dict[str, Any] = {"Text": {"Data": email.text, "Charset": "UTF-8"}}
        if email.html is not None:
            body["Html"] = {"Data": email.html, "Charset": "UTF-8"}
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": list(email.to)},
            "Content": {"Simple": {"Subject": {"Data": email.subject, "Charset": "UTF-8"}, "Body": body}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if self._client is None:
            self._client = self._make_client()
        try:
            sent = self._client.send_email(**request)
        except ClientError as answered:
            raise _sorted(answered) from answered
        except HTTPClientError as lost:  # the request left; its answer did not arrive (read timeout, reset)
            raise EmailOutcomeUnknownError(f"SES's answer was lost: {lost}") from lost
        except BotocoreConnectionError as unreached:  # no connection, so no request
            raise EmailNotSentError(f"SES could not be reached: {unreached}") from unreached
        return sent["MessageId"]


def _sorted(answered: ClientError) -> Exception:
    code = answered.response.get("Error", {}).get("Code", "")
    message = answered.response.get("Error", {}).get("Message", "") or code
    if code in _NOT_SENT:
        return EmailNotSentError(f"SES did not take the email: {code}: {message}")
    if code in _REFUSED:
        return EmailRefusedError(_REFUSED[code], f"SES refused the email: {code}: {message}")
    status = answered.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
    if status < 500:
        return EmailRefusedError("EMAIL_REJECTED", f"SES refused the email: {code}: {message}")
    # A server error may come after SES took the email: sending again could send it twice.
    return EmailOutcomeUnknownError(f"SES answered {status} {code}: {message}")
