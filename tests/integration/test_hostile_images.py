"""Hostile images on the local stack: uploaded with the API's presigned POST to the moto server's bucket, and
resized by the worker behind the SQS event source. The issue's scan bomb, a progressive JPEG of 6320 x 6320
pixels and 10000 scans that held a worker for half a minute, ends FAILED IMAGE_TOO_COSTLY on its first
attempt without being decoded, and the text jobs queued behind it run at once; an image that spends its CPU
budget ends the same way; files whose EXIF block or PNG chunk header Pillow refuses end CORRUPT_IMAGE. None is
retried, no batch reports a failure, and nothing reaches the dead-letter queue."""

from __future__ import annotations

import io
from datetime import datetime
from functools import partial
from typing import Any

import pytest
import requests
from conveyor_worker.cpu_budget import Budget
from conveyor_worker.job_types import image_resize
from PIL import Image
from support.images import jpeg_with_exif_block, png_with_a_broken_chunk_header, png_with_chunk, scan_bomb

from tests.support import contract, http, report
from tests.support.stack import Stack


def _uploaded(stack: Stack, body: bytes, content_type: str) -> str:
    """The source_key of `body`, uploaded as a client does: a ticket from POST /uploads, then a form POST."""
    ticket = http.request("POST", f"{stack.api_url}/uploads", json_body={"content_type": content_type}).json()
    upload = requests.post(ticket["url"], data=ticket["fields"], files={"file": ("image", body)}, timeout=30)
    assert upload.status_code == 204
    return str(ticket["source_key"])


def _submitted(stack: Stack, job_type: str, payload: dict[str, Any]) -> str:
    accepted = stack.submit(job_type, payload)
    assert accepted.status == 202
    return str(accepted.json()["job_id"])


def _work_until_idle(stack: Stack) -> None:
    """Polls until the queue is empty; every batch's every record is acknowledged."""
    worker = stack.worker()
    while (polled := worker.poll_once()).received:
        assert polled.failed == 0


def _record(stack: Stack, job_id: str) -> dict[str, Any]:
    record: dict[str, Any] = stack.status(job_id).json()
    contract.validator("job-record").validate(record)
    return record


def _seconds_run(record: dict[str, Any]) -> float:
    started, finished = (datetime.fromisoformat(record[name]) for name in ("started_at", "finished_at"))
    return (finished - started).total_seconds()


def _assert_failed_once(stack: Stack, record: dict[str, Any], code: str) -> None:
    assert (record["status"], record["attempts"], record["error"]["code"]) == ("FAILED", 1, code)
    assert stack.job_runs["image_resize"] == 1
    assert stack.queued_messages(stack.resources.dlq_url) == 0


def test_the_scan_bomb_fails_at_once_and_the_jobs_behind_it_run(stack: Stack) -> None:
    bomb = scan_bomb(6320, 10_000)
    bomb_job = _submitted(
        stack, "image_resize", {"source_key": _uploaded(stack, bomb, "image/jpeg"), "dimensions": [64, 64]}
    )
    behind = [_submitted(stack, "text_transform", {"text": f"job {number}"}) for number in range(5)]

    _work_until_idle(stack)

    record = _record(stack, bomb_job)
    _assert_failed_once(stack, record, "IMAGE_TOO_COSTLY")
    assert "scans" in record["error"]["message"]
    assert _seconds_run(record) <= image_resize.BUDGET.wall_seconds
    assert [_record(stack, job_id)["status"] for job_id in behind] == ["SUCCEEDED"] * 5
    report.line(
        f"scan bomb ({len(bomb)} bytes, 6320 x 6320, 10000 scans): FAILED IMAGE_TOO_COSTLY in "
        f"{_seconds_run(record):.3f} s on attempt 1 (budget {image_resize.BUDGET.cpu_seconds} s of CPU)"
    )


def test_an_image_that_spends_its_budget_fails_once_and_is_not_retried(stack: Stack) -> None:
    # 1000 x 1000 pixels of noise made a 4000 x 4000 PNG: about 5 s of CPU, mostly zlib's, against 1 s here.
    one_second = Budget(cpu_seconds=1, wall_seconds=30)
    stack.replace_job("image_resize", partial(image_resize.resize, budget=one_second))
    buffer = io.BytesIO()
    Image.effect_noise((1000, 1000), 100).convert("RGB").save(buffer, "PNG")
    source_key = _uploaded(stack, buffer.getvalue(), "image/png")
    job_id = _submitted(
        stack,
        "image_resize",
        {"source_key": source_key, "dimensions": [4000, 4000], "fit": "fill", "format": "png"},
    )

    _work_until_idle(stack)

    record = _record(stack, job_id)
    _assert_failed_once(stack, record, "IMAGE_TOO_COSTLY")
    assert "more than 1 s of CPU time" in record["error"]["message"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (jpeg_with_exif_block(b"this is not TIFF"), "image/jpeg"),
        (png_with_chunk(b"eXIf", b"this is not TIFF"), "image/png"),
        (png_with_a_broken_chunk_header(), "image/png"),
    ],
    ids=["jpeg-exif-not-tiff", "png-exif-not-tiff", "png-broken-chunk-header"],
)
def test_a_malformed_image_fails_corrupt_on_its_first_attempt(
    stack: Stack, body: bytes, content_type: str
) -> None:
    source_key = _uploaded(stack, body, content_type)
    job_id = _submitted(stack, "image_resize", {"source_key": source_key, "dimensions": [20, 20]})

    _work_until_idle(stack)

    record = _record(stack, job_id)
    _assert_failed_once(stack, record, "CORRUPT_IMAGE")
    assert source_key in record["error"]["message"]
