"""conveyor_local.moto_speed decides as moto does, only without walking the queue, and the servers run it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from conveyor_local import moto_speed
from hypothesis import given
from hypothesis import strategies as st
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Message, SQSBackend

if TYPE_CHECKING:
    from flask import Flask
    from mypy_boto3_sqs import SQSClient

RETENTION_SECONDS = 60
ORIGINAL_RETENTION_CHECK = SQSBackend.is_message_valid_based_on_retention_period


def _queue_holding(count: int) -> SQSBackend:
    backend = SQSBackend("us-east-1", "123456789012")
    queue = backend.create_queue("backlog", MessageRetentionPeriod=str(RETENTION_SECONDS))
    for number in range(count):
        message = Message(str(number), "waiting")
        message.sent_timestamp = int(time.time() * 1000)  # type: ignore[assignment]
        queue._messages.append(message)
    return backend


@given(age_seconds=st.floats(min_value=-5, max_value=2 * RETENTION_SECONDS), queued=st.integers(0, 20))
def test_a_message_is_kept_or_dropped_for_its_age_exactly_as_moto_decides(
    age_seconds: float, queued: int
) -> None:
    backend = _queue_holding(queued)
    message = Message("judged", "body")
    # Whole milliseconds, as moto stamps them; far enough from the boundary that the two calls' clocks agree.
    sent_ms = int((time.time() - age_seconds) * 1000)
    if abs(age_seconds - RETENTION_SECONDS) < 0.5:
        sent_ms -= 1000
    message.sent_timestamp = sent_ms  # type: ignore[assignment]

    assert moto_speed._retention_check(backend, "backlog", message) == ORIGINAL_RETENTION_CHECK(
        backend, "backlog", message
    )


def _no_app(service: str) -> Flask:
    raise AssertionError(f"only hosts are resolved here; no {service} app is made")


def test_the_service_of_a_host_is_moto_s_own_answer_remembered() -> None:
    application = DomainDispatcherApplication(_no_app)
    hosts = ["sqs.us-east-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com", "s3", None, "unknown.example"]

    first = [moto_speed._backend_for_host(application, host) for host in hosts]

    assert first == [moto_speed._original_backend_for_host(application, host) for host in hosts]
    assert first[:3] == ["sqs", "dynamodb", "s3"]
    assert [moto_speed._backend_for_host(application, host) for host in hosts] == first


def test_the_local_moto_server_runs_both(sqs: SQSClient) -> None:
    """`sqs` talks to a server from start_moto_server, as `make dev`'s does: a receive from it still works."""
    assert SQSBackend.is_message_valid_based_on_retention_period is moto_speed._retention_check
    assert DomainDispatcherApplication.get_backend_for_host is moto_speed._backend_for_host
    queue_url = sqs.create_queue(QueueName=f"speed-{time.time_ns()}")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="still delivered")

    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]

    assert [message["Body"] for message in received] == ["still delivered"]
