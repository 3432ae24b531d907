"""A stored job reads as its record with links to its files, minted at the read and never stored."""

import json
from datetime import UTC, datetime
from typing import Any

from conveyor_api import contract
from conveyor_api.jobs.records import record_from_item
from conveyor_api.models import JobItem
from tests.support.fakes import FAKE_FILES_URL, FakeFileLinks

JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
NOW = datetime(2026, 11, 24, 17, 5, 10, 0, tzinfo=UTC)
FINISHED: dict[str, Any] = {
    "job_id": JOB_ID,
    "status": "SUCCEEDED",
    "created_at": "2026-11-24T17:05:09.123Z",
    "updated_at": "2026-11-24T17:05:09.789Z",
    "started_at": "2026-11-24T17:05:09.456Z",
    "finished_at": "2026-11-24T17:05:09.789Z",
    "attempts": 1,
    "expires_at": 1798131910,
}
IMAGE_RESULT = {
    "key": f"results/{JOB_ID}/image.png",
    "size_bytes": 1234,
    "format": "png",
    "dimensions": [64, 48],
}
IMAGE_ITEM: dict[str, Any] = FINISHED | {
    "job_type": "image_resize",
    "payload": json.dumps({"source_key": f"uploads/{JOB_ID}", "dimensions": [64, 48]}),
    "result": json.dumps(IMAGE_RESULT),
}
STORED_ASIDE_ITEM: dict[str, Any] = FINISHED | {
    "job_type": "text_transform",
    "payload": '{"text":"hello"}',
    "result_ref": f"results/{JOB_ID}/result.json",
}


def _record(item: dict[str, Any]) -> dict[str, Any]:
    record = record_from_item(JobItem.from_document(item), links=FakeFileLinks(), clock=lambda: NOW)
    document = record.to_document()
    assert list(contract.validator("job-record").iter_errors(document)) == []
    return document


def test_a_result_stored_aside_reads_as_a_json_download_link_and_no_inline_result() -> None:
    record = _record(STORED_ASIDE_ITEM)

    assert record["result"] is None
    assert record["result_url"] == (
        f"{FAKE_FILES_URL}/results/{JOB_ID}/result.json?seconds=900&content_type=application%2Fjson"
    )


def test_a_succeeded_image_resize_result_gains_a_fresh_image_link_and_its_expiry() -> None:
    record = _record(IMAGE_ITEM)

    assert record["result"] == IMAGE_RESULT | {
        "url": f"{FAKE_FILES_URL}/results/{JOB_ID}/image.png?seconds=900",
        "url_expires_at": "2026-11-24T17:20:10.000Z",
    }
    assert record["result_url"] is None


def test_an_inline_result_of_another_job_type_is_returned_as_stored_without_links() -> None:
    item = STORED_ASIDE_ITEM | {"result": '{"length":5,"uppercase":"HELLO","word_count":1}'}
    del item["result_ref"]

    record = _record(item)

    assert record["result"] == {"length": 5, "uppercase": "HELLO", "word_count": 1}
    assert record["result_url"] is None


def test_a_job_without_a_result_has_no_links() -> None:
    failed: dict[str, Any] = {key: value for key, value in IMAGE_ITEM.items() if key != "result"} | {
        "status": "FAILED",
        "error": {"code": "SOURCE_NOT_FOUND", "message": "no object at the source key"},
    }

    record = _record(failed)

    assert (record["result"], record["result_url"]) == (None, None)


def test_links_are_minted_at_each_read_and_never_stored() -> None:
    item = JobItem.from_document(IMAGE_ITEM)
    later = datetime(2026, 11, 24, 18, 0, 0, tzinfo=UTC)

    first = record_from_item(item, links=FakeFileLinks(), clock=lambda: NOW)
    second = record_from_item(item, links=FakeFileLinks(), clock=lambda: later)

    assert first.result is not None
    assert second.result is not None
    assert (first.result["url_expires_at"], second.result["url_expires_at"]) == (
        "2026-11-24T17:20:10.000Z",
        "2026-11-24T18:15:00.000Z",
    )
    assert item.result == json.dumps(IMAGE_RESULT)


IN_PROGRESS_ITEM: dict[str, Any] = {
    "job_id": JOB_ID,
    "job_type": "text_transform",
    "status": "IN_PROGRESS",
    "created_at": "2026-11-24T17:05:09.123Z",
    "updated_at": "2026-11-24T17:05:09.456Z",
    "started_at": "2026-11-24T17:05:09.456Z",
    "attempts": 1,
    "payload": '{"text":"hello"}',
    "claim_token": "9b1f0c1d2e3f4a5b",
    "lease_expires_at": 1795539924456,
    "sweep_shard": 7,
    "sweep_at": 1795539924456,
}
PROGRESS = {"percent": 40, "message": "transforming", "updated_at": "2026-11-24T17:05:10.002Z"}


def test_a_running_job_reads_with_its_last_progress_report() -> None:
    assert _record(IN_PROGRESS_ITEM | {"progress": PROGRESS})["progress"] == PROGRESS


def test_a_running_job_that_has_not_reported_reads_with_null_progress() -> None:
    assert _record(IN_PROGRESS_ITEM)["progress"] is None


def test_a_job_outside_in_progress_reads_with_null_progress() -> None:
    assert _record(STORED_ASIDE_ITEM)["progress"] is None
    assert _record(IMAGE_ITEM)["progress"] is None
