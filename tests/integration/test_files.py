"""Files through S3, over HTTP against the moto server: an image uploaded with the API's presigned POST is
resized by the worker and downloaded through the record's link; a result too large for its item is stored
aside and read through result_url; a source never uploaded fails the job."""

from __future__ import annotations

import io
import json
from typing import Any

import requests
from PIL import Image

from tests.support import contract, http
from tests.support.stack import Stack

MISSING_SOURCE_KEY = "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a"
MAX_INLINE_RESULT_BYTES = 64 * 1024


def _run_worker_until_idle(stack: Stack) -> None:
    worker = stack.worker()
    while worker.poll_once().received:
        pass


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload_ticket(stack: Stack, content_type: str) -> dict[str, Any]:
    response = http.request("POST", f"{stack.api_url}/uploads", json_body={"content_type": content_type})
    assert response.status == 200
    ticket: dict[str, Any] = response.json()
    contract.validator("upload-ticket").validate(ticket)
    return ticket


def _finished_record(stack: Stack, job_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    accepted = stack.submit(job_type, payload)
    assert accepted.status == 202
    _run_worker_until_idle(stack)
    response = stack.status(accepted.json()["job_id"])
    assert response.status == 200
    record: dict[str, Any] = response.json()
    contract.validator("job-record").validate(record)
    return record


def test_uploaded_image_is_resized_and_downloads_through_the_records_link(stack: Stack) -> None:
    ticket = _upload_ticket(stack, "image/png")
    upload = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("photo.png", _png(120, 80))}, timeout=10
    )
    assert upload.status_code == 204

    record = _finished_record(
        stack, "image_resize", {"source_key": ticket["source_key"], "dimensions": [60, 40], "fit": "fill"}
    )

    assert record["status"] == "SUCCEEDED", record["error"]
    assert record["result_url"] is None
    result = record["result"]
    assert result["key"] == f"results/{record['job_id']}/image.png"
    assert (result["format"], result["dimensions"]) == ("png", [60, 40])
    download = requests.get(result["url"], timeout=10)
    assert download.status_code == 200
    assert len(download.content) == result["size_bytes"]
    with Image.open(io.BytesIO(download.content)) as image:
        assert (image.format, image.size) == ("PNG", (60, 40))


def test_result_over_64_kib_is_stored_aside_and_downloads_through_result_url(stack: Stack) -> None:
    text = "conveyor belt " * 7000  # 98000 characters, near text_transform's limit of 100000
    expected = {"length": len(text), "uppercase": text.upper(), "word_count": 14000}
    assert len(json.dumps(expected, separators=(",", ":")).encode()) > MAX_INLINE_RESULT_BYTES

    record = _finished_record(stack, "text_transform", {"text": text})

    assert record["status"] == "SUCCEEDED", record["error"]
    assert record["result"] is None
    download = requests.get(record["result_url"], timeout=10)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert download.json() == expected
    contract.validator("text_transform.result").validate(download.json())


def test_image_job_whose_source_was_never_uploaded_fails_with_source_not_found(stack: Stack) -> None:
    record = _finished_record(
        stack, "image_resize", {"source_key": MISSING_SOURCE_KEY, "dimensions": [60, 40]}
    )

    assert record["status"] == "FAILED"
    assert record["error"]["code"] == "SOURCE_NOT_FOUND"
    assert (record["result"], record["result_url"]) == (None, None)
    assert record["attempts"] == 1
