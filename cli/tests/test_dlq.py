"""conveyor dlq list and dlq redrive against SQS in moto: dead letters are shown without being consumed,
and go back to the jobs queue without being lost. moto has no message move tasks, so every redrive here is
the receive-send-delete loop; test_dlq_move_task.py has SQS's own."""

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from aws_faults import failing_calls
from click.testing import CliRunner, Result

from conveyor_cli.app import cli
from conveyor_cli.redrive import RedriveError, redrive

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

Run = Callable[..., Result]


@dataclass
class Queues:
    client: "SQSClient"
    url: str
    dlq_url: str

    def dead_letters(self, count: int) -> list[str]:
        bodies = [job_message(job_id=str(uuid.uuid4())) for _ in range(count)]
        for body in bodies:
            self.client.send_message(QueueUrl=self.dlq_url, MessageBody=body)
        return bodies

    def bodies(self, queue_url: str | None = None) -> list[str]:
        """Receives every visible message of the jobs queue (or of `queue_url`), leaving them in flight."""
        bodies: list[str] = []
        while messages := self.client.receive_message(
            QueueUrl=queue_url or self.url, MaxNumberOfMessages=10
        ).get("Messages", []):
            bodies += [message["Body"] for message in messages]
        return bodies

    def messages_in(self, queue_url: str) -> int:
        """Visible and in-flight messages alike."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(count) for count in attributes.values())

    def visible_in(self, queue_url: str) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])


def job_message(*, job_id: str, job_type: str = "text_transform") -> str:
    """A body as contracts/v1/job-message.schema.json describes it."""
    return json.dumps(
        {
            "contract_version": "1",
            "job_id": job_id,
            "job_type": job_type,
            "submitted_at": "2026-11-24T17:29:37.072Z",
        }
    )


@pytest.fixture
def no_move_tasks(sqs_client: "SQSClient") -> Iterator[None]:
    """StartMessageMoveTask as moto's server answers it, HTTP 500 (moto in process raises NotImplementedError,
    which no endpoint would)."""
    with failing_calls(sqs_client, "StartMessageMoveTask", code="500", status=500):
        yield


@pytest.fixture
def queues(sqs_client: "SQSClient") -> Queues:
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    return Queues(
        sqs_client,
        sqs_client.create_queue(QueueName=name)["QueueUrl"],
        sqs_client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"],
    )


# dlq list


def test_list_shows_each_dead_letters_job_and_leaves_it_in_the_queue(
    queues: Queues, run_with_sqs: Run
) -> None:
    job_id = str(uuid.uuid4())
    queues.client.send_message(
        QueueUrl=queues.dlq_url, MessageBody=job_message(job_id=job_id, job_type="image_resize")
    )

    result = run_with_sqs("dlq", "list", "--dlq-url", queues.dlq_url)

    assert result.exit_code == 0
    header, row = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert header == "JOB ID TYPE SUBMITTED (UTC) RECEIVES SENT (UTC)"
    assert row.startswith(f"{job_id} image_resize 2026-11-24 17:29:37 1 ")
    # Visible again at once: the next receive gets it, without waiting for a visibility timeout.
    assert queues.visible_in(queues.dlq_url) == 1


def test_list_under_json_gives_each_message_with_its_body_and_attributes(
    queues: Queues, run_with_sqs: Run
) -> None:
    bodies = queues.dead_letters(3)
    queues.client.send_message(QueueUrl=queues.dlq_url, MessageBody="not a job message")

    result = run_with_sqs("--json", "dlq", "list", "--dlq-url", queues.dlq_url)

    assert result.exit_code == 0
    messages = json.loads(result.stdout)["messages"]
    assert sorted(message["body"] for message in messages) == sorted([*bodies, "not a job message"])
    jobs = {message["job_id"]: message for message in messages if message["job_id"]}
    assert set(jobs) == {json.loads(body)["job_id"] for body in bodies}
    first = next(iter(jobs.values()))
    assert (first["job_type"], first["submitted_at"], first["receive_count"]) == (
        "text_transform",
        "2026-11-24T17:29:37.072Z",
        1,
    )
    assert first["sent_at"].endswith("Z")
    (stray,) = [message for message in messages if not message["job_id"]]
    assert (stray["job_type"], stray["submitted_at"]) == (None, None)
    assert queues.visible_in(queues.dlq_url) == 4


def test_list_reads_the_dlq_url_from_the_environment_and_max_bounds_it(
    queues: Queues, run_with_sqs: Run
) -> None:
    queues.dead_letters(15)

    result = run_with_sqs("--json", "dlq", "list", "--max", "12", env={"CONVEYOR_DLQ_URL": queues.dlq_url})

    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["messages"]) == 12
    assert queues.visible_in(queues.dlq_url) == 15


def test_listing_an_empty_dlq_says_so(queues: Queues, run_with_sqs: Run) -> None:
    result = run_with_sqs("dlq", "list", "--dlq-url", queues.dlq_url)

    assert (result.exit_code, result.stdout) == (0, "The dead-letter queue is empty.\n")


def test_listing_a_queue_that_does_not_exist_exits_4(queues: Queues, run_with_sqs: Run) -> None:
    result = run_with_sqs("--json", "dlq", "list", "--dlq-url", queues.dlq_url + "-gone")

    assert result.exit_code == 4
    problem = json.loads(result.stderr)
    assert problem["type"] == "urn:conveyor:cli:aws-error"


def test_listing_without_a_dlq_url_is_a_usage_error(run_with_sqs: Run) -> None:
    result = run_with_sqs("dlq", "list")

    assert result.exit_code == 2
    assert "--dlq-url" in result.stderr


# dlq redrive (moto's StartMessageMoveTask answers 500: conveyor_cli.redrive's loop)


@pytest.mark.usefixtures("no_move_tasks")
def test_every_dead_letter_moves_to_the_jobs_queue_and_the_command_stops_once_the_dlq_is_empty(
    queues: Queues, run_with_sqs: Run
) -> None:
    bodies = queues.dead_letters(23)  # more than two batches of ten

    result = run_with_sqs("dlq", "redrive", "--dlq-url", queues.dlq_url, "--queue-url", queues.url)

    assert result.exit_code == 0
    assert result.stdout == f"moved 23 messages from {queues.dlq_url} to {queues.url}\n"
    assert "conveyor retry ID" in result.stderr
    assert sorted(queues.bodies()) == sorted(bodies)
    assert queues.messages_in(queues.dlq_url) == 0


@pytest.mark.usefixtures("no_move_tasks")
def test_redrive_reads_the_queue_urls_from_the_environment_and_reports_as_json(
    queues: Queues, run_with_sqs: Run
) -> None:
    queues.dead_letters(2)

    result = run_with_sqs(
        "--json", "dlq", "redrive", env={"CONVEYOR_DLQ_URL": queues.dlq_url, "CONVEYOR_QUEUE_URL": queues.url}
    )

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "moved": 2,
        "dlq_url": queues.dlq_url,
        "queue_url": queues.url,
        "method": "receive-send-delete",
    }


def test_max_bounds_how_many_move_and_the_rest_stay_in_the_dlq(queues: Queues) -> None:
    queues.dead_letters(15)

    redriven = redrive(queues.client, dlq_url=queues.dlq_url, queue_url=queues.url, max_messages=12)

    assert (redriven.moved, len(queues.bodies()), len(queues.bodies(queues.dlq_url))) == (12, 12, 3)


def test_an_empty_dlq_moves_nothing(queues: Queues, run_with_sqs: Run) -> None:
    result = run_with_sqs(
        "dlq", "redrive", "--dlq-url", queues.dlq_url, "--queue-url", queues.url, "--max", "5"
    )

    assert result.exit_code == 0
    assert result.stdout.startswith("moved 0 messages")


@pytest.mark.usefixtures("no_move_tasks")
def test_messages_the_jobs_queue_refuses_are_not_deleted_from_the_dlq(queues: Queues) -> None:
    queues.dead_letters(3)

    with failing_calls(queues.client, "SendMessageBatch"), pytest.raises(RedriveError, match="moved 0"):
        redrive(queues.client, dlq_url=queues.dlq_url, queue_url=queues.url)

    assert (queues.bodies(), queues.messages_in(queues.dlq_url)) == ([], 3)


@pytest.mark.usefixtures("no_move_tasks")
def test_a_failing_sqs_ends_the_command_with_how_many_moved_and_exit_code_6(
    queues: Queues, run_with_sqs: Run
) -> None:
    queues.dead_letters(3)

    with failing_calls(queues.client, "SendMessageBatch"):
        result = run_with_sqs("dlq", "redrive", "--dlq-url", queues.dlq_url, "--queue-url", queues.url)

    assert result.exit_code == 6
    assert result.stderr.startswith("conveyor: moved 0 messages, then stopped: ")


@pytest.mark.usefixtures("no_move_tasks")
def test_a_dlq_that_does_not_exist_exits_4(queues: Queues, run_with_sqs: Run) -> None:
    missing_dlq = queues.dlq_url + "-gone"

    result = run_with_sqs("--json", "dlq", "redrive", "--dlq-url", missing_dlq, "--queue-url", queues.url)

    assert result.exit_code == 4
    problem = json.loads(result.stderr)
    assert (problem["type"], problem["moved"]) == ("urn:conveyor:cli:redrive-stopped", 0)


@pytest.mark.usefixtures("no_move_tasks")
def test_refused_credentials_exit_5(queues: Queues, run_with_sqs: Run) -> None:
    queues.dead_letters(1)

    with failing_calls(queues.client, "ReceiveMessage", code="InvalidClientTokenId", status=403):
        result = run_with_sqs("dlq", "redrive", "--dlq-url", queues.dlq_url, "--queue-url", queues.url)

    assert result.exit_code == 5


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_max_must_be_a_positive_number(queues: Queues, run_with_sqs: Run, limit: str) -> None:
    result = run_with_sqs(
        "dlq", "redrive", "--dlq-url", queues.dlq_url, "--queue-url", queues.url, "--max", limit
    )

    assert result.exit_code == 2


def test_without_a_region_the_command_says_which_variable_to_set(
    monkeypatch: pytest.MonkeyPatch, queues: Queues
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)

    result = CliRunner().invoke(cli, ["dlq", "list", "--dlq-url", queues.dlq_url])

    assert result.exit_code == 2
    assert "You must specify a region. Set AWS_DEFAULT_REGION to the queue's region." in result.stderr


def test_without_credentials_the_command_exits_5(monkeypatch: pytest.MonkeyPatch) -> None:
    """No moto here: botocore looks for credentials before it sends anything, and finds none."""
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    dlq_url = "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs-dlq"

    result = CliRunner().invoke(cli, ["dlq", "list", "--dlq-url", dlq_url])

    assert result.exit_code == 5
    assert "Unable to locate credentials" in result.stderr


def test_redrive_help_says_it_re_delivers_messages_and_points_to_retry_for_failed_jobs(
    run_with_sqs: Run,
) -> None:
    result = run_with_sqs("dlq", "redrive", "--help")

    assert result.exit_code == 0
    assert "Re-deliver the DLQ's messages" in result.stdout
    assert "conveyor retry ID" in result.stdout
