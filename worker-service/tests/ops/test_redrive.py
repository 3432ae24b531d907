"""conveyor-redrive against SQS in moto: dead letters go back to the jobs queue, none is lost."""

import pytest
from testkit.faults import failing_calls
from testkit.sqs import JobsQueue

from conveyor_worker.ops.redrive import RedriveError, main, redrive


def dead_letters(queue: JobsQueue, count: int) -> list[str]:
    bodies = [f'{{"n":{n}}}' for n in range(count)]
    for body in bodies:
        queue.client.send_message(QueueUrl=queue.dlq_url, MessageBody=body)
    return bodies


def messages_in(queue: JobsQueue, queue_url: str) -> int:
    """Visible and in-flight messages alike."""
    attributes = queue.client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(count) for count in attributes.values())


def test_every_dead_letter_moves_to_the_jobs_queue_and_the_command_stops_once_the_dlq_is_empty(
    jobs_queue: JobsQueue, capsys: pytest.CaptureFixture[str]
) -> None:
    bodies = dead_letters(jobs_queue, 23)  # more than two batches of ten

    exit_code = main(["--dlq-url", jobs_queue.dlq_url, "--queue-url", jobs_queue.url])

    assert exit_code == 0
    assert capsys.readouterr().out == f"moved 23 messages from {jobs_queue.dlq_url} to {jobs_queue.url}\n"
    assert sorted(jobs_queue.bodies()) == sorted(bodies)
    assert messages_in(jobs_queue, jobs_queue.dlq_url) == 0


def test_max_bounds_how_many_move_and_the_rest_stay_in_the_dlq(jobs_queue: JobsQueue) -> None:
    dead_letters(jobs_queue, 15)

    moved = redrive(jobs_queue.client, dlq_url=jobs_queue.dlq_url, queue_url=jobs_queue.url, max_messages=12)

    assert (moved, len(jobs_queue.bodies()), len(jobs_queue.bodies(jobs_queue.dlq_url))) == (12, 12, 3)


def test_an_empty_dlq_moves_nothing(jobs_queue: JobsQueue, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dlq-url", jobs_queue.dlq_url, "--queue-url", jobs_queue.url, "--max", "5"]) == 0
    assert capsys.readouterr().out.startswith("moved 0 messages")


def test_messages_the_jobs_queue_refuses_are_not_deleted_from_the_dlq(jobs_queue: JobsQueue) -> None:
    dead_letters(jobs_queue, 3)

    with failing_calls(jobs_queue.client, "SendMessageBatch"), pytest.raises(RedriveError, match="moved 0"):
        redrive(jobs_queue.client, dlq_url=jobs_queue.dlq_url, queue_url=jobs_queue.url)

    assert (jobs_queue.bodies(), messages_in(jobs_queue, jobs_queue.dlq_url)) == ([], 3)


def test_an_sqs_error_ends_the_command_with_a_message_and_a_failure_exit_code(
    jobs_queue: JobsQueue, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_dlq = jobs_queue.dlq_url + "-gone"

    exit_code = main(["--dlq-url", missing_dlq, "--queue-url", jobs_queue.url])

    assert exit_code == 1
    assert capsys.readouterr().err.startswith("conveyor-redrive: moved 0 messages, then stopped: ")


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_max_must_be_a_positive_number(jobs_queue: JobsQueue, limit: str) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--dlq-url", jobs_queue.dlq_url, "--queue-url", jobs_queue.url, "--max", limit])

    assert refused.value.code == 2
