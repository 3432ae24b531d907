"""The SQS event source emulator against moto: Lambda's event shape and its partial-batch semantics."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pytest
from conveyor_local.lambda_runtime import LambdaContext
from conveyor_local.provision import ProvisionedResources
from conveyor_local.sqs_event_source import (
    InvalidBatchResponseError,
    PollResult,
    SqsEventSource,
    reported_failures,
)
from conveyor_local.waiting import wait_until

from tests.local.support import core_stack

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

# Redelivery after 1 s and the DLQ after 2 receives keep every retry scenario within a few seconds.
MAX_RECEIVE_COUNT = 2
RETRY_TIMEOUT_SECONDS = 15.0


@dataclass
class ToyWorker:
    """A handler whose result each test chooses, recording every record it is given."""

    result: Callable[[list[dict[str, Any]]], Any] = lambda _records: None
    records: list[dict[str, Any]] = field(default_factory=list)
    invocations: int = 0

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Any:
        self.invocations += 1
        self.records.extend(event["Records"])
        return self.result(event["Records"])

    def bodies_with_receive_count(self, count: int) -> list[str]:
        return [r["body"] for r in self.records if r["attributes"]["ApproximateReceiveCount"] == str(count)]


def fail_bodies(*bodies: str) -> Callable[[list[dict[str, Any]]], Any]:
    return lambda records: {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["body"] in bodies]
    }


@pytest.fixture
def queue(cloudformation: CloudFormationClient, dynamodb: DynamoDBClient) -> ProvisionedResources:
    return core_stack(
        cloudformation, dynamodb, visibility_timeout_seconds=1, max_receive_count=MAX_RECEIVE_COUNT
    )


@pytest.fixture
def worker() -> ToyWorker:
    return ToyWorker()


@pytest.fixture
def event_source(sqs: SQSClient, queue: ProvisionedResources, worker: ToyWorker) -> SqsEventSource:
    return SqsEventSource(
        sqs, worker, queue_url=queue.queue_url, queue_arn=queue.queue_arn, function_name="toy-worker"
    )


def send(sqs: SQSClient, queue: ProvisionedResources, *bodies: str) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=queue.queue_url, MessageBody=body)


def messages_in(sqs: SQSClient, queue_url: str) -> int:
    """Visible plus in-flight: what is still on the queue, without receiving (and so changing) it."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def poll_until(event_source: SqsEventSource, condition: Callable[[], bool], what: str) -> None:
    """Keep the event source polling (each poll long-polls up to 1 s) until `condition` holds."""

    def polled_and_done() -> bool:
        event_source.poll_once()
        return condition()

    wait_until(polled_and_done, timeout_seconds=RETRY_TIMEOUT_SECONDS, what=what)


