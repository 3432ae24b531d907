"""Reading a job message from an SQS body."""

import json

from pydantic import ValidationError

from conveyor_worker.contract import ContractViolationError, check, load_contract
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.processing.errors import MalformedMessageError


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
