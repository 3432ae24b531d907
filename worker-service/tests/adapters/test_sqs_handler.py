"""The Lambda handler end to end against DynamoDB in moto: the exact partial batch response per failure class.

Item state is read back through boto3 directly, never through the code under test.
"""

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.handlers.sqs import SqsHandler, build_handler
from conveyor_worker.job_types import JobFunction
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError
from conveyor_worker.settings import Settings
from tests.support.clock import FakeClock
from tests.support.dynamo import JobsTable
from tests.support.events import failures, load_event, sqs_event, sqs_record
from tests.support.faults import failing_calls
from tests.support.images import blank_png, image_file, opened, saved, upload_key
from tests.support.items import job_message_body, queued_item, without_pending
from tests.support.lambda_context import FakeLambdaContext
from tests.support.s3 import FilesBucket
from tests.support.spy import recorded_calls
from tests.support.sqs import JobsQueue

NO_FAILURES = failures()


class CountingJob:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        self.runs += 1
        return {"length": 2, "uppercase": "HI", "word_count": 1}


def always_transient(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    raise ConnectionError("the downstream service is unreachable")


def always_permanent(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    raise PermanentJobError("TEXT_REFUSED", "this text cannot be transformed")


def wrong_result(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    return {"length": "two"}


def longest_delay(low: int, high: int) -> int:
    return high


def handler_for(
    settings: Settings,
    table: JobsTable,
    clock: FakeClock,
    job: JobFunction | None = None,
    *,
    queue: JobsQueue | None = None,
    files: FilesBucket | None = None,
) -> SqsHandler:
    """Without `queue` or `files`, the handler builds its own SQS or S3 client, on the same moto account."""
    return build_handler(
        settings,
        job_types=None if job is None else {"text_transform": job},
        dynamodb_client=table.client,
        sqs_client=None if queue is None else queue.client,
        s3_client=None if files is None else files.client,
        clock=clock,
        jitter=longest_delay,
    )


def submitted(table: JobsTable, job_type: str, payload: dict[str, Any]) -> str:
    item = queued_item(job_type, payload)
    table.put(item)
    return str(item["job_id"])


def deliver(handler: SqsHandler, job_id: str, *, message_id: str = "m-1", receive_count: int = 1) -> Any:
    record = sqs_record(job_message_body(job_id), message_id=message_id, receive_count=receive_count)
    return handler(sqs_event(record), None)


def read(table: JobsTable, job_id: str) -> dict[str, Any]:
    item = table.get(job_id)
    assert item is not None
    return item


def test_a_text_transform_job_is_run_and_stored_as_succeeded(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "Hello, Conveyor!"})

    response = deliver(handler_for(settings, jobs_table, clock), job_id)

    assert response == NO_FAILURES
    item = read(jobs_table, job_id)
    assert item == {
        **without_pending(queued_item("text_transform", {"text": "Hello, Conveyor!"}, job_id=job_id)),
        "status": "SUCCEEDED",
        "attempts": 1,
        "started_at": to_timestamp(clock()),
        "updated_at": to_timestamp(clock()),
        "finished_at": to_timestamp(clock()),
        "claim_token": item["claim_token"],
        "result": '{"length":16,"uppercase":"HELLO, CONVEYOR!","word_count":2}',
        "expires_at": to_epoch_seconds(clock() + timedelta(days=settings.job_retention_days)),
    }


def test_a_data_analysis_job_is_run_and_stored_as_succeeded(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "data_analysis", {"data": [1, 2, 3, 4]})

    response = deliver(handler_for(settings, jobs_table, clock), job_id)

    assert response == NO_FAILURES
    item = read(jobs_table, job_id)
    assert (item["status"], "lease_expires_at" in item) == ("SUCCEEDED", False)
    assert json.loads(item["result"]) == {
        "count": 4,
        "sum": 10.0,
        "mean": 2.5,
        "median": 2.5,
        "min": 1.0,
        "max": 4.0,
        "stdev": pytest.approx(1.118033988749895),
        "p90": pytest.approx(3.7),
        "p99": pytest.approx(3.97),
    }


@pytest.mark.parametrize(
    ("job", "payload", "error_code"),
    [
        (CountingJob(), {"text": ""}, "INVALID_PAYLOAD"),
        (always_permanent, {"text": "hi"}, "TEXT_REFUSED"),
        (wrong_result, {"text": "hi"}, "INVALID_RESULT"),
    ],
    ids=["invalid-payload", "permanent-job-error", "invalid-result"],
)
def test_permanent_failures_end_the_job_failed_and_acknowledge_the_message(
    settings: Settings,
    jobs_table: JobsTable,
    clock: FakeClock,
    job: JobFunction,
    payload: dict[str, Any],
    error_code: str,
) -> None:
    job_id = submitted(jobs_table, "text_transform", payload)

    response = deliver(handler_for(settings, jobs_table, clock, job), job_id)

    assert response == NO_FAILURES
    item = read(jobs_table, job_id)
    assert (item["status"], item["error"]["code"], "lease_expires_at" in item) == (
        "FAILED",
        error_code,
        False,
    )


def test_a_transient_failure_is_a_batch_item_failure_with_the_lease_released(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})

    response = deliver(handler_for(settings, jobs_table, clock, always_transient), job_id, receive_count=1)

    assert response == failures("m-1")
    item = read(jobs_table, job_id)
    assert (item["status"], item["attempts"], "error" in item) == ("IN_PROGRESS", 1, False)


def test_a_transient_failure_on_the_last_receive_fails_the_job_and_is_still_a_batch_item_failure(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    handler = handler_for(settings, jobs_table, clock, always_transient)
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    responses = []
    for receive_count in range(1, settings.max_receive_count + 1):
        responses.append(deliver(handler, job_id, receive_count=receive_count))
        clock.advance(seconds=30)

    assert responses == [failures("m-1")] * settings.max_receive_count
    item = read(jobs_table, job_id)
    assert (item["status"], item["attempts"]) == ("FAILED", 3)
    assert item["error"] == {
        "code": "RETRIES_EXHAUSTED",
        "message": "gave up after 3 attempts; last error: "
        "ConnectionError: the downstream service is unreachable",
    }


def test_a_dynamodb_error_on_claim_is_a_batch_item_failure_and_writes_nothing(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    before = read(jobs_table, job_id)

    with failing_calls(jobs_table.client, "UpdateItem"):
        response = deliver(handler_for(settings, jobs_table, clock), job_id)

    assert response == failures("m-1")
    assert read(jobs_table, job_id) == before


def test_a_dynamodb_error_on_completion_is_a_batch_item_failure_and_records_no_outcome(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})

    with failing_calls(jobs_table.client, "UpdateItem", from_call=2):
        response = deliver(handler_for(settings, jobs_table, clock), job_id)

    assert response == failures("m-1")
    item = read(jobs_table, job_id)
    assert (item["status"], "result" in item) == ("IN_PROGRESS", False)


def test_a_missing_table_fails_every_record_without_failing_the_invocation(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    handler = handler_for(settings.model_copy(update={"jobs_table_name": "no-such-table"}), jobs_table, clock)
    records = [
        sqs_record(job_message_body(queued_item("text_transform", {})["job_id"]), message_id=m) for m in "ab"
    ]

    assert handler(sqs_event(*records), None) == failures("a", "b")


def test_poison_messages_fail_alone_while_the_rest_of_the_batch_succeeds(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    event = load_event("sqs_poison_batch.json")
    good_job_id = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
    jobs_table.put(queued_item("text_transform", {"text": "hi"}, job_id=good_job_id))

    response = handler_for(settings, jobs_table, clock)(event, None)

    assert response == failures(
        "b1a4d0c2-0001-4000-8000-000000000001",  # not JSON
        "b1a4d0c2-0002-4000-8000-000000000002",  # a contract version that is no major
        "b1a4d0c2-0003-4000-8000-000000000003",  # names no job
    )
    assert read(jobs_table, good_job_id)["status"] == "SUCCEEDED"


def test_a_duplicate_delivery_is_acknowledged_without_running_the_job_again(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job = CountingJob()
    handler = handler_for(settings, jobs_table, clock, job)
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    body = job_message_body(job_id)

    in_one_batch = handler(
        sqs_event(sqs_record(body, message_id="a"), sqs_record(body, message_id="b")), None
    )
    in_a_later_batch = deliver(handler, job_id, message_id="c")

    assert (in_one_batch, in_a_later_batch, job.runs) == (NO_FAILURES, NO_FAILURES, 1)
    assert read(jobs_table, job_id)["attempts"] == 1


def test_a_completion_refused_after_another_claim_took_the_lease_is_acknowledged_and_dropped(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    newer_worker = handler_for(settings, jobs_table, clock)

    def outlives_its_lease(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        clock.advance(seconds=settings.job_lease_seconds + 1)
        assert deliver(newer_worker, job_id, message_id="redelivered") == NO_FAILURES
        return {"length": 99, "uppercase": "STALE", "word_count": 9}

    response = deliver(handler_for(settings, jobs_table, clock, outlives_its_lease), job_id)

    assert response == NO_FAILURES
    item = read(jobs_table, job_id)
    assert (item["status"], item["attempts"], item["refused_completions"]) == ("SUCCEEDED", 2, 1)
    assert json.loads(item["result"]) == {"length": 2, "uppercase": "HI", "word_count": 1}


def test_a_job_abandoned_by_a_crashed_worker_is_claimed_again_once_its_lease_expires(
    settings: Settings, jobs_table: JobsTable, clock: FakeClock
) -> None:
    job = CountingJob()
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    first_claim = to_timestamp(clock())
    # The first worker claims and runs the job, then cannot record the outcome, as if it had crashed.
    with failing_calls(jobs_table.client, "UpdateItem", from_call=2):
        assert deliver(handler_for(settings, jobs_table, clock, job), job_id) == failures("m-1")
    clock.advance(seconds=settings.job_lease_seconds, milliseconds=1)

    response = deliver(handler_for(settings, jobs_table, clock, job), job_id, receive_count=2)

    assert (response, job.runs) == (NO_FAILURES, 2)
    item = read(jobs_table, job_id)
    assert (item["status"], item["attempts"], item["started_at"]) == ("SUCCEEDED", 2, first_claim)


def test_a_transient_failure_postpones_the_received_message_by_the_backoff(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    record = jobs_queue.receive_as_record(job_message_body(job_id))
    handler = handler_for(settings, jobs_table, clock, always_transient, queue=jobs_queue)

    with recorded_calls(jobs_queue.client, "ChangeMessageVisibility") as calls:
        response = handler(sqs_event(record), None)

    assert response == failures(record["messageId"])
    assert calls == [
        {
            "QueueUrl": jobs_queue.url,
            "ReceiptHandle": record["receiptHandle"],
            # The first attempt's ceiling is the base delay, and longest_delay draws the ceiling.
            "VisibilityTimeout": settings.retry_base_delay_seconds,
        }
    ]


def test_a_retry_drawn_as_no_delay_makes_the_message_visible_again_at_once(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    record = jobs_queue.receive_as_record(job_message_body(job_id))
    handler = build_handler(
        settings,
        job_types={"text_transform": always_transient},
        dynamodb_client=jobs_table.client,
        sqs_client=jobs_queue.client,
        clock=clock,
        jitter=lambda low, high: low,
    )

    assert handler(sqs_event(record), None) == failures(record["messageId"])

    # Without the visibility change the message would stay hidden for the queue's 30 s timeout.
    assert jobs_queue.bodies() == [record["body"]]


@pytest.mark.parametrize(
    ("job", "receive_count"),
    [(CountingJob(), 1), (always_permanent, 1), (always_transient, 3)],
    ids=["success", "permanent-failure", "last-receive"],
)
def test_the_message_visibility_is_left_alone_unless_a_retry_follows(
    settings: Settings,
    jobs_table: JobsTable,
    jobs_queue: JobsQueue,
    clock: FakeClock,
    job: JobFunction,
    receive_count: int,
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    handler = handler_for(settings, jobs_table, clock, job, queue=jobs_queue)

    with recorded_calls(jobs_queue.client, "ChangeMessageVisibility") as calls:
        deliver(handler, job_id, receive_count=receive_count)

    assert calls == []


def test_a_failing_visibility_change_still_reports_the_batch_item_failure(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    job_id = submitted(jobs_table, "text_transform", {"text": "hi"})
    record = jobs_queue.receive_as_record(job_message_body(job_id))
    handler = handler_for(settings, jobs_table, clock, always_transient, queue=jobs_queue)

    with failing_calls(jobs_queue.client, "ChangeMessageVisibility"):
        response = handler(sqs_event(record), None)

    assert response == failures(record["messageId"])
    item = read(jobs_table, job_id)
    assert (item["status"], item["lease_expires_at"]) == ("IN_PROGRESS", to_epoch_ms(clock()))


def test_an_image_resize_job_reads_its_upload_and_writes_the_resized_image(
    settings: Settings, jobs_table: JobsTable, files_bucket: FilesBucket, clock: FakeClock
) -> None:
    source_key = upload_key()
    files_bucket.put(source_key, image_file("JPEG", (400, 300)))
    payload = {"source_key": source_key, "dimensions": [200, 200], "format": "png"}
    job_id = submitted(jobs_table, "image_resize", payload)

    response = deliver(handler_for(settings, jobs_table, clock, files=files_bucket), job_id)

    assert response == NO_FAILURES
    key = f"results/{job_id}/image.png"
    written = files_bucket.get(key)
    assert written is not None
    assert (written.content_type, opened(written.body).size) == ("image/png", (200, 150))
    item = read(jobs_table, job_id)
    assert item["status"] == "SUCCEEDED"
    assert json.loads(item["result"]) == {
        "key": key,
        "size_bytes": written.size_bytes,
        "format": "png",
        "dimensions": [200, 150],
    }


def truncated_png() -> bytes:
    whole = saved(Image.effect_noise((300, 200), 64).convert("RGB"), "PNG")
    return whole[: len(whole) // 2]


def over_10_mib() -> bytes:
    return bytes(10 * 1024 * 1024 + 1)


@pytest.mark.parametrize(
    ("upload", "dimensions", "error_code"),
    [
        (None, [100, 100], "SOURCE_NOT_FOUND"),
        (over_10_mib, [100, 100], "SOURCE_TOO_LARGE"),
        (lambda: b"Dear customer, this is not a picture.", [100, 100], "NOT_AN_IMAGE"),
        (truncated_png, [100, 100], "CORRUPT_IMAGE"),
        (lambda: blank_png(20_000, 20_000), [100, 100], "IMAGE_TOO_LARGE"),
        (lambda: image_file("PNG"), [4096, 4096], "OUTPUT_TOO_LARGE"),
    ],
    ids=["missing", "over-10-mib", "text", "truncated", "decompression-bomb", "absurd-dimensions"],
)
def test_an_image_that_cannot_be_resized_fails_its_job_with_its_code_and_acknowledges_the_message(
    settings: Settings,
    jobs_table: JobsTable,
    files_bucket: FilesBucket,
    clock: FakeClock,
    upload: Callable[[], bytes] | None,
    dimensions: list[int],
    error_code: str,
) -> None:
    source_key = upload_key()
    if upload is not None:
        files_bucket.put(source_key, upload())
    job_id = submitted(jobs_table, "image_resize", {"source_key": source_key, "dimensions": dimensions})

    response = deliver(handler_for(settings, jobs_table, clock, files=files_bucket), job_id)

    assert response == NO_FAILURES
    item = read(jobs_table, job_id)
    assert (item["status"], item["error"]["code"], item["attempts"]) == ("FAILED", error_code, 1)
    assert [key for key in files_bucket.stored_keys() if key.startswith("results/")] == []


def test_an_s3_error_writing_the_image_is_a_batch_item_failure_with_the_lease_released(
    settings: Settings, jobs_table: JobsTable, files_bucket: FilesBucket, clock: FakeClock
) -> None:
    source_key = upload_key()
    files_bucket.put(source_key, image_file("PNG", (40, 30)))
    job_id = submitted(jobs_table, "image_resize", {"source_key": source_key, "dimensions": [20, 20]})

    with failing_calls(files_bucket.client, "PutObject"):
        response = deliver(handler_for(settings, jobs_table, clock, files=files_bucket), job_id)

    assert response == failures("m-1")
    item = read(jobs_table, job_id)
    assert (item["status"], item["lease_expires_at"], "error" in item) == (
        "IN_PROGRESS",
        to_epoch_ms(clock()),
        False,
    )


def test_a_result_over_64_kib_goes_to_the_files_bucket_and_the_item_names_it(
    settings: Settings, jobs_table: JobsTable, files_bucket: FilesBucket, clock: FakeClock
) -> None:
    text = "straße " * 10_000  # 70000 characters; their upper case is over 65536 bytes of JSON text
    job_id = submitted(jobs_table, "text_transform", {"text": text})

    response = deliver(handler_for(settings, jobs_table, clock, files=files_bucket), job_id)

    assert response == NO_FAILURES
    key = f"results/{job_id}/result.json"
    item = read(jobs_table, job_id)
    assert (item["status"], item["result_ref"], "result" in item) == ("SUCCEEDED", key, False)
    stored = files_bucket.get(key)
    assert stored is not None
    assert stored.content_type == "application/json"
    assert json.loads(stored.body) == {"length": 70_000, "uppercase": text.upper(), "word_count": 10_000}


def test_a_record_whose_job_cannot_finish_in_what_is_left_of_the_invocation_goes_back_at_once_unclaimed(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    # 10 s left: a text job needs 7 s (its time budget and its calls), an image job 32 s (the contract's).
    first = submitted(jobs_table, "text_transform", {"text": "first"})
    image = submitted(jobs_table, "image_resize", {"source_key": upload_key(), "dimensions": [20, 20]})
    last = submitted(jobs_table, "text_transform", {"text": "last"})
    records = [
        jobs_queue.receive_as_record(job_message_body(job_id, job_type))
        for job_id, job_type in ((first, "text_transform"), (image, "image_resize"), (last, "text_transform"))
    ]
    handler = handler_for(settings, jobs_table, clock, queue=jobs_queue)
    unclaimed = read(jobs_table, image)

    response = handler(sqs_event(*records), FakeLambdaContext("conveyor-worker", remaining_millis=10_000))

    assert response == failures(records[1]["messageId"])
    assert [read(jobs_table, job_id)["status"] for job_id in (first, last)] == ["SUCCEEDED", "SUCCEEDED"]
    assert read(jobs_table, image) == unclaimed  # still QUEUED, attempts 0: not one of its attempts
    # Visible again at once, where a failure would have come back only after the queue's visibility timeout.
    assert jobs_queue.bodies() == [job_message_body(image, "image_resize")]


def test_the_first_record_of_an_invocation_starts_whatever_its_jobs_time_budget(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    # No invocation could give it more time: a function whose timeout is below a job's budget runs it.
    image = submitted(jobs_table, "image_resize", {"source_key": upload_key(), "dimensions": [20, 20]})
    record = jobs_queue.receive_as_record(job_message_body(image, "image_resize"))
    handler = handler_for(settings, jobs_table, clock, queue=jobs_queue)

    response = handler(sqs_event(record), FakeLambdaContext("conveyor-worker", remaining_millis=10_000))

    assert response == NO_FAILURES
    item = read(jobs_table, image)
    assert (item["status"], item["attempts"], item["error"]["code"]) == ("FAILED", 1, "SOURCE_NOT_FOUND")


def test_a_message_of_a_job_newer_than_the_worker_waits_as_a_delayed_copy_never_failed(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    # As a newer API stores and announces a job of a type this worker's contract lacks.
    newer = queued_item("video_transcode", {"frames": 3})
    jobs_table.put(newer)
    body = job_message_body(newer["job_id"], "video_transcode")
    first = jobs_queue.receive_as_record(body)
    clock.advance(seconds=5)
    handler = handler_for(settings, jobs_table, clock, queue=jobs_queue)

    with recorded_calls(jobs_queue.client, "SendMessage") as sent:
        first_response = handler(sqs_event(first), None)
    # The copy is delayed, and the original in flight until the event source mapping deletes it.
    visible = jobs_queue.client.receive_message(QueueUrl=jobs_queue.url, WaitTimeSeconds=0).get(
        "Messages", []
    )
    later = sqs_record(body, message_id="m-later")
    later["messageAttributes"] = {"ConveyorDeferrals": {"stringValue": "3", "dataType": "Number"}}
    with recorded_calls(jobs_queue.client, "SendMessage") as sent_later:
        later_response = handler(sqs_event(later), None)

    # Acknowledged, so never received MAX_RECEIVE_COUNT times and never moved to the DLQ as poison.
    assert first_response == later_response == NO_FAILURES
    assert visible == []
    assert [(call["MessageBody"], call["DelaySeconds"]) for call in sent + sent_later] == [
        (body, 30),
        (body, 240),
    ]
    assert [call["MessageAttributes"]["ConveyorDeferrals"]["StringValue"] for call in sent + sent_later] == [
        "1",
        "4",
    ]
    stored = read(jobs_table, newer["job_id"])
    assert (stored["status"], stored["attempts"], stored["updated_at"]) == (
        "QUEUED",
        0,
        to_timestamp(clock()),
    )
    assert jobs_queue.bodies(jobs_queue.dlq_url) == []


def test_a_message_before_its_jobs_run_at_is_sent_again_for_the_remainder_and_acknowledged(
    settings: Settings, jobs_table: JobsTable, jobs_queue: JobsQueue, clock: FakeClock
) -> None:
    # A spare copy, or a DLQ redrive, of a job to run in 10 minutes.
    later = queued_item("text_transform", {"text": "later"}) | {
        "run_at": to_timestamp(clock() + timedelta(minutes=10))
    }
    jobs_table.put(later)
    body = job_message_body(later["job_id"])
    record = jobs_queue.receive_as_record(body)
    handler = handler_for(settings, jobs_table, clock, queue=jobs_queue)

    with recorded_calls(jobs_queue.client, "SendMessage") as sent:
        response = handler(sqs_event(record), None)

    assert response == NO_FAILURES
    assert [(call["MessageBody"], call["DelaySeconds"], "MessageAttributes" in call) for call in sent] == [
        (body, 600, False)
    ]
    stored = read(jobs_table, later["job_id"])
    assert (stored["status"], stored["attempts"], stored["updated_at"]) == (
        "QUEUED",
        0,
        to_timestamp(clock()),
    )