def test_handler_gets_an_sqs_event_in_lambda_shape(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    sent = sqs.send_message(
        QueueUrl=queue.queue_url,
        MessageBody='{"job_id": "abc"}',
        MessageAttributes={
            "origin": {"DataType": "String", "StringValue": "test"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )

    assert event_source.poll_once() == PollResult(received=1, deleted=1, failed=0)

    [record] = worker.records
    assert record["messageId"] == sent["MessageId"]
    assert record["receiptHandle"]
    assert record["body"] == '{"job_id": "abc"}'
    assert record["md5OfBody"] == hashlib.md5(b'{"job_id": "abc"}').hexdigest()
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue.queue_arn
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    for name in ("SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"):
        assert record["attributes"][name]
    assert record["messageAttributes"]["origin"] == {
        "dataType": "String",
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
    }
    assert record["messageAttributes"]["blob"]["binaryValue"] == base64.b64encode(b"\x00\x01").decode()


def test_a_successful_batch_is_deleted(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    send(sqs, queue, "one", "two", "three")
    worker.result = lambda _records: {"batchItemFailures": []}

    result = event_source.poll_once()

    assert result == PollResult(received=3, deleted=3, failed=0)
    assert worker.invocations == 1
    assert messages_in(sqs, queue.queue_url) == 0


def test_reported_failures_stay_and_are_redelivered(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    send(sqs, queue, "ok-1", "fails", "ok-2")
    worker.result = fail_bodies("fails")

    assert event_source.poll_once() == PollResult(received=3, deleted=2, failed=1)

    worker.result = lambda _records: None
    poll_until(
        event_source, lambda: bool(worker.bodies_with_receive_count(2)), "the failed message redelivered"
    )
    assert worker.bodies_with_receive_count(2) == ["fails"]
    assert sorted(worker.bodies_with_receive_count(1)) == ["fails", "ok-1", "ok-2"]


def test_a_handler_exception_deletes_nothing(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    send(sqs, queue, "one", "two")

    def crash(_records: list[dict[str, Any]]) -> Any:
        raise RuntimeError("the whole invocation fails")

    worker.result = crash

    assert event_source.poll_once() == PollResult(received=2, deleted=0, failed=2)

    worker.result = lambda _records: None
    poll_until(
        event_source, lambda: len(worker.bodies_with_receive_count(2)) == 2, "the whole batch redelivered"
    )
    assert messages_in(sqs, queue.queue_url) == 0


def test_an_invalid_batch_response_deletes_nothing(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    send(sqs, queue, "one", "two")
    worker.result = lambda _records: {
        "batchItemFailures": [{"itemIdentifier": "not-a-message-of-this-batch"}]
    }

    assert event_source.poll_once() == PollResult(received=2, deleted=0, failed=2)
    assert messages_in(sqs, queue.queue_url) == 2


def test_a_message_failing_max_receive_count_times_ends_in_the_dlq(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    send(sqs, queue, "poison")
    worker.result = fail_bodies("poison")

    poll_until(
        event_source,
        lambda: messages_in(sqs, queue.dlq_url) == 1,
        "the message moved to the dead-letter queue",
    )

    assert worker.invocations == MAX_RECEIVE_COUNT
    assert messages_in(sqs, queue.queue_url) == 0
    [dead] = sqs.receive_message(QueueUrl=queue.dlq_url)["Messages"]
    assert dead["Body"] == "poison"


def test_run_processes_messages_until_stopped(
    sqs: SQSClient, queue: ProvisionedResources, event_source: SqsEventSource, worker: ToyWorker
) -> None:
    stop = threading.Event()
    poller = threading.Thread(target=event_source.run, args=(stop,))
    poller.start()
    try:
        send(sqs, queue, "hello")
        wait_until(
            lambda: worker.invocations == 1, timeout_seconds=RETRY_TIMEOUT_SECONDS, what="message handled"
        )
    finally:
        stop.set()
        poller.join(timeout=RETRY_TIMEOUT_SECONDS)

    assert not poller.is_alive()
    assert messages_in(sqs, queue.queue_url) == 0


def test_run_logs_aws_errors_and_keeps_polling(
    sqs: SQSClient, queue: ProvisionedResources, worker: ToyWorker, caplog: pytest.LogCaptureFixture
) -> None:
    missing_queue_url = queue.queue_url + "-missing"
    event_source = SqsEventSource(sqs, worker, queue_url=missing_queue_url, queue_arn=queue.queue_arn)
    stop = threading.Event()
    poller = threading.Thread(target=event_source.run, args=(stop,))

    with caplog.at_level(logging.WARNING, logger="conveyor_local.sqs_event_source"):
        poller.start()
        try:
            wait_until(
                lambda: any(missing_queue_url in message for message in caplog.messages),
                timeout_seconds=RETRY_TIMEOUT_SECONDS,
                what="the failed poll logged",
            )
            assert poller.is_alive()
        finally:
            stop.set()
            poller.join(timeout=RETRY_TIMEOUT_SECONDS)

    assert not poller.is_alive()


class ExplodingSqs:
    """An SQS client whose every call fails the way a bug in the poller itself would."""

    def receive_message(self, **_arguments: Any) -> Any:
        raise RuntimeError("not an AWS error")


def test_run_survives_unexpected_errors_and_logs_them(
    queue: ProvisionedResources, worker: ToyWorker, caplog: pytest.LogCaptureFixture
) -> None:
    broken_sqs = cast("SQSClient", ExplodingSqs())
    event_source = SqsEventSource(broken_sqs, worker, queue_url=queue.queue_url, queue_arn=queue.queue_arn)
    stop = threading.Event()
    poller = threading.Thread(target=event_source.run, args=(stop,))

    with caplog.at_level(logging.ERROR, logger="conveyor_local.sqs_event_source"):
        poller.start()
        try:
            wait_until(
                lambda: any(record.exc_info for record in caplog.records),
                timeout_seconds=RETRY_TIMEOUT_SECONDS,
                what="the failure logged with its traceback",
            )
            assert poller.is_alive()
        finally:
            stop.set()
            poller.join(timeout=RETRY_TIMEOUT_SECONDS)

    assert not poller.is_alive()


@pytest.mark.parametrize(
    "result",
    [None, {}, {"batchItemFailures": None}, {"batchItemFailures": []}, {"other": "keys"}],
)
def test_results_lambda_reads_as_complete_success(result: Any) -> None:
    assert reported_failures(result, ["a", "b"]) == set()


def test_listed_item_identifiers_are_the_failures() -> None:
    result = {"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]}

    assert reported_failures(result, ["a", "b", "c"]) == {"b", "c"}


@pytest.mark.parametrize(
    "result",
    [
        "not an object",
        ["a"],
        {"batchItemFailures": "a"},
        {"batchItemFailures": ["a"]},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"messageId": "a"}]},
        {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]},
    ],
)
def test_results_lambda_reads_as_complete_failure(result: Any) -> None:
    with pytest.raises(InvalidBatchResponseError):
        reported_failures(result, ["a", "b"])
