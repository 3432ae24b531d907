"""One suite, two stores: the in-memory fake the unit tests use must behave as the DynamoDB store does."""

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conveyor_api.handlers.http import JobStore
from conveyor_api.jobs.cancel import CANCELLED_WHILE_QUEUED
from conveyor_api.jobs.cursors import PagePosition
from conveyor_api.jobs.errors import JobAlreadyExistsError
from conveyor_api.jobs.listing_indexes import ListingIndex, owner_type_status_key
from conveyor_api.models import JobItem
from conveyor_api.store.dynamo import DynamoJobStore
from tests.adapters.conftest import Aws
from tests.support.fakes import InMemoryJobStore
from tests.support.owned_items import owned_item

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


OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"


def test_an_index_page_lists_the_partitions_jobs_newest_first_and_continues_after_its_position(
    store: JobStore,
) -> None:
    items = [owned_item(OWNER, minute) for minute in range(5)]
    for item in [*items, owned_item("someone-else", 9), owned_item(OWNER, 8, status="SUCCEEDED")]:
        store.put_new(item)
    queued = ListingIndex(
        "by_owner_type_status", "owner_type_status", owner_type_status_key(OWNER, "text_transform", "QUEUED")
    )
    newest_first = [item.job_id for item in reversed(items)]

    first = store.index_page(queued, limit=3, after=None)
    rest = store.index_page(queued, limit=3, after=first.last)

    assert [position.job_id for position in first.positions] == newest_first[:3]
    assert first.last == PagePosition(items[2].created_at, items[2].job_id)
    assert ([position.job_id for position in rest.positions], rest.last) == (newest_first[3:], None)


def test_an_index_holds_only_owned_jobs(store: JobStore) -> None:
    store.put_new(QUEUED_ITEM)

    page = store.index_page(ListingIndex("by_owner", "owner", OWNER), limit=10, after=None)

    assert (page.positions, page.last) == ([], None)


def test_get_many_reads_the_jobs_that_exist_and_leaves_out_the_others(store: JobStore) -> None:
    items = [owned_item(OWNER, minute) for minute in range(3)]
    for item in items:
        store.put_new(item)
    missing = "0c7d3a52-9e4b-4f1a-8b2c-6d5e4f3a2b1c"

    found = store.get_many([items[2].job_id, missing, items[0].job_id])

    assert found == {items[2].job_id: items[2], items[0].job_id: items[0]}
    assert store.get_many([]) == {}


CANCELLED_AT = datetime(2026, 11, 24, 17, 6, 0, 500000, tzinfo=UTC)
IN_PROGRESS_ITEM = JobItem.from_document(json.loads((EXAMPLES / "in-progress.json").read_text()))


def test_cancelling_a_queued_job_ends_it_as_a_finishing_write_does_and_returns_it(store: JobStore) -> None:
    queued = owned_item(OWNER, 1, sweep_shard=3, sweep_at=1795539909123)
    store.put_new(queued)

    written = store.cancel_queued(
        queued, error=CANCELLED_WHILE_QUEUED, now=CANCELLED_AT, expires_at=CANCELLED_AT + timedelta(days=30)
    )

    assert written == store.get(queued.job_id)
    assert written == replace(
        queued,
        status="FAILED",
        error=CANCELLED_WHILE_QUEUED,
        cancel_requested_at="2026-11-24T17:06:00.500Z",
        finished_at="2026-11-24T17:06:00.500Z",
        updated_at="2026-11-24T17:06:00.500Z",
        # Rounded up to the whole second the table's time to live reads.
        expires_at=int((CANCELLED_AT + timedelta(days=30)).timestamp()) + 1,
        sweep_shard=None,
        sweep_at=None,
        owner_status=f"{OWNER}#FAILED",
        owner_type_status=owner_type_status_key(OWNER, "text_transform", "FAILED"),
    )


def test_cancelling_a_job_that_is_no_longer_queued_writes_nothing(store: JobStore) -> None:
    store.put_new(IN_PROGRESS_ITEM)

    assert (
        store.cancel_queued(
            replace(IN_PROGRESS_ITEM, status="QUEUED"),
            error=CANCELLED_WHILE_QUEUED,
            now=CANCELLED_AT,
            expires_at=CANCELLED_AT,
        )
        is None
    )
    assert store.get(IN_PROGRESS_ITEM.job_id) == IN_PROGRESS_ITEM


def test_a_cancel_request_marks_a_running_job_once_and_keeps_the_first_time(store: JobStore) -> None:
    store.put_new(IN_PROGRESS_ITEM)

    written = store.request_cancel(IN_PROGRESS_ITEM.job_id, now=CANCELLED_AT)
    again = store.request_cancel(IN_PROGRESS_ITEM.job_id, now=CANCELLED_AT + timedelta(seconds=5))

    marked = replace(
        IN_PROGRESS_ITEM,
        cancel_requested_at="2026-11-24T17:06:00.500Z",
        updated_at="2026-11-24T17:06:00.500Z",
    )
    assert (written, again) == (marked, None)
    assert store.get(IN_PROGRESS_ITEM.job_id) == marked


@pytest.mark.parametrize("item", [QUEUED_ITEM, FAILED_ITEM], ids=["queued", "failed"])
def test_a_cancel_request_of_a_job_that_is_not_running_writes_nothing(store: JobStore, item: JobItem) -> None:
    store.put_new(item)

    assert store.request_cancel(item.job_id, now=CANCELLED_AT) is None
    assert store.get(item.job_id) == item


def test_a_cancel_of_a_missing_job_writes_nothing(store: JobStore) -> None:
    assert store.request_cancel(QUEUED_ITEM.job_id, now=CANCELLED_AT) is None
    assert store.get(QUEUED_ITEM.job_id) is None
