"""What only the DynamoDB ledger can get wrong: the item Powertools writes, its lifetime, and AWS errors."""

import hashlib
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.submit_once import FirstUse, Replay
from conveyor_api.models import JobRecord, JobRequest
from tests.adapters.conftest import Aws, idempotency_items

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1" / "job-record" / "valid"
JOB = JobRecord.from_document(json.loads((EXAMPLES / "queued.json").read_text()))
REQUEST = JobRequest(job_type="text_transform", payload={"text": "Hello, Conveyor!"})
DAY_SECONDS = 24 * 60 * 60


TIME_LEFT = timedelta(seconds=10)


def _ledger(aws: Aws, table_name: str | None = None) -> DynamoSubmissionLedger:
    return DynamoSubmissionLedger(aws.dynamodb, table_name or aws.idempotency_table_name)


def _first_use_stores(ledger: DynamoSubmissionLedger, job: JobRecord) -> None:
    assert ledger.claim("order-1", REQUEST, time_left=TIME_LEFT) == FirstUse()
    ledger.bind("order-1", REQUEST, job)


def test_a_used_key_is_one_item_holding_its_job_for_a_day_under_hashes_only(aws: Aws) -> None:
    before = int(time.time())

    _first_use_stores(_ledger(aws), JOB)

    [item] = idempotency_items(aws)
    key_hash = hashlib.sha256(b'"order-1"').hexdigest()
    assert item["id"] == {"S": f"POST /jobs#{key_hash}"}
    assert item["status"] == {"S": "COMPLETED"}
    assert json.loads(item["data"]["S"]) == JOB.to_document()
    assert before + DAY_SECONDS <= int(item["expiration"]["N"]) <= time.time() + DAY_SECONDS
    assert "order-1" not in json.dumps(item)
    assert "Hello, Conveyor!" not in json.dumps(item)


def test_missing_table_is_backend_unavailable(aws: Aws) -> None:
    with pytest.raises(BackendUnavailableError):
        _ledger(aws, "no-such-table").claim("order-1", REQUEST, time_left=TIME_LEFT)


def test_a_record_kept_before_records_had_result_url_replays_with_it_null(aws: Aws) -> None:
    _first_use_stores(_ledger(aws), JOB)
    [item] = idempotency_items(aws)
    older = {name: value for name, value in JOB.to_document().items() if name != "result_url"}
    aws.dynamodb.update_item(
        TableName=aws.idempotency_table_name,
        Key={"id": item["id"]},
        UpdateExpression="SET #data = :data",
        ExpressionAttributeNames={"#data": "data"},
        ExpressionAttributeValues={":data": {"S": json.dumps(older)}},
    )

    use = _ledger(aws).claim("order-1", REQUEST, time_left=TIME_LEFT)

    assert isinstance(use, Replay), "the job was stored again"
    replayed = use.job
    assert replayed == JOB
    assert replayed.result_url is None
