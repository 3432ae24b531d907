import json

import pytest

from conveyor_worker.jobs.errors import MalformedMessageError
from conveyor_worker.jobs.messages import parse_job_message
from tests.support.items import job_message_body

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"


def test_a_contract_message_is_read() -> None:
    message = parse_job_message(job_message_body(JOB_ID, "data_analysis"))

    assert (message.job_id, message.job_type, message.contract_version) == (JOB_ID, "data_analysis", "1")


def test_a_message_with_members_a_newer_api_added_is_read() -> None:
    body = json.loads(job_message_body(JOB_ID, "data_analysis")) | {"run_at": "2026-12-07T00:00:00Z", "x": 1}

    message = parse_job_message(json.dumps(body))

    assert (message.job_id, message.job_type) == (JOB_ID, "data_analysis")


def test_a_message_carrying_a_payload_is_malformed_the_message_only_points_at_the_job() -> None:
    body = json.loads(job_message_body(JOB_ID, "data_analysis")) | {"payload": {"values": [1]}}

    with pytest.raises(MalformedMessageError):
        parse_job_message(json.dumps(body))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("", "not JSON"),
        ("[1, 2", "not JSON"),
        ("[]", "is not of type 'object'"),
        (json.dumps({"contract_version": "1", "job_id": JOB_ID}), "'job_type' is a required property"),
    ],
    ids=["empty", "broken-json", "an-array", "missing-fields"],
)
def test_a_body_that_is_not_a_job_message_is_malformed(body: str, complaint: str) -> None:
    with pytest.raises(MalformedMessageError, match=complaint):
        parse_job_message(body)
