"""What only the DynamoDB store can get wrong: attribute types, conditions, consistent reads, AWS errors."""

import json
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from conveyor_api.jobs.errors import BackendUnavailableError, JobAlreadyExistsError
from conveyor_api.models import JobItem
from conveyor_api.store.dynamo import DynamoJobStore, UnexpectedAttributeError
from tests.adapters.conftest import Aws, stored_items

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1" / "job-item" / "valid"
QUEUED_ITEM = JobItem.from_document(json.loads((EXAMPLES / "queued.json").read_text()))
JOB_ID = QUEUED_ITEM.job_id
QUEUED_ATTRIBUTES = {
    "job_id": {"S": JOB_ID},
    "job_type": {"S": "text_transform"},
    "status": {"S": "QUEUED"},
    "created_at": {"S": "2026-11-24T17:05:09.123Z"},
    "updated_at": {"S": "2026-11-24T17:05:09.123Z"},
    "attempts": {"N": "0"},
    "payload": {"S": '{"text":"Hello, Conveyor!"}'},
}
"""The queued example as DynamoDB attributes: payload as JSON text, numbers as N."""


def test_item_is_stored_with_payload_as_json_text_and_attempts_as_a_number(aws: Aws) -> None:
    DynamoJobStore(aws.dynamodb, aws.table_name).put_new(QUEUED_ITEM)

    assert stored_items(aws) == [QUEUED_ATTRIBUTES]


def test_error_is_stored_as_a_map(aws: Aws) -> None:
    in_progress = json.loads((EXAMPLES / "in-progress.json").read_text())
    failed = JobItem.from_document(
        in_progress
        | {
            "status": "FAILED",
            "finished_at": "2026-11-24T17:05:10.000Z",
            "error": {"code": "X", "message": "m"},
            "expires_at": 1798131910,
        }
    )

    DynamoJobStore(aws.dynamodb, aws.table_name).put_new(failed)

    [item] = stored_items(aws)
    assert item["error"] == {"M": {"code": {"S": "X"}, "message": {"S": "m"}}}


def test_a_finished_item_as_the_worker_leaves_it_reads_with_its_expiry_in_epoch_seconds(aws: Aws) -> None:
    # The worker's completion: the pending-only attributes removed, finished_at, result, and expires_at (N).
    succeeded = json.loads((EXAMPLES / "succeeded.json").read_text())
    attributes = QUEUED_ATTRIBUTES | {
        "status": {"S": "SUCCEEDED"},
        "updated_at": {"S": succeeded["updated_at"]},
        "started_at": {"S": succeeded["started_at"]},
        "finished_at": {"S": succeeded["finished_at"]},
        "attempts": {"N": "1"},
        "result": {"S": succeeded["result"]},
        "claim_token": {"S": succeeded["claim_token"]},
        "expires_at": {"N": "1798131910"},
    }
    aws.dynamodb.put_item(TableName=aws.table_name, Item=attributes)

    item = DynamoJobStore(aws.dynamodb, aws.table_name).get(JOB_ID)

    assert item == JobItem.from_document(succeeded)
    assert item is not None
    assert item.expires_at == 1798131910


def test_put_is_conditional_and_get_is_a_consistent_read() -> None:
    client = boto3.client("dynamodb")
    store = DynamoJobStore(client, "jobs")
    with Stubber(client) as stubber:
        stubber.add_response(
            "put_item",
            {},
            {
                "TableName": "jobs",
                "Item": QUEUED_ATTRIBUTES,
                "ConditionExpression": "attribute_not_exists(job_id)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        )
        stubber.add_response(
            "get_item", {}, {"TableName": "jobs", "Key": {"job_id": {"S": JOB_ID}}, "ConsistentRead": True}
        )

        store.put_new(QUEUED_ITEM)
        assert store.get(JOB_ID) is None
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("retries", "stored"), [(1, True), (0, False)], ids=["retried", "first-attempt"])
def test_a_put_refused_by_the_item_it_writes_stored_it_only_if_it_was_a_retry(
    retries: int, stored: bool
) -> None:
    # A retry after a timed-out first attempt that DynamoDB had applied meets that attempt's item.
    client = boto3.client("dynamodb")
    store = DynamoJobStore(client, "jobs")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "put_item",
            "ConditionalCheckFailedException",
            http_status_code=400,
            response_meta={"RetryAttempts": retries},
            modeled_fields={"Item": QUEUED_ATTRIBUTES},
        )

        if stored:
            store.put_new(QUEUED_ITEM)
        else:
            with pytest.raises(JobAlreadyExistsError):
                store.put_new(QUEUED_ITEM)


@pytest.mark.parametrize("operation", ["put_item", "get_item"])
def test_aws_error_is_backend_unavailable(operation: str) -> None:
    client = boto3.client("dynamodb")
    store = DynamoJobStore(client, "jobs")
    with Stubber(client) as stubber:
        stubber.add_client_error(operation, "ProvisionedThroughputExceededException", http_status_code=400)

        with pytest.raises(BackendUnavailableError):
            store.put_new(QUEUED_ITEM) if operation == "put_item" else store.get(JOB_ID)


def test_missing_table_is_backend_unavailable(aws: Aws) -> None:
    store = DynamoJobStore(aws.dynamodb, "no-such-table")

    with pytest.raises(BackendUnavailableError):
        store.put_new(QUEUED_ITEM)
    with pytest.raises(BackendUnavailableError):
        store.get(JOB_ID)


def test_unreachable_endpoint_is_backend_unavailable() -> None:
    # Port 9 on loopback refuses at once: a BotoCoreError without leaving the machine.
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1)
    client = boto3.client("dynamodb", endpoint_url="http://127.0.0.1:9", config=config)

    with pytest.raises(BackendUnavailableError):
        DynamoJobStore(client, "jobs").get(JOB_ID)


def test_attribute_of_a_type_the_contract_does_not_use_is_refused(aws: Aws) -> None:
    aws.dynamodb.put_item(
        TableName=aws.table_name, Item={"job_id": {"S": JOB_ID}, "attempts": {"BOOL": True}}
    )

    with pytest.raises(UnexpectedAttributeError):
        DynamoJobStore(aws.dynamodb, aws.table_name).get(JOB_ID)


def test_a_job_an_api_before_send_first_stored_in_the_sweep_index_still_reads(aws: Aws) -> None:
    # Such APIs put every job in the sweep index; the worker takes it out at its claim, but a waiting one
    # still has the keys when a newer API reads it.
    legacy = json.loads(
        (EXAMPLES / "queued-in-the-sweep-index-as-apis-before-send-first-stored-it.json").read_text()
    )
    aws.dynamodb.put_item(
        TableName=aws.table_name,
        Item=QUEUED_ATTRIBUTES | {"sweep_shard": {"N": "7"}, "sweep_at": {"N": str(legacy["sweep_at"])}},
    )

    item = DynamoJobStore(aws.dynamodb, aws.table_name).get(JOB_ID)

    assert item is not None
    assert item.to_document() == legacy
