"""The issue's hostile and malformed images through the worker's domain (claim, run and complete against the
in-memory store): each ends its job FAILED with a code of its own on the first attempt, and its message is
acknowledged, so that none is retried into the dead-letter queue. test_image_fuzz.py mutates files at random
along the same path."""

import pytest

from tests.support.clock import FakeClock
from tests.support.images import (
    jpeg_with_exif_block,
    png_with_a_broken_chunk_header,
    png_with_chunk,
    scan_bomb,
)
from tests.support.logs import CapturedLogs
from tests.support.processor import Harness


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (scan_bomb(6320, 10_000), "IMAGE_TOO_COSTLY"),
        (jpeg_with_exif_block(b"this is not TIFF"), "CORRUPT_IMAGE"),
        (png_with_chunk(b"eXIf", b"this is not TIFF"), "CORRUPT_IMAGE"),
        (png_with_a_broken_chunk_header(), "CORRUPT_IMAGE"),
    ],
    ids=["jpeg-of-10000-scans", "jpeg-exif-not-tiff", "png-exif-not-tiff", "png-broken-chunk-header"],
)
def test_a_hostile_image_fails_its_job_on_the_first_attempt_and_is_acknowledged(
    clock: FakeClock, captured_logs: CapturedLogs, body: bytes, code: str
) -> None:
    harness = Harness(clock, captured_logs, overrides=None)
    job_id = harness.submit_image(body)

    harness.deliver(job_id)  # returns: the message is acknowledged, not left to come back

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 1, code)
    assert harness.metrics.names() == ["claimed", "failed"]
    assert harness.queue.postponed == []
