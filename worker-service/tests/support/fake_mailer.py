"""A Mailer that keeps what it sends, or answers as SES may instead."""

from dataclasses import dataclass, field

from conveyor_worker.job_types.context import Email


@dataclass
class FakeMailer:
    sent: list[Email] = field(default_factory=list)
    answers: list[Exception] = field(default_factory=list)
    """Raised by the next sends, one each, before any is sent."""

    def send(self, email: Email) -> str:
        if self.answers:
            raise self.answers.pop(0)
        self.sent.append(email)
        return f"message-{len(self.sent)}"
