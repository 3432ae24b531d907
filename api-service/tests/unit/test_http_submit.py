"""POST /jobs through the handler, store and queue faked: what is answered, stored, sent and logged."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from conveyor_api.handlers.http import Handler
from conveyor_api.models import JobItem, JobMessage
from tests.support.events import DEMO_ORIGIN, post_job_request, post_jobs, post_jobs_base64
from tests.support.fakes import InMemoryJobStore, RecordingJobPublisher

TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _accepted_record(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 202, response["body"]
    assert response["headers"]["Content-Type"] == "application/json"
    record: dict[str, Any] = json.loads(response["body"])
    return record


def test_accepted_job_answers_202_with_its_queued_record_and_location(handler: Handler) -> None:
    response = handler(post_job_request(TEXT_REQUEST), None)

    record = _accepted_record(response)
    assert UUID4.match(record["job_id"])
    assert TIMESTAMP.match(record["created_at"])
    assert record == {
        "job_id": record["job_id"],
        "job_type": "text_transform",
        "status": "QUEUED",
        "created_at": record["created_at"],
        "updated_at": record["created_at"],
        "started_at": None,
        "finished_at": None,
        "attempts": 0,
        "result": None,
        "result_url": None,
        "error": None,
        "progress": None,
    }
    assert response["headers"]["Location"] == f"/jobs/{record['job_id']}"


def test_accepted_job_stores_exactly_the_queued_item(handler: Handler, store: InMemoryJobStore) -> None:
    record = _accepted_record(handler(post_job_request(TEXT_REQUEST), None))

    assert store.items == {
        record["job_id"]: {
            "job_id": record["job_id"],
            "job_type": "text_transform",
            "status": "QUEUED",
            "created_at": record["created_at"],
            "updated_at": record["created_at"],
            "attempts": 0,
            "payload": '{"text":"Hello, Conveyor!"}',
        }
    }


def test_accepted_job_sends_exactly_one_message_pointing_at_it(
    handler: Handler, publisher: RecordingJobPublisher
) -> None:
    record = _accepted_record(handler(post_job_request(TEXT_REQUEST), None))

    assert publisher.messages == [
        JobMessage(
            contract_version="1",
            job_id=record["job_id"],
            job_type="text_transform",
            submitted_at=record["created_at"],
        )
    ]


def test_payload_is_stored_as_compact_json_text_keeping_every_number(
    handler: Handler, store: InMemoryJobStore
) -> None:
    data = [3, 1.5, -2, 10000000000.0, 12345678901234567890, 0.1]
    record = _accepted_record(
        handler(post_job_request({"job_type": "data_analysis", "payload": {"data": data}}), None)
    )

    stored = JobItem.from_document(store.items[record["job_id"]])
    assert stored.payload == '{"data":[3,1.5,-2,10000000000.0,12345678901234567890,0.1]}'
    assert json.loads(stored.payload) == {"data": data}


def test_accepted_job_is_logged_with_its_id_type_and_status(
    handler: Handler, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    record = _accepted_record(handler(post_job_request(TEXT_REQUEST), None))

    accepted = [line for line in log_lines() if line.get("job_id") == record["job_id"]]
    assert len(accepted) == 1
    assert accepted[0]["job_type"] == "text_transform"
    assert accepted[0]["status"] == "QUEUED"
    assert accepted[0]["correlation_id"] == record["job_id"]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"]
)
def test_json_content_type_is_accepted_with_parameters_and_in_any_case(
    handler: Handler, content_type: str
) -> None:
    response = handler(post_jobs(json.dumps(TEXT_REQUEST), content_type=content_type), None)

    assert response["statusCode"] == 202


def test_base64_encoded_body_is_decoded(handler: Handler, store: InMemoryJobStore) -> None:
    body = json.dumps(
        {"job_type": "text_transform", "payload": {"text": "straße — 東京 🚀"}}, ensure_ascii=False
    )

    record = _accepted_record(handler(post_jobs_base64(body.encode("utf-8")), None))

    assert store.items[record["job_id"]]["payload"] == '{"text":"straße — 東京 🚀"}'


def test_duplicate_keys_are_accepted_and_the_last_one_wins(handler: Handler, store: InMemoryJobStore) -> None:
    body = '{"job_type": "data_analysis", "job_type": "text_transform", "payload": {"text": "hi"}}'

    record = _accepted_record(handler(post_jobs(body), None))

    assert record["job_type"] == "text_transform"


def test_accepted_job_carries_cors_headers_for_the_demo_origin(handler: Handler) -> None:
    response = handler(post_jobs(json.dumps(TEXT_REQUEST), origin=DEMO_ORIGIN), None)

    assert response["headers"]["Access-Control-Allow-Origin"] == DEMO_ORIGIN
    assert response["headers"]["Access-Control-Expose-Headers"] == "Location,Retry-After,ETag"


def test_other_origins_get_no_cors_headers(handler: Handler) -> None:
    response = handler(post_jobs(json.dumps(TEXT_REQUEST), origin="https://evil.example"), None)

    assert response["statusCode"] == 202
    assert "Access-Control-Allow-Origin" not in response["headers"]
