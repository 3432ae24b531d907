"""Reading a job message from an SQS body, and what its age says."""

import json
from datetime import datetime, timedelta

from pydantic import ValidationError

from conveyor_worker.contract import ContractViolationError, check, load_contract
from conveyor_worker.jobs.errors import MalformedMessageError
from conveyor_worker.models.job_message import JobMessage


def parse_job_message(body: str) -> JobMessage:
    try:
        document = json.loads(body)
    except json.JSONDecodeError as not_json:
        raise MalformedMessageError(f"the message body is not JSON: {not_json}") from not_json
    try:
        check(load_contract().job_message, "the message body", document)
        return JobMessage.model_validate(document)
    except (ContractViolationError, ValidationError) as off_contract:
        raise MalformedMessageError(str(off_contract)) from off_contract


ORPHAN_MESSAGE_AGE = timedelta(seconds=60)
"""A message this old whose job is still not stored names a job that never will be: the API function that sent
it has timed out (after 10 s; API Gateway gives up on it after 30 s), so its write can no longer happen."""


def is_orphan_age(message: JobMessage, now: datetime) -> bool:
    """True once the API that sent `message` can no longer store its job (the API sends, then stores)."""
    return now - datetime.fromisoformat(message.submitted_at) >= ORPHAN_MESSAGE_AGE


def until_orphan_age(message: JobMessage, now: datetime) -> timedelta:
    return datetime.fromisoformat(message.submitted_at) + ORPHAN_MESSAGE_AGE - now
