"""send_email through the worker: one email per job, whatever SQS delivers twice and whatever dies mid-way."""

from typing import Any

import pytest

from conveyor_worker.job_types.context import Email, EmailNotSentError, EmailOutcomeUnknownError
from conveyor_worker.jobs.errors import JobAttemptFailedError
from tests.support.clock import FakeClock
from tests.support.fake_mailer import FakeMailer
from tests.support.logs import CapturedLogs
from tests.support.processor import LEASE, Harness

PAYLOAD = {"to": ["ada@example.org"], "subject": "Hi", "text": "Hello"}


class WorkerDied(BaseException):
    """The invocation ends mid-run (a timeout, an out-of-memory kill): nothing after it runs."""


class DiesAfterSending(FakeMailer):
    """SES takes the email, and the worker dies before it learns so."""

    def send(self, email: Email) -> str:
        super().send(email)
        raise WorkerDied


def _submitted(clock: FakeClock, logs: CapturedLogs, mailer: FakeMailer) -> tuple[Harness, str]:
    """A worker that sends through `mailer`, and the id of one send_email job stored for it."""
    harness = Harness(clock, logs, overrides=None, mailer=mailer)
    return harness, harness.submit("send_email", PAYLOAD)


def test_a_duplicate_delivery_of_a_sent_job_sends_nothing(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    mailer = FakeMailer()
    harness, job_id = _submitted(clock, captured_logs, mailer)

    harness.deliver(job_id, job_type="send_email")
    harness.deliver(job_id, job_type="send_email", receipt_handle="receipt-2")

    assert len(mailer.sent) == 1
    assert harness.item(job_id)["status"] == "SUCCEEDED"


def test_a_retry_after_a_worker_died_having_sent_fails_the_job_without_sending_again(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    mailer = DiesAfterSending()
    harness, job_id = _submitted(clock, captured_logs, mailer)

    with pytest.raises(WorkerDied):
        harness.deliver(job_id, job_type="send_email")
    clock.advance(seconds=LEASE.total_seconds() + 1)  # its lease runs out; SQS delivers the message again
    harness.deliver(job_id, job_type="send_email", receive_count=2, receipt_handle="receipt-2")

    item: dict[str, Any] = harness.item(job_id)
    assert len(mailer.sent) == 1
    assert (item["status"], item["error"]["code"]) == ("FAILED", "EMAIL_OUTCOME_UNKNOWN")


def test_an_email_ses_did_not_take_is_sent_by_the_retry(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    mailer = FakeMailer(answers=[EmailNotSentError("TooManyRequestsException")])
    harness, job_id = _submitted(clock, captured_logs, mailer)

    with pytest.raises(JobAttemptFailedError):  # the record is given back, for a retry after its backoff
        harness.deliver(job_id, job_type="send_email")
    assert "effect_started_at" not in harness.item(job_id)
    clock.advance(seconds=60)
    harness.deliver(job_id, job_type="send_email", receive_count=2, receipt_handle="receipt-2")

    assert len(mailer.sent) == 1
    assert harness.item(job_id)["status"] == "SUCCEEDED"


def test_an_unknown_outcome_ends_the_job_at_once(clock: FakeClock, captured_logs: CapturedLogs) -> None:
    mailer = FakeMailer(answers=[EmailOutcomeUnknownError("read timeout")])
    harness, job_id = _submitted(clock, captured_logs, mailer)

    harness.deliver(job_id, job_type="send_email")

    item = harness.item(job_id)
    assert (item["status"], item["error"]["code"], item["attempts"]) == ("FAILED", "EMAIL_OUTCOME_UNKNOWN", 1)
    assert mailer.sent == []
