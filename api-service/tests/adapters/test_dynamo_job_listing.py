"""GET /jobs over moto's jobs table with the four listing indexes: which index each filter queries, what each
page costs, pagination, the lagging-index leave-out, and BatchGetItem's unprocessed keys."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from conveyor_api.contract import job_types
from conveyor_api.handlers.http import Handler, build_handler
from conveyor_api.jobs.cursors import PagePosition
from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.jobs.listing_indexes import ListingIndex
from conveyor_api.settings import Settings
from conveyor_api.store.dynamo import BATCH_GET_ATTEMPTS, BATCH_GET_BACKOFF_SECONDS, DynamoJobStore
from tests.adapters.conftest import Aws
from tests.support.events import DEMO_ORIGIN, get_job, list_jobs, post_job_request, signed_in
from tests.support.owned_items import owned_item

ALICE = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
BOB = "0b6e1f3a-2c4d-4e5f-9a8b-7c6d5e4f3a2b"


class Calls:
    """Every DynamoDB operation the handler's client makes, with its parameters."""

    def __init__(self, aws: Aws) -> None:
        self.made: list[tuple[str, dict[str, Any]]] = []
        aws.dynamodb.meta.events.register("provide-client-params.dynamodb.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.made.append((model.name, dict(params)))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.made]


@pytest.fixture
def handler(aws: Aws) -> Handler:
    settings = Settings(
        jobs_table_name=aws.table_name,
        jobs_queue_url=aws.queue_url,
        idempotency_table_name=aws.idempotency_table_name,
        cors_allow_origin=DEMO_ORIGIN,
        files_bucket_name=aws.files_bucket_name,
        auth_mode="jwt",
        powertools_service_name="conveyor-api-adapters",
        powertools_metrics_namespace="ConveyorAdapters",
        payload_inline_max_bytes=4096,
        job_types_parameter_name="/conveyor-adapters/worker/job-types",
        job_retention_days=30,
    )
    return build_handler(settings, dynamodb_client=aws.dynamodb, sqs_client=aws.sqs, s3_client=aws.s3)


def _store(aws: Aws) -> DynamoJobStore:
    return DynamoJobStore(aws.dynamodb, aws.table_name)


def _list(handler: Handler, query: str = "", sub: str = ALICE) -> dict[str, Any]:
    response = handler(signed_in(list_jobs(query), sub), None)
    assert response["statusCode"] == 200, response["body"]
    page: dict[str, Any] = json.loads(response["body"])
    return page


STATUSES = ("QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED")
JOB_TYPES = job_types()  # the contract's catalogue: one partition each


@pytest.mark.parametrize(
    ("query", "index", "keys"),
    [
        ("", "by_owner", [("owner", ALICE)]),
        (
            "job_type=text_transform",
            "by_owner_type_status",
            [("owner_type_status", f"{ALICE}#text_transform#{status}") for status in STATUSES],
        ),
        (
            "status=QUEUED",
            "by_owner_type_status",
            [("owner_type_status", f"{ALICE}#{job_type}#QUEUED") for job_type in JOB_TYPES],
        ),
        (
            "status=QUEUED&job_type=text_transform&limit=7",
            "by_owner_type_status",
            [("owner_type_status", f"{ALICE}#text_transform#QUEUED")],
        ),
    ],
)
def test_a_page_is_a_newest_first_query_of_each_partition_its_filters_name_and_one_batch_read_never_a_scan(
    aws: Aws, handler: Handler, query: str, index: str, keys: list[tuple[str, str]]
) -> None:
    item = owned_item(ALICE, 1)
    _store(aws).put_new(item)
    calls = Calls(aws)

    page = _list(handler, query)

    assert [job["job_id"] for job in page["jobs"]] == [item.job_id]
    assert calls.names == ["Query"] * len(keys) + ["BatchGetItem"]
    *queries, (_, batch_params) = calls.made
    assert [
        (params["IndexName"], params["ExpressionAttributeNames"]["#key"], params["ExpressionAttributeValues"])
        for _, params in queries
    ] == [(index, attribute, {":key": {"S": value}}) for attribute, value in keys]
    assert {(params["ScanIndexForward"], params["Limit"]) for _, params in queries} == {
        (False, 7 if "limit=7" in query else 20)
    }
    assert batch_params["RequestItems"] == {
        aws.table_name: {"Keys": [{"job_id": {"S": item.job_id}}], "ConsistentRead": True}
    }


def test_a_merged_page_is_the_newest_of_every_partition_and_its_cursor_continues_each(
    aws: Aws, handler: Handler
) -> None:
    store = _store(aws)
    items = [
        owned_item(ALICE, minute, job_type=job_type, status=status)
        for minute, (job_type, status) in enumerate(
            [("text_transform", "QUEUED"), ("data_analysis", "SUCCEEDED"), ("text_transform", "FAILED")] * 3
        )
    ]
    for item in items:
        store.put_new(item)
    newest_first = [item.job_id for item in reversed(items)]

    pages = [_list(handler, "limit=4")]
    while pages[-1]["next_cursor"] is not None:
        pages.append(_list(handler, f"limit=4&cursor={pages[-1]['next_cursor']}"))
    typed = [_list(handler, "job_type=text_transform&limit=4")]
    typed.append(_list(handler, f"job_type=text_transform&limit=4&cursor={typed[0]['next_cursor']}"))

    assert [job["job_id"] for page in pages for job in page["jobs"]] == newest_first
    text_jobs = [item.job_id for item in reversed(items) if item.job_type == "text_transform"]
    assert [job["job_id"] for page in typed for job in page["jobs"]] == text_jobs
    assert typed[1]["next_cursor"] is None


def test_a_job_submitted_by_a_signed_in_caller_is_listed_as_get_reads_it(handler: Handler) -> None:
    submitted = handler(
        signed_in(post_job_request({"job_type": "text_transform", "payload": {"text": "x"}}), ALICE), None
    )
    record = json.loads(submitted["body"])

    assert _list(handler) == {"jobs": [record], "next_cursor": None}
    assert _list(handler, "status=QUEUED&job_type=text_transform")["jobs"] == [record]
    assert _list(handler, sub=BOB)["jobs"] == []
    assert handler(signed_in(get_job(record["job_id"]), BOB), None)["statusCode"] == 404


def test_cursors_walk_every_page_once_newest_first(aws: Aws, handler: Handler) -> None:
    items = [owned_item(ALICE, minute) for minute in range(7)]
    for item in [*items, owned_item(BOB, 30)]:
        _store(aws).put_new(item)

    pages = [_list(handler, "limit=3")]
    while pages[-1]["next_cursor"] is not None:
        pages.append(_list(handler, f"limit=3&cursor={pages[-1]['next_cursor']}"))

    listed = [job["job_id"] for page in pages for job in page["jobs"]]
    assert listed == [item.job_id for item in reversed(items)]
    assert len(pages) == 3


def test_an_item_whose_status_moved_on_is_left_out_while_its_index_entry_lags(
    aws: Aws, handler: Handler
) -> None:
    stays, moved = owned_item(ALICE, 1), owned_item(ALICE, 2)
    for item in (stays, moved):
        _store(aws).put_new(item)
    # The worker's claim, as the table has it, while the status indexes still hold the QUEUED keys.
    aws.dynamodb.update_item(
        TableName=aws.table_name,
        Key={"job_id": {"S": moved.job_id}},
        UpdateExpression="SET #status = :running, started_at = :now, attempts = :one",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":running": {"S": "IN_PROGRESS"},
            ":now": {"S": moved.created_at},
            ":one": {"N": "1"},
        },
    )

    assert [job["job_id"] for job in _list(handler, "status=QUEUED")["jobs"]] == [stays.job_id]
    assert [job["status"] for job in _list(handler)["jobs"]] == ["IN_PROGRESS", "QUEUED"]


