"""Submit → QUEUED → IN_PROGRESS → SUCCEEDED for each job type, over HTTP, against the moto server."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError

from tests.support import contract
from tests.support.stack import JOB_RETENTION_DAYS, Stack

CASES = [
    (
        "text_transform",
        {"text": "Hello, Conveyor!"},
        {"length": 16, "uppercase": "HELLO, CONVEYOR!", "word_count": 2},
    ),
    (
        "data_analysis",
        {"data": [1, 2, 3, 4]},
        {
            "count": 4,
            "sum": 10,
            "mean": 2.5,
            "median": 2.5,
            "min": 1,
            "max": 4,
            "stdev": pytest.approx(1.118033988749895),
            "p90": pytest.approx(3.7),
            "p99": pytest.approx(3.97),
        },
    ),
]


def _run_worker_until_idle(stack: Stack) -> None:
    worker = stack.worker()
    while worker.poll_once().received:
        pass


@pytest.mark.parametrize(("job_type", "payload", "expected_result"), CASES, ids=[case[0] for case in CASES])
def test_submitted_job_runs_to_succeeded(
    stack: Stack, job_type: str, payload: dict[str, Any], expected_result: dict[str, Any]
) -> None:
    accepted = stack.submit(job_type, payload)

    assert accepted.status == 202
    record = accepted.json()
    contract.validator("job-record").validate(record)
    assert record["status"] == "QUEUED"
    assert record["attempts"] == 0
    assert accepted.headers["location"] == f"/jobs/{record['job_id']}"
    assert stack.status(record["job_id"]).json()["status"] == "QUEUED"

    _run_worker_until_idle(stack)

    finished = stack.status(record["job_id"])
    assert finished.status == 200
    final = finished.json()
    contract.validator("job-record").validate(final)
    assert final["status"] == "SUCCEEDED"
    assert final["result"] == expected_result
    assert final["attempts"] == 1
    assert final["error"] is None
    assert record["created_at"] <= final["started_at"] <= final["finished_at"] == final["updated_at"]
    assert stack.job_runs[job_type] == 1
    assert stack.queued_messages() == 0


def test_job_ids_are_random_uuid4s(stack: Stack) -> None:
    ids = {stack.submit("text_transform", {"text": "x"}).json()["job_id"] for _ in range(5)}

    assert len(ids) == 5
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids
    )


def test_stored_item_and_message_follow_the_contract(stack: Stack) -> None:
    job_id = stack.submit("text_transform", {"text": "contract"}).json()["job_id"]

    (item,) = stack.items()
    plain_item = {name: _plain(value) for name, value in item.items()}
    contract.validator("job-item").validate(plain_item)
    assert plain_item["job_id"] == job_id
    (body,) = stack.message_bodies(stack.resources.queue_url)
    contract.validator("job-message").validate(json.loads(body))
    assert json.loads(body)["job_id"] == job_id


def _refuses(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    raise PermanentJobError("TEXT_REFUSED", "this text cannot be transformed")


@pytest.mark.parametrize("outcome", ["SUCCEEDED", "FAILED"])
def test_a_finished_job_expires_its_retention_after_it_finished_and_the_api_still_serves_it(
    stack: Stack, outcome: str
) -> None:
    if outcome == "FAILED":
        stack.replace_job("text_transform", _refuses)
    job_id = stack.submit("text_transform", {"text": "retention"}).json()["job_id"]

    _run_worker_until_idle(stack)

    (item,) = stack.items()
    plain_item = {name: _plain(value) for name, value in item.items()}
    contract.validator("job-item").validate(plain_item)
    assert (plain_item["status"], item["expires_at"].keys()) == (outcome, {"N"})
    # Epoch seconds, rounded up from the finish the item records: never earlier than a whole retention.
    finished_at = datetime.fromisoformat(plain_item["finished_at"])
    assert plain_item["expires_at"] == math.ceil(
        (finished_at + timedelta(days=JOB_RETENTION_DAYS)).timestamp()
    )
    served = stack.status(job_id)
    assert served.status == 200
    record = served.json()
    contract.validator("job-record").validate(record)
    # The record is unchanged: when the item will disappear is the table's business, not the client's.
    assert (record["status"], record["finished_at"], "expires_at" in record) == (
        outcome,
        plain_item["finished_at"],
        False,
    )


def _plain(value: dict[str, Any]) -> Any:
    ((kind, raw),) = value.items()
    if kind == "N":
        return int(raw) if raw.lstrip("-").isdigit() else float(raw)
    if kind == "M":
        return {name: _plain(inner) for name, inner in raw.items()}
    return raw
