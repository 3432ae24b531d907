"""A payload the API stored aside (the item's payload_ref) is read from the files bucket at the claim: a
missing one fails the job at once, an S3 that does not answer is retried as any transient failure is."""

import json

import pytest

from conveyor_worker.clock import to_epoch_ms
from conveyor_worker.jobs.errors import JobAttemptFailedError
from conveyor_worker.jobs.process import PAYLOAD_MAX_BYTES
from tests.support.clock import FakeClock
from tests.support.fake_files import FakeFileStore
from tests.support.items import payload_aside, queued_item
from tests.support.logs import CapturedLogs
from tests.support.processor import MAX_RECEIVE_COUNT, CountingJob, Harness, harness_with

TEXT = "é" * 3000  # 6000 bytes of UTF-8: over the 4096 the repository's deployments keep inline


def _submit_aside(harness: Harness, *, write_object: bool = True, body: bytes | None = None) -> str:
    item, key, stored = payload_aside(queued_item("text_transform", {"text": TEXT}))
    harness.store.put(item)
    if write_object:
        harness.files.put(key, stored if body is None else body, content_type="application/json")
    return str(item["job_id"])


@pytest.fixture
def harness(clock: FakeClock, captured_logs: CapturedLogs) -> Harness:
    return Harness(clock, captured_logs, overrides=None)


def test_a_job_whose_payload_is_stored_aside_runs_with_the_payload_read_from_the_files_bucket(
    harness: Harness,
) -> None:
    job_id = _submit_aside(harness)

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], "payload" in item) == ("SUCCEEDED", False)
    assert json.loads(item["result"]) == {"length": 3000, "uppercase": TEXT.upper(), "word_count": 1}
    assert harness.files.reads == [f"payloads/{job_id}/payload.json"]


def test_a_payload_missing_from_the_files_bucket_fails_the_job_on_its_first_attempt_without_running_it(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    job = CountingJob()
    harness = harness_with(clock, captured_logs, job)
    job_id = _submit_aside(harness, write_object=False)

    harness.deliver(job_id, receive_count=1)  # returns: the message is acknowledged, not retried

    item = harness.item(job_id)
    assert (item["status"], item["attempts"], item["error"]["code"], job.runs) == (
        "FAILED",
        1,
        "PAYLOAD_NOT_FOUND",
        0,
    )
    assert f"payloads/{job_id}/payload.json" in item["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not UTF-8", b'{"text": "' + b"x" * PAYLOAD_MAX_BYTES + b'"}', b"{not json"],
    ids=["not-utf-8", "over-the-apis-bound", "not-json"],
)
def test_an_unreadable_payload_object_fails_the_job_invalid_payload_at_once(
    harness: Harness, body: bytes
) -> None:
    job_id = _submit_aside(harness, body=body)

    harness.deliver(job_id)

    item = harness.item(job_id)
    assert (item["status"], item["error"]["code"]) == ("FAILED", "INVALID_PAYLOAD")


class ReadsRefused(FakeFileStore):
    def read(self, key: str, *, max_bytes: int, job_owner: str | None) -> bytes:
        raise ConnectionError("S3 did not answer")


def test_a_files_bucket_that_does_not_answer_releases_the_job_for_a_retry(
    clock: FakeClock, captured_logs: CapturedLogs
) -> None:
    harness = harness_with(clock, captured_logs, CountingJob(), files=ReadsRefused())
    job_id = _submit_aside(harness, write_object=False)

    with pytest.raises(JobAttemptFailedError):
        harness.deliver(job_id, receive_count=MAX_RECEIVE_COUNT - 1)

    item = harness.item(job_id)
    assert (item["status"], item["lease_expires_at"]) == ("IN_PROGRESS", to_epoch_ms(clock()))
    assert "error" not in item