def _page_query_response(*job_ids: str) -> dict[str, Any]:
    return {
        "Items": [{"job_id": {"S": job_id}} for job_id in job_ids],
        "Count": len(job_ids),
        "ScannedCount": 0,
    }


def test_unprocessed_keys_are_read_again_after_a_pause_until_none_are_left() -> None:
    client = boto3.client("dynamodb")
    pauses: list[float] = []
    store = DynamoJobStore(client, "jobs", sleep=pauses.append)
    first, second = owned_item(ALICE, 1), owned_item(ALICE, 2)
    attributes = {
        item.job_id: {
            name: ({"S": value} if isinstance(value, str) else {"N": str(value)})
            for name, value in item.to_document().items()
        }
        for item in (first, second)
    }
    keys = {job_id: {"job_id": {"S": job_id}} for job_id in attributes}
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_get_item",
            {
                "Responses": {"jobs": [attributes[first.job_id]]},
                "UnprocessedKeys": {"jobs": {"Keys": [keys[second.job_id]], "ConsistentRead": True}},
            },
            {"RequestItems": {"jobs": {"Keys": list(keys.values()), "ConsistentRead": True}}},
        )
        stubber.add_response(
            "batch_get_item",
            {"Responses": {"jobs": [attributes[second.job_id]]}, "UnprocessedKeys": {}},
            {"RequestItems": {"jobs": {"Keys": [keys[second.job_id]], "ConsistentRead": True}}},
        )

        found = store.get_many([first.job_id, second.job_id])

        stubber.assert_no_pending_responses()
    assert found == {first.job_id: first, second.job_id: second}
    assert len(pauses) == 1


