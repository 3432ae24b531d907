import json

import pytest

from conveyor_worker.jobs.errors import MalformedMessageError
from conveyor_worker.jobs.messages import parse_job_message
from tests.support.items import job_message_body

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"


def test_a_contract_message_is_read() -> None:
    message = parse_job_message(job_message_body(JOB_ID, "data_analysis"))

    assert (message.job_id, message.job_type, message.contract_version) == (JOB_ID, "data_analysis", "1")


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
