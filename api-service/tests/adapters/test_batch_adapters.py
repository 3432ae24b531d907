"""The batch calls of the store and the queue: what moto stores and queues, what DynamoDB leaves unprocessed
and SQS lists as failed, and a call that fails: only what is certainly written or sent is reported so."""

import json
import uuid

import boto3
from botocore.config import Config
from botocore.stub import Stubber

from conveyor_api.models import JobItem, JobMessage
from conveyor_api.queue.sqs import SqsJobPublisher
from conveyor_api.store.dynamo import BATCH_WRITE_ATTEMPTS, DynamoJobStore
from tests.adapters.conftest import Aws, stored_items

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"


def _item(n: int) -> JobItem:
    return JobItem(
        job_id=str(uuid.uuid4()),
        job_type="text_transform",
        status="QUEUED",
        created_at="2026-11-24T17:05:09.123Z",
        updated_at="2026-11-24T17:05:09.123Z",
        attempts=0,
        payload=json.dumps({"text": f"job {n}"}),
    )


def _message(item: JobItem) -> JobMessage:
    return JobMessage(
        contract_version="1", job_id=item.job_id, job_type=item.job_type, submitted_at=item.created_at
    )


def _put(item: JobItem) -> dict[str, object]:
    return {
        "PutRequest": {
            "Item": {
                name: ({"N": str(v)} if isinstance(v, int) else {"S": v})
                for name, v in item.to_document().items()
            }
        }
    }


def test_25_new_jobs_are_stored_in_one_batch_and_read_back_as_written(aws: Aws) -> None:
    items = [_item(n) for n in range(25)]
    store = DynamoJobStore(aws.dynamodb, aws.table_name)

    stored = store.put_new_many(items)

    assert stored == {item.job_id for item in items}
    assert len(stored_items(aws)) == 25
    assert store.get_many([item.job_id for item in items]) == {item.job_id: item for item in items}


def test_puts_left_unprocessed_are_sent_again_until_stored() -> None:
    client = boto3.client("dynamodb")
    items = [_item(n) for n in range(3)]
    sleeps: list[float] = []
    store = DynamoJobStore(client, "jobs", sleep=sleeps.append)
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_write_item",
            {"UnprocessedItems": {"jobs": [_put(items[1]), _put(items[2])]}},
            {"RequestItems": {"jobs": [_put(item) for item in items]}},
        )
        stubber.add_response(
            "batch_write_item",
            {"UnprocessedItems": {"jobs": [_put(items[2])]}},
            {"RequestItems": {"jobs": [_put(items[1]), _put(items[2])]}},
        )
        stubber.add_response("batch_write_item", {}, {"RequestItems": {"jobs": [_put(items[2])]}})

        assert store.put_new_many(items) == {item.job_id for item in items}
        stubber.assert_no_pending_responses()
    assert len(sleeps) == 2


def test_puts_still_unprocessed_after_every_attempt_are_not_reported_stored() -> None:
    client = boto3.client("dynamodb")
    items = [_item(n) for n in range(2)]
    store = DynamoJobStore(client, "jobs", sleep=lambda _: None)
    with Stubber(client) as stubber:
        stubber.add_response(
            "batch_write_item",
            {"UnprocessedItems": {"jobs": [_put(items[1])]}},
            {"RequestItems": {"jobs": [_put(item) for item in items]}},
        )
        for _ in range(BATCH_WRITE_ATTEMPTS - 1):
            stubber.add_response(
                "batch_write_item",
                {"UnprocessedItems": {"jobs": [_put(items[1])]}},
                {"RequestItems": {"jobs": [_put(items[1])]}},
            )

        assert store.put_new_many(items) == {items[0].job_id}
        stubber.assert_no_pending_responses()


def test_a_batch_write_that_fails_is_never_sent_again_by_the_store_or_by_botocore() -> None:
    # Its puts may have landed; sent again after a worker claimed one, a put would overwrite the claim.
    client = boto3.client("dynamodb")
    unretried = boto3.client(
        "dynamodb",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    items = [_item(n) for n in range(2)]
    store = DynamoJobStore(client, "jobs", unretried_client=unretried, sleep=lambda _: None)
    with Stubber(unretried) as stubber:
        stubber.add_client_error("batch_write_item", "InternalServerError", http_status_code=500)

        assert store.put_new_many(items) == set()
        stubber.assert_no_pending_responses()


def test_25_messages_go_in_three_calls_and_each_is_the_job_message(aws: Aws) -> None:
    items = [_item(n) for n in range(25)]
    calls: list[str] = []
    aws.sqs.meta.events.register("before-call.sqs.SendMessageBatch", lambda **_: calls.append("batch"))

    sent = SqsJobPublisher(aws.sqs, aws.queue_url).publish_many([_message(item) for item in items])

    assert sent == {item.job_id for item in items}
    assert calls == ["batch"] * 3
    bodies = []
    while batch := aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(message["Body"]) for message in batch]
        aws.sqs.delete_message_batch(
            QueueUrl=aws.queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
        )
    assert sorted(bodies, key=lambda body: body["job_id"]) == sorted(
        (_message(item).to_document() for item in items), key=lambda body: str(body["job_id"])
    )


def test_messages_sqs_lists_as_failed_and_those_of_a_failed_call_are_not_sent_nor_any_after_it() -> None:
    client = boto3.client("sqs")
    items = [_item(n) for n in range(25)]
    messages = [_message(item) for item in items]
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_message_batch",
            {
                "Successful": [
                    {"Id": str(n), "MessageId": f"m{n}", "MD5OfMessageBody": "x"} for n in range(10) if n != 4
                ],
                "Failed": [{"Id": "4", "SenderFault": False, "Code": "InternalError"}],
            },
        )
        stubber.add_client_error("send_message_batch", "RequestThrottled", http_status_code=400)

        sent = SqsJobPublisher(client, QUEUE_URL).publish_many(messages)

        stubber.assert_no_pending_responses()
    assert sent == {item.job_id for n, item in enumerate(items) if n < 10 and n != 4}