def test_keys_still_unprocessed_after_every_retry_are_backend_unavailable() -> None:
    client = boto3.client("dynamodb")
    pauses: list[float] = []
    store = DynamoJobStore(client, "jobs", sleep=pauses.append)
    key = {"job_id": {"S": "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"}}
    with Stubber(client) as stubber:
        for _ in range(BATCH_GET_ATTEMPTS):
            stubber.add_response(
                "batch_get_item",
                {
                    "Responses": {"jobs": []},
                    "UnprocessedKeys": {"jobs": {"Keys": [key], "ConsistentRead": True}},
                },
            )

        with pytest.raises(BackendUnavailableError):
            store.get_many(["3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"])

        stubber.assert_no_pending_responses()
    assert len(pauses) == BATCH_GET_ATTEMPTS - 1
    # Full jitter: each pause is at most twice the bound of the one before.
    assert all(0 <= pause <= BATCH_GET_BACKOFF_SECONDS * 2**n for n, pause in enumerate(pauses))


def test_a_cursor_position_continues_in_the_callers_partition_only() -> None:
    client = boto3.client("dynamodb")
    store = DynamoJobStore(client, "jobs")
    index = ListingIndex("by_owner", "owner", BOB)
    position = PagePosition("2026-11-24T17:05:09.123Z", "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d")
    with Stubber(client) as stubber:
        stubber.add_response(
            "query",
            _page_query_response(),
            {
                "TableName": "jobs",
                "IndexName": "by_owner",
                "KeyConditionExpression": "#key = :key",
                "ExpressionAttributeNames": {"#key": "owner"},
                "ExpressionAttributeValues": {":key": {"S": BOB}},
                "ScanIndexForward": False,
                "Limit": 5,
                "ExclusiveStartKey": {
                    "job_id": {"S": position.job_id},
                    "created_at": {"S": position.created_at},
                    "owner": {"S": BOB},
                },
            },
        )

        assert store.index_page(index, limit=5, after=position).positions == []


@pytest.mark.parametrize("operation", ["query", "batch_get_item"])
def test_aws_errors_while_listing_are_backend_unavailable(operation: str) -> None:
    client = boto3.client("dynamodb")
    store = DynamoJobStore(client, "jobs")
    calls: dict[str, Callable[[], object]] = {
        "query": lambda: store.index_page(ListingIndex("by_owner", "owner", ALICE), limit=1, after=None),
        "batch_get_item": lambda: store.get_many(["3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"]),
    }
    with Stubber(client) as stubber:
        stubber.add_client_error(operation, "ProvisionedThroughputExceededException", http_status_code=400)

        with pytest.raises(BackendUnavailableError):
            calls[operation]()


def test_a_missing_table_answers_listing_503(aws: Aws) -> None:
    settings_handler = build_handler(
        Settings(
            jobs_table_name="no-such-table",
            jobs_queue_url=aws.queue_url,
            idempotency_table_name=aws.idempotency_table_name,
            cors_allow_origin=DEMO_ORIGIN,
            files_bucket_name=aws.files_bucket_name,
            auth_mode="jwt",
            powertools_service_name="conveyor-api-adapters",
            powertools_metrics_namespace="ConveyorAdapters",
            payload_inline_max_bytes=4096,
            job_types_parameter_name="/conveyor-adapters/worker/job-types",
            job_retention_days=30,
        ),
        dynamodb_client=aws.dynamodb,
        sqs_client=aws.sqs,
        s3_client=aws.s3,
    )

    assert settings_handler(signed_in(list_jobs(), ALICE), None)["statusCode"] == 503
