"""A backend that accepts connections and never answers: the Lambda entry points' clients give up within their
budget, so the worker reports the record and the sweeper ends its run, both well before their timeouts."""

import importlib
import sys
import time
from collections.abc import Iterator
from types import ModuleType

import pytest
from botocore.exceptions import ReadTimeoutError

from conveyor_worker import aws_call_budget
from conveyor_worker.aws_call_budget import call_budget
from tests.support.events import failures, sqs_event, sqs_record
from tests.support.items import job_message_body, new_job_id
from tests.support.lambda_context import FakeLambdaContext
from tests.support.stalled_endpoint import StalledEndpoint, stalled_endpoint

# A real endpoint on 127.0.0.1, and seconds spent waiting for the clients' budgets to run out.
pytestmark = [pytest.mark.enable_socket, pytest.mark.slow]

LEASE_SECONDS = 6
"""The worker's timeout in these tests: short, so that its calls' budget is too."""
SCHEDULING_SLACK_SECONDS = 1.0
"""Beyond the budget, for a busy machine's thread scheduling."""


@pytest.fixture
def stalled(monkeypatch: pytest.MonkeyPatch) -> Iterator[StalledEndpoint]:
    with stalled_endpoint() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        for name, value in {
            "JOBS_TABLE_NAME": "jobs",
            "JOBS_QUEUE_URL": f"{endpoint.url}/123456789012/jobs",
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "MAX_RECEIVE_COUNT": "3",
            "RETRY_BASE_DELAY_SECONDS": "2",
            "RETRY_MAX_DELAY_SECONDS": "30",
            "JOB_RETENTION_DAYS": "7",
            "FILES_BUCKET_NAME": "files",
            "EMAIL_SENDER": "",
            "EMAIL_CONFIGURATION_SET": "",
            "SWEEP_GRACE_SECONDS": "300",
            "JOBS_DEAD_LETTER_QUEUE_URL": f"{endpoint.url}/123456789012/jobs-dlq",
            "MESSAGE_RETENTION_SECONDS": "1209600",
        }.items():
            monkeypatch.setenv(name, value)
        yield endpoint


def _fresh_import(monkeypatch: pytest.MonkeyPatch, module: str) -> ModuleType:
    monkeypatch.delitem(sys.modules, module, raising=False)
    return importlib.import_module(module)


def test_a_stalled_table_fails_the_record_within_one_calls_budget(
    monkeypatch: pytest.MonkeyPatch, stalled: StalledEndpoint
) -> None:
    lambda_function = _fresh_import(monkeypatch, "conveyor_worker.lambda_function")
    event = sqs_event(sqs_record(job_message_body(new_job_id()), message_id="m"))

    started = time.monotonic()
    response = lambda_function.lambda_handler(event, FakeLambdaContext("conveyor-worker"))
    elapsed = time.monotonic() - started

    assert response == failures("m")
    budget = call_budget(LEASE_SECONDS)
    # The claim's attempts each reached the endpoint on a connection of its own, and each gave up on its read.
    assert len(stalled.connections) == budget.attempts
    assert elapsed < budget.longest_call_seconds + SCHEDULING_SLACK_SECONDS < LEASE_SECONDS


def test_a_stalled_index_ends_the_sweep_within_one_calls_budget(
    monkeypatch: pytest.MonkeyPatch, stalled: StalledEndpoint
) -> None:
    # The deployed sweeper's minute would make this test wait 20 s for what 6 s shows as well.
    monkeypatch.setattr(aws_call_budget, "SWEEPER_TIMEOUT_SECONDS", LEASE_SECONDS)
    sweeper_function = _fresh_import(monkeypatch, "conveyor_worker.sweeper_function")

    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        sweeper_function.lambda_handler({"source": "aws.events"}, FakeLambdaContext("conveyor-sweeper"))
    elapsed = time.monotonic() - started

    budget = call_budget(LEASE_SECONDS)
    assert len(stalled.connections) == budget.attempts
    assert elapsed < budget.longest_call_seconds + SCHEDULING_SLACK_SECONDS < LEASE_SECONDS
