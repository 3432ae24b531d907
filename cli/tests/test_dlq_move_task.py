"""conveyor dlq redrive on AWS: without --max, SQS moves the messages itself (StartMessageMoveTask) and the
command follows the task through ListMessageMoveTasks; where the endpoint has no move tasks, the loop does it.

moto has no move tasks (its server answers 500), so SQS's answers are botocore Stubber's, in the shapes SQS's
API documents; every call the command makes must be one the test expects, in order.
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner, Result
from fakes import FakeTime

from conveyor_cli.app import cli
from conveyor_cli.session import Runtime

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/conveyor-core-jobs-dlq"
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/conveyor-core-jobs"
DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:conveyor-core-jobs-dlq"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:conveyor-core-jobs"
TASK_HANDLE = "eyJ0YXNrSWQiOiJkYzE2OTUxZS0xMWJiLTRiNWQtYjA5Yi0xZTAwNGUyMjJmZjIifQ=="


@pytest.fixture
def client() -> "SQSClient":
    return boto3.client("sqs", region_name="eu-west-1")


@pytest.fixture
def sqs(client: "SQSClient") -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def redrive(client: "SQSClient", fake_time: FakeTime, *options: str, limit: int | None = None) -> Result:
    """`conveyor [OPTIONS] dlq redrive` with both queues' URLs, and `--max LIMIT` if given."""
    runtime = Runtime(sqs_client=lambda: client, sleep=fake_time.sleep)
    arguments = [*options, "dlq", "redrive", "--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL]
    arguments += [] if limit is None else ["--max", str(limit)]
    return CliRunner().invoke(cli, arguments, obj=runtime, catch_exceptions=False)


def expect_queue_arns(sqs: Stubber) -> None:
    for url, arn in ((DLQ_URL, DLQ_ARN), (QUEUE_URL, QUEUE_ARN)):
        sqs.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": arn}},
            {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
        )


def expect_task_started(sqs: Stubber) -> None:
    expect_queue_arns(sqs)
    sqs.add_response(
        "start_message_move_task",
        {"TaskHandle": TASK_HANDLE},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
    )


def expect_task_listed(sqs: Stubber, status: str, moved: int, to_move: int | None, **more: Any) -> None:
    task: dict[str, Any] = {
        "Status": status,
        "SourceArn": DLQ_ARN,
        "DestinationArn": QUEUE_ARN,
        "ApproximateNumberOfMessagesMoved": moved,
        "StartedTimestamp": 1796558970000,
        **more,
    }
    if to_move is not None:
        task["ApproximateNumberOfMessagesToMove"] = to_move
    if status == "RUNNING":  # SQS gives the handle of a running task only
        task["TaskHandle"] = TASK_HANDLE
    sqs.add_response("list_message_move_tasks", {"Results": [task]}, {"SourceArn": DLQ_ARN, "MaxResults": 1})


def expect_empty_dlq_received(sqs: Stubber, max_messages: int = 10) -> None:
    sqs.add_response(
        "receive_message",
        {},
        {"QueueUrl": DLQ_URL, "MaxNumberOfMessages": max_messages, "WaitTimeSeconds": 1},
    )


def test_sqs_moves_every_message_itself_and_the_command_shows_its_progress_until_it_completes(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime
) -> None:
    expect_task_started(sqs)
    expect_task_listed(sqs, "RUNNING", 0, None)
    expect_task_listed(sqs, "RUNNING", 10, 23)
    expect_task_listed(sqs, "RUNNING", 10, 23)
    expect_task_listed(sqs, "COMPLETED", 23, 23)

    result = redrive(client, fake_time)

    assert result.exit_code == 0
    assert result.stdout == f"moved 23 messages from {DLQ_URL} to {QUEUE_URL}\n"
    # A line each time SQS's counts change, on stderr; a look at the task a second.
    assert result.stderr == (
        "moved 0\nmoved 10 of 23\nmoved 23 of 23\n"
        "Re-delivered messages run only jobs still pending; to run a FAILED job again: conveyor retry ID\n"
    )
    assert fake_time.sleeps == [1.0, 1.0, 1.0]


def test_under_json_the_move_task_reports_its_count_and_method_and_no_progress(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime
) -> None:
    expect_task_started(sqs)
    expect_task_listed(sqs, "COMPLETED", 4, 4)

    result = redrive(client, fake_time, "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "moved": 4,
        "dlq_url": DLQ_URL,
        "queue_url": QUEUE_URL,
        "method": "StartMessageMoveTask",
    }
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("status", "more", "reason"),
    [
        ("FAILED", {"FailureReason": "AWS.SimpleQueueService.KmsAccessDenied"}, "failed: AWS.SimpleQueue"),
        ("CANCELLED", {}, "was cancelled"),
    ],
)
def test_a_move_task_that_ends_early_stops_the_command_with_what_moved_and_why(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime, status: str, more: dict[str, str], reason: str
) -> None:
    expect_task_started(sqs)
    expect_task_listed(sqs, "RUNNING", 7, 23)
    expect_task_listed(sqs, status, 9, 23, **more)

    result = redrive(client, fake_time, "--json")

    assert result.exit_code == 6
    problem = json.loads(result.stderr)
    assert (problem["type"], problem["moved"]) == ("urn:conveyor:cli:redrive-stopped", 9)
    assert reason in problem["detail"]


def test_losing_sight_of_the_task_says_how_many_had_moved(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime
) -> None:
    expect_task_started(sqs)
    expect_task_listed(sqs, "RUNNING", 12, 23)
    sqs.add_client_error("list_message_move_tasks", "AccessDenied", http_status_code=403)

    result = redrive(client, fake_time, "--json")

    assert result.exit_code == 5
    problem = json.loads(result.stderr)
    assert problem["moved"] == 12
    assert problem["detail"].startswith("moved 12 messages, then stopped: could not follow SQS's move task")


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("500", 500),
        ("InternalFailure", 500),
        ("UnknownOperationException", 400),
        ("UnsupportedOperation", 400),
    ],
)
def test_an_endpoint_without_move_tasks_gets_the_receive_send_delete_loop(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime, code: str, http_status: int
) -> None:
    expect_queue_arns(sqs)
    sqs.add_client_error("start_message_move_task", code, http_status_code=http_status)
    expect_empty_dlq_received(sqs)

    result = redrive(client, fake_time, "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["method"] == "receive-send-delete"


def test_a_refused_move_task_is_an_error_not_a_reason_to_move_by_hand(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime
) -> None:
    # Without sqs:StartMessageMoveTask, the caller's rights are what the operator must see, not a slower path.
    expect_queue_arns(sqs)
    sqs.add_client_error("start_message_move_task", "AccessDenied", http_status_code=403)

    result = redrive(client, fake_time, "--json")

    assert result.exit_code == 5
    assert json.loads(result.stderr)["moved"] == 0


def test_max_moves_by_hand_without_asking_for_a_move_task(
    sqs: Stubber, client: "SQSClient", fake_time: FakeTime
) -> None:
    expect_empty_dlq_received(sqs, max_messages=5)

    result = redrive(client, fake_time, "--json", limit=5)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["method"] == "receive-send-delete"
