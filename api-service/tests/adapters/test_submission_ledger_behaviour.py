"""One suite, two ledgers: the unit tests' in-memory fake must behave as Powertools over DynamoDB does."""

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger
from conveyor_api.jobs.errors import (
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
)
from conveyor_api.jobs.submit_once import FirstUse, Replay, SubmissionLedger
from conveyor_api.models import JobRecord, JobRequest
from tests.adapters.conftest import Aws
from tests.support.fakes import InMemorySubmissionLedger

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1" / "job-record" / "valid"
JOB = JobRecord.from_document(json.loads((EXAMPLES / "queued.json").read_text()))
OTHER_JOB = replace(JOB, job_id="0c7d3a52-9e4b-4f1a-8b2c-6d5e4f3a2b1c")
REQUEST = JobRequest(job_type="text_transform", payload={"text": "Hello, Conveyor!"})
OTHER_REQUEST = JobRequest(job_type="text_transform", payload={"text": "Hello, Conveyor?"})


@pytest.fixture(params=["in-memory", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> Iterator[SubmissionLedger]:
    if request.param == "in-memory":
        yield InMemorySubmissionLedger()
    else:
        aws: Aws = request.getfixturevalue("aws")
        yield DynamoSubmissionLedger(aws.dynamodb, aws.idempotency_table_name)


TIME_LEFT = timedelta(seconds=10)


def _first_use_stores(ledger: SubmissionLedger, key: str, request: JobRequest, job: JobRecord) -> JobRecord:
    """A first use that stored `job`: the key is claimed as new, then bound to the job."""
    assert ledger.claim(key, request, time_left=TIME_LEFT) == FirstUse()
    ledger.bind(key, request, job)
    return job


def _replayed(ledger: SubmissionLedger, key: str, request: JobRequest) -> JobRecord:
    use = ledger.claim(key, request, time_left=TIME_LEFT)
    assert isinstance(use, Replay), "a known key was claimed as new: its job would be stored again"
    return use.job


def test_a_new_key_gets_the_job_its_first_use_stores(ledger: SubmissionLedger) -> None:
    assert _first_use_stores(ledger, "order-1", REQUEST, JOB) == JOB


def test_the_same_key_and_request_get_the_first_job_back_without_storing_another(
    ledger: SubmissionLedger,
) -> None:
    _first_use_stores(ledger, "order-1", REQUEST, JOB)

    assert _replayed(ledger, "order-1", REQUEST) == JOB
    assert _replayed(ledger, "order-1", replace(REQUEST)) == JOB


def test_the_same_key_with_another_request_is_refused(ledger: SubmissionLedger) -> None:
    _first_use_stores(ledger, "order-1", REQUEST, JOB)

    with pytest.raises(IdempotencyKeyReusedError):
        ledger.claim("order-1", OTHER_REQUEST, time_left=TIME_LEFT)


def test_a_key_is_in_progress_until_its_first_use_has_stored_its_job(ledger: SubmissionLedger) -> None:
    assert ledger.claim("order-1", REQUEST, time_left=TIME_LEFT) == FirstUse()
    with pytest.raises(IdempotencyKeyInProgressError):
        ledger.claim("order-1", REQUEST, time_left=TIME_LEFT)
    ledger.bind("order-1", REQUEST, JOB)

    assert _replayed(ledger, "order-1", REQUEST) == JOB


def test_a_first_use_that_fails_frees_its_key(ledger: SubmissionLedger) -> None:
    assert ledger.claim("order-1", REQUEST, time_left=TIME_LEFT) == FirstUse()
    ledger.release("order-1", REQUEST)  # storing the job failed: BackendUnavailableError, say

    assert _first_use_stores(ledger, "order-1", OTHER_REQUEST, OTHER_JOB) == OTHER_JOB


@pytest.mark.parametrize("other_key", ["order-2", "Order-1", "order-1 "])
def test_keys_are_compared_exactly(ledger: SubmissionLedger, other_key: str) -> None:
    _first_use_stores(ledger, "order-1", REQUEST, JOB)

    assert _first_use_stores(ledger, other_key, OTHER_REQUEST, OTHER_JOB) == OTHER_JOB


# Long enough that the second claim lands before it runs out on a loaded machine (make test runs two lanes).
FIRST_USE_DEADLINE = timedelta(seconds=2)


def test_a_first_use_whose_invocation_vanished_holds_its_key_until_its_deadline(
    ledger: SubmissionLedger,
) -> None:
    # The invocation vanishes after its claim: it neither binds nor releases the key.
    assert ledger.claim("order-1", REQUEST, time_left=FIRST_USE_DEADLINE) == FirstUse()
    with pytest.raises(IdempotencyKeyInProgressError):
        ledger.claim("order-1", REQUEST, time_left=TIME_LEFT)

    if isinstance(ledger, InMemorySubmissionLedger):
        ledger.pass_deadline_of_first_use("order-1")
    else:
        time.sleep(2 * FIRST_USE_DEADLINE.total_seconds())

    assert _first_use_stores(ledger, "order-1", REQUEST, JOB) == JOB
    assert _replayed(ledger, "order-1", REQUEST) == JOB
