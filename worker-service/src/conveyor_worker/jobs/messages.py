"""Reading a job message from an SQS body, and what its age says."""

import json
from datetime import datetime, timedelta

from jsonschema.protocols import Validator
from pydantic import ValidationError

from conveyor_worker.contract import ContractViolationError, check, load_contract
from conveyor_worker.jobs.errors import MalformedMessageError, NewerJobError
from conveyor_worker.models.job_message import JobMessage

CONTRACT_MAJOR = 1
"""The contract major this worker reads: the `contract_version` of its job messages."""


def parse_job_message(body: str) -> JobMessage:
    """The job message in `body`; raises NewerJobError for a message of a job newer than this worker, and
    MalformedMessageError for any other that is not a job message."""
    try:
        document = json.loads(body)
    except json.JSONDecodeError as not_json:
        raise MalformedMessageError(f"the message body is not JSON: {not_json}") from not_json
    validator = load_contract().job_message
    if not validator.is_valid(document) and (newer := _newer_than_this_worker(document, validator)):
        raise newer
    try:
        check(validator, "the message body", document)
        return JobMessage.model_validate(document)
    except (ContractViolationError, ValidationError) as off_contract:
        raise MalformedMessageError(str(off_contract)) from off_contract


def _newer_than_this_worker(document: object, validator: Validator) -> NewerJobError | None:
    """A message that a newer contract allows: a later major, or this major with only a job type this
    worker's contract lacks (a newer API's, sent before this worker was updated)."""
    if not isinstance(document, dict):
        return None
    version = document.get("contract_version")
    if isinstance(version, str) and version.isascii() and version.isdigit() and int(version) > CONTRACT_MAJOR:
        return NewerJobError(f"its contract version {version} is newer than this worker's {CONTRACT_MAJOR}")
    job_type = document.get("job_type")
    if isinstance(job_type, str) and all(
        list(error.absolute_path) == ["job_type"] and error.validator == "enum"
        for error in validator.iter_errors(document)
    ):
        return NewerJobError(
            f"its job type {job_type!r} is not one this worker knows",
            job_id=document["job_id"],
            submitted_at=document["submitted_at"],
        )
    return None


ORPHAN_MESSAGE_AGE = timedelta(seconds=60)
"""A message this old whose job is still not stored names a job that never will be: the API function that sent
it has timed out (after 10 s; API Gateway gives up on it after 30 s), so its write can no longer happen."""


def is_orphan_age(message: JobMessage, now: datetime) -> bool:
    """True once the API that sent `message` can no longer store its job (the API sends, then stores)."""
    return now - datetime.fromisoformat(message.submitted_at) >= ORPHAN_MESSAGE_AGE


def until_orphan_age(message: JobMessage, now: datetime) -> timedelta:
    return datetime.fromisoformat(message.submitted_at) + ORPHAN_MESSAGE_AGE - now
