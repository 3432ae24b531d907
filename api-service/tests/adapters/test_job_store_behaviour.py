"""One suite, two stores: the in-memory fake the unit tests use must behave as the DynamoDB store does."""

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from conveyor_api.handlers.http import JobStore
from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.models import JobItem
from conveyor_api.store.dynamo import DynamoJobStore
from tests.adapters.conftest import Aws
from tests.support.fakes import InMemoryJobStore

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1" / "job-item" / "valid"
QUEUED_ITEM = JobItem.from_document(json.loads((EXAMPLES / "queued.json").read_text()))
IN_SWEEP_INDEX_ONLY_WHILE_PENDING = ("lease_expires_at", "sweep_shard", "sweep_at")
FAILED_ITEM = JobItem.from_document(
    {
        name: value
        for name, value in json.loads((EXAMPLES / "in-progress.json").read_text()).items()
        if name not in IN_SWEEP_INDEX_ONLY_WHILE_PENDING
    }
    | {
        "status": "FAILED",
        "finished_at": "2026-11-24T17:05:10.000Z",
        "error": {"code": "VALUE_OUT_OF_RANGE", "message": "a value is out of range"},
        "expires_at": 1798131910,
    }
)


@pytest.fixture(params=["in-memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[JobStore]:
    if request.param == "in-memory":
        yield InMemoryJobStore()
    else:
        aws: Aws = request.getfixturevalue("aws")
        yield DynamoJobStore(aws.dynamodb, aws.table_name)


@pytest.mark.parametrize(
    "item",
    [
        *[
            pytest.param(JobItem.from_document(json.loads(path.read_text())), id=path.stem)
            for path in EXAMPLES.glob("*.json")
        ],
        pytest.param(FAILED_ITEM, id="failed"),
    ],
)
def test_a_new_job_reads_back_as_it_was_written(store: JobStore, item: JobItem) -> None:
    store.put_new(item)

    assert store.get(item.job_id) == item


def test_an_unknown_job_reads_as_none(store: JobStore) -> None:
    assert store.get("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d") is None


def test_a_new_job_never_overwrites_one_with_its_id(store: JobStore) -> None:
    store.put_new(QUEUED_ITEM)

    with pytest.raises(JobAlreadyExistsError):
        store.put_new(replace(FAILED_ITEM, job_id=QUEUED_ITEM.job_id))

    assert store.get(QUEUED_ITEM.job_id) == QUEUED_ITEM
