"""send_email: one email from the deployment's sender address (Amazon SES), sent at most once per job."""

from collections.abc import Mapping
from typing import Any

from conveyor_worker.job_types.context import (
    Email,
    EmailNotSentError,
    EmailOutcomeUnknownError,
    EmailRefusedError,
    JobContext,
)
from conveyor_worker.job_types.errors import PermanentJobError

JOB_TYPE = "send_email"

_MAYBE_SENT = "EMAIL_OUTCOME_UNKNOWN"


def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    email = Email(
        to=tuple(payload["to"]), subject=payload["subject"], text=payload["text"], html=payload.get("html")
    )
    # Marked before the request, so that no later attempt sends again after one that may have sent: a worker
    # that dies after SES took the email, or whose completion is lost, leaves the mark (at most once).
    if not job.start_effect():
        raise PermanentJobError(
            _MAYBE_SENT, "an earlier attempt began sending this email and did not finish: not sent again"
        )
    try:
        message_id = job.mailer.send(email)
    except EmailNotSentError:
        job.abandon_effect()
        raise  # transient: a retry may send it
    except EmailRefusedError as refused:
        raise PermanentJobError(refused.code, refused.message) from refused
    except EmailOutcomeUnknownError as unknown:
        raise PermanentJobError(
            _MAYBE_SENT, f"{unknown}; not sent again, as it may have been sent"
        ) from unknown
    return {"message_id": message_id, "recipients": len(email.to)}
