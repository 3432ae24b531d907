"""send_email: sends once, and after any attempt that may have sent, never again."""

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis_jsonschema import from_schema

from conveyor_worker.contract import check, load_contract
from conveyor_worker.job_types import send_email
from conveyor_worker.job_types.context import (
    Email,
    EmailNotSentError,
    EmailOutcomeUnknownError,
    EmailRefusedError,
    JobContext,
)
from conveyor_worker.job_types.errors import PermanentJobError
from tests.support.fake_files import FakeFileStore
from tests.support.fake_mailer import FakeMailer
from tests.support.schemas import schema_of

SCHEMAS = load_contract().job_types["send_email"]
PAYLOAD = {
    "to": ["ada@example.org", "grace@example.net"],
    "subject": "Hi",
    "text": "Hello",
    "html": "<p>Hello</p>",
}


@dataclass
class EffectMark:
    """The job item's effect_started_at, as the store keeps it across attempts."""

    marked: bool = False

    def start(self) -> bool:
        if self.marked:
            return False
        self.marked = True
        return True

    def abandon(self) -> None:
        self.marked = False


def _job(mailer: FakeMailer, mark: EffectMark) -> JobContext:
    return JobContext(
        "0b6c7d2e-8f1a-4c3b-9d5e-6f7a8b9c0d1e",
        FakeFileStore(),
        mailer=mailer,
        effect_start=mark.start,
        effect_abandon=mark.abandon,
    )


def test_the_email_is_sent_from_the_payload_and_its_id_is_the_result() -> None:
    mailer, mark = FakeMailer(), EffectMark()

    result = send_email.run(PAYLOAD, _job(mailer, mark))

    assert mailer.sent == [Email(("ada@example.org", "grace@example.net"), "Hi", "Hello", "<p>Hello</p>")]
    assert result == {"message_id": "message-1", "recipients": 2}
    assert mark.marked  # kept: a later attempt (a duplicate message) must not send it again
    check(SCHEMAS.result, "the result", result)


def test_an_attempt_after_one_that_began_sending_fails_for_good_without_sending() -> None:
    mailer, mark = FakeMailer(), EffectMark(marked=True)

    with pytest.raises(PermanentJobError) as failed:
        send_email.run(PAYLOAD, _job(mailer, mark))

    assert failed.value.code == "EMAIL_OUTCOME_UNKNOWN"
    assert mailer.sent == []


def test_an_email_ses_did_not_take_is_retried_and_sent_by_the_next_attempt() -> None:
    mailer, mark = FakeMailer(answers=[EmailNotSentError("throttled")]), EffectMark()

    with pytest.raises(EmailNotSentError):  # transient: the worker retries the job
        send_email.run(PAYLOAD, _job(mailer, mark))
    assert not mark.marked
    result = send_email.run(PAYLOAD, _job(mailer, mark))

    assert result["message_id"] == "message-1"
    assert len(mailer.sent) == 1


def test_an_email_that_may_have_been_sent_ends_the_job_and_keeps_the_mark() -> None:
    mailer, mark = FakeMailer(answers=[EmailOutcomeUnknownError("read timeout")]), EffectMark()

    with pytest.raises(PermanentJobError) as failed:
        send_email.run(PAYLOAD, _job(mailer, mark))

    assert failed.value.code == "EMAIL_OUTCOME_UNKNOWN"
    assert mark.marked


def test_a_refusal_ends_the_job_with_its_code() -> None:
    mailer = FakeMailer(answers=[EmailRefusedError("EMAIL_REJECTED", "Email address not verified")])

    with pytest.raises(PermanentJobError) as failed:
        send_email.run(PAYLOAD, _job(mailer, EffectMark()))

    assert (failed.value.code, failed.value.message) == ("EMAIL_REJECTED", "Email address not verified")


def test_a_deployment_without_a_sender_fails_the_job_for_good() -> None:
    job = JobContext("0b6c7d2e-8f1a-4c3b-9d5e-6f7a8b9c0d1e", FakeFileStore())  # the default mailer: none

    with pytest.raises(PermanentJobError) as failed:
        send_email.run(PAYLOAD, job)

    assert failed.value.code == "EMAIL_NOT_CONFIGURED"


@given(from_schema(schema_of(SCHEMAS.input)))
def test_every_valid_payload_sends_one_email_to_each_recipient_and_a_valid_result(payload: Any) -> None:
    mailer = FakeMailer()

    result = send_email.run(payload, _job(mailer, EffectMark()))

    ([email],) = [mailer.sent]
    assert list(email.to) == payload["to"]
    assert result["recipients"] == len(payload["to"])
    check(SCHEMAS.result, "the result", result)
