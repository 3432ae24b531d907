"""The simulated queue of the long scenarios does what moto's SQS does, step by step, on the same clock.

Retention is the exception: moto keeps a message past it (and stops a receive there), where SQS deletes it;
the simulated queue deletes it, as SQS does, and its own test below says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3
import pytest
from moto import mock_aws

from tests.support.simulated_sqs import SimulatedQueue
from tests.support.simulated_time import sqs_on

VISIBILITY = timedelta(seconds=30)
RETENTION = timedelta(days=14)
MAX_RECEIVE_COUNT = 3


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Driver(Protocol):
    def send(self, body: str, *, delay_seconds: int = 0) -> None: ...
    def receive(self) -> list[tuple[str, int, str]]:
        """(body, receive count, receipt handle) of each message a receive of up to 10 returns."""
        ...

    def change_visibility(self, handle: str, seconds: int) -> None: ...
    def delete(self, handle: str) -> None: ...
    def dead_bodies(self) -> list[str]: ...


@dataclass
class Simulated:
    queue: SimulatedQueue
    dlq: SimulatedQueue

    def send(self, body: str, *, delay_seconds: int = 0) -> None:
        self.queue.send(body, delay=timedelta(seconds=delay_seconds))

    def receive(self) -> list[tuple[str, int, str]]:
        return [(m.body, m.receive_count, m.receipt_handle) for m in self.queue.receive(10)]

    def change_visibility(self, handle: str, seconds: int) -> None:
        self.queue.change_visibility(handle, seconds)

    def delete(self, handle: str) -> None:
        self.queue.delete(handle)

    def dead_bodies(self) -> list[str]:
        return self.dlq.bodies()


@dataclass
class Moto:
    client: Any
    url: str
    dlq_url: str

    def send(self, body: str, *, delay_seconds: int = 0) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=body, DelaySeconds=delay_seconds)

    def receive(self) -> list[tuple[str, int, str]]:
        messages = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["ApproximateReceiveCount"]
        ).get("Messages", [])
        return [
            (m["Body"], int(m["Attributes"]["ApproximateReceiveCount"]), m["ReceiptHandle"]) for m in messages
        ]

    def change_visibility(self, handle: str, seconds: int) -> None:
        self.client.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=seconds
        )

    def delete(self, handle: str) -> None:
        self.client.delete_message(QueueUrl=self.url, ReceiptHandle=handle)

    def dead_bodies(self) -> list[str]:
        messages = self.client.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10)
        return [m["Body"] for m in messages.get("Messages", [])]


@pytest.fixture(params=["simulated", "moto"])
def queues(request: pytest.FixtureRequest) -> Iterator[tuple[Driver, Clock]]:
    clock = Clock()
    if request.param == "simulated":
        dlq = SimulatedQueue(clock, visibility_timeout=VISIBILITY, retention=RETENTION)
        queue = SimulatedQueue(
            clock,
            visibility_timeout=VISIBILITY,
            retention=RETENTION,
            max_receive_count=MAX_RECEIVE_COUNT,
            dead_letters=dlq,
        )
        yield Simulated(queue, dlq), clock
        return
    with mock_aws(), sqs_on(clock):
        client = boto3.client("sqs", region_name="us-east-1")
        retention = str(int(RETENTION.total_seconds()))
        dlq_url = client.create_queue(QueueName="dlq", Attributes={"MessageRetentionPeriod": retention})[
            "QueueUrl"
        ]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        url = client.create_queue(
            QueueName="jobs",
            Attributes={
                "VisibilityTimeout": str(int(VISIBILITY.total_seconds())),
                "MessageRetentionPeriod": retention,
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        yield Moto(client, url, dlq_url), clock


def test_a_received_message_stays_hidden_for_the_visibility_timeout_and_each_receive_counts(
    queues: tuple[Driver, Clock],
) -> None:
    queue, clock = queues
    queue.send("a")
    queue.send("b")

    first = queue.receive()
    hidden = queue.receive()
    clock.advance(VISIBILITY.total_seconds() - 1)
    still_hidden = queue.receive()
    clock.advance(2)
    again = queue.receive()

    assert sorted((body, count) for body, count, _ in first) == [("a", 1), ("b", 1)]
    assert (hidden, still_hidden) == ([], [])
    assert sorted((body, count) for body, count, _ in again) == [("a", 2), ("b", 2)]


def test_a_delayed_message_is_first_received_when_its_delay_ends(queues: tuple[Driver, Clock]) -> None:
    queue, clock = queues
    queue.send("later", delay_seconds=900)
    queue.send("now")

    at_once = queue.receive()
    queue.delete(at_once[0][2])
    clock.advance(899)
    before = queue.receive()
    clock.advance(2)
    after = queue.receive()

    assert [(body, count) for body, count, _ in at_once] == [("now", 1)]
    assert before == []
    assert [(body, count) for body, count, _ in after] == [("later", 1)]


def test_a_changed_visibility_and_a_delete_by_any_of_a_messages_handles(queues: tuple[Driver, Clock]) -> None:
    queue, clock = queues
    queue.send("a")
    queue.send("b")
    ((_, _, a1), (_, _, b1)) = sorted(queue.receive())
    queue.change_visibility(a1, 5)
    queue.change_visibility(b1, 0)
    clock.advance(0.001)  # time moves between two calls; moto's SQS counts a message visible only after then

    b_again = queue.receive()
    clock.advance(6)
    a_again = queue.receive()
    queue.delete(a1)  # the first receive's handle
    clock.advance(VISIBILITY.total_seconds() + 1)

    assert [(body, count) for body, count, _ in b_again] == [("b", 2)]
    assert [(body, count) for body, count, _ in a_again] == [("a", 2)]
    assert [body for body, _, _ in queue.receive()] == ["b"]


def test_a_message_received_max_receive_count_times_moves_to_the_dlq_at_its_next_receive(
    queues: tuple[Driver, Clock],
) -> None:
    queue, clock = queues
    queue.send("poison")
    counts = []
    for _ in range(MAX_RECEIVE_COUNT):
        counts += [count for _, count, _ in queue.receive()]
        clock.advance(VISIBILITY.total_seconds() + 1)

    last = queue.receive()

    assert (counts, last) == ([1, 2, 3], [])
    assert queue.dead_bodies() == ["poison"]


def test_the_simulated_queue_drops_a_message_older_than_the_retention_from_either_queue() -> None:
    clock = Clock()
    start = clock()
    dlq = SimulatedQueue(clock, visibility_timeout=VISIBILITY, retention=RETENTION)
    queue = SimulatedQueue(
        clock, visibility_timeout=VISIBILITY, retention=RETENTION, max_receive_count=1, dead_letters=dlq
    )
    queue.send("dies")
    queue.receive(10)
    clock.advance(VISIBILITY.total_seconds() + 1)
    assert queue.receive(10) == []  # moved to the DLQ, with the time it was first sent
    queue.send("waits")

    clock.now = start + RETENTION - timedelta(seconds=1)
    assert (queue.bodies(), dlq.bodies()) == (["waits"], ["dies"])
    clock.now = start + RETENTION
    assert (queue.bodies(), dlq.bodies()) == (["waits"], [])
    clock.now = start + RETENTION + VISIBILITY + timedelta(seconds=1)
    assert (queue.bodies(), len(queue)) == ([], 0)
