"""One suite, two ledgers: the unit tests' in-memory fake must behave as Powertools over DynamoDB does."""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
)
from conveyor_api.jobs.submit_once import SubmissionLedger
from conveyor_api.models import JobRecord, JobRequest
from tests.adapters.conftest import Aws
from tests.support.fakes import InMemorySubmissionLedger
from tests.support.lambda_context import LambdaContext

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
        dynamo_ledger = DynamoSubmissionLedger(aws.dynamodb, aws.idempotency_table_name)
        dynamo_ledger.register_lambda_context(LambdaContext())
        yield dynamo_ledger


def _stores(job: JobRecord) -> Callable[[], JobRecord]:
    return lambda: job


def _must_not_store() -> JobRecord:
    raise AssertionError("a known key stored another job")


def test_a_new_key_gets_the_job_its_first_use_stores(ledger: SubmissionLedger) -> None:
    assert ledger.job_for("order-1", REQUEST, _stores(JOB)) == JOB


def test_the_same_key_and_request_get_the_first_job_back_without_storing_another(
    ledger: SubmissionLedger,
) -> None:
    ledger.job_for("order-1", REQUEST, _stores(JOB))

    assert ledger.job_for("order-1", REQUEST, _must_not_store) == JOB
    assert ledger.job_for("order-1", replace(REQUEST), _must_not_store) == JOB


def test_the_same_key_with_another_request_is_refused(ledger: SubmissionLedger) -> None:
    ledger.job_for("order-1", REQUEST, _stores(JOB))

    with pytest.raises(IdempotencyKeyReusedError):
        ledger.job_for("order-1", OTHER_REQUEST, _must_not_store)


def test_a_key_is_in_progress_until_its_first_use_has_stored_its_job(ledger: SubmissionLedger) -> None:
    def store_while_a_retry_arrives() -> JobRecord:
        with pytest.raises(IdempotencyKeyInProgressError):
            ledger.job_for("order-1", REQUEST, _must_not_store)
        return JOB

    assert ledger.job_for("order-1", REQUEST, store_while_a_retry_arrives) == JOB


def test_a_first_use_that_fails_frees_its_key(ledger: SubmissionLedger) -> None:
    def unavailable() -> JobRecord:
        raise BackendUnavailableError("the jobs table did not answer")

    with pytest.raises(BackendUnavailableError):
        ledger.job_for("order-1", REQUEST, unavailable)

    assert ledger.job_for("order-1", OTHER_REQUEST, _stores(OTHER_JOB)) == OTHER_JOB


@pytest.mark.parametrize("other_key", ["order-2", "Order-1", "order-1 "])
def test_keys_are_compared_exactly(ledger: SubmissionLedger, other_key: str) -> None:
    ledger.job_for("order-1", REQUEST, _stores(JOB))

    assert ledger.job_for(other_key, OTHER_REQUEST, _stores(OTHER_JOB)) == OTHER_JOB


class SandboxVanished(BaseException):
    """The Lambda sandbox gone mid-invocation: no `except Exception` runs, as after a timeout."""


FIRST_USE_DEADLINE_MS = 100


def test_a_first_use_whose_invocation_vanished_holds_its_key_until_its_deadline(
    ledger: SubmissionLedger,
) -> None:
    if isinstance(ledger, DynamoSubmissionLedger):
        ledger.register_lambda_context(LambdaContext(remaining_time_in_millis=FIRST_USE_DEADLINE_MS))

    def vanish() -> JobRecord:
        raise SandboxVanished()

    with pytest.raises(SandboxVanished):
        ledger.job_for("order-1", REQUEST, vanish)
    with pytest.raises(IdempotencyKeyInProgressError):
        ledger.job_for("order-1", REQUEST, _must_not_store)

    if isinstance(ledger, InMemorySubmissionLedger):
        ledger.pass_deadline_of_first_use("order-1")
    else:
        time.sleep(2 * FIRST_USE_DEADLINE_MS / 1000)

    assert ledger.job_for("order-1", REQUEST, _stores(JOB)) == JOB
    assert ledger.job_for("order-1", REQUEST, _must_not_store) == JOB
