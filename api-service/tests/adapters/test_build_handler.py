"""build_handler against moto: the real adapters behind the routes, and how many AWS calls each costs."""

import json
import time
from dataclasses import replace
from typing import Any

import boto3
import botocore.session
import pytest
import requests

from conveyor_api.handlers.http import Handler, build_handler
from conveyor_api.models import JobItem
from conveyor_api.settings import Settings
from conveyor_api.store.dynamo import DynamoJobStore
from tests.adapters.conftest import Aws, idempotency_items, queued_messages, stored_items
from tests.support.events import DEMO_ORIGIN, get_job, post_job_request, post_uploads, signed_in
from tests.support.lambda_context import LambdaContext
from tests.support.problems import assert_problem

TEXT_REQUEST = {"job_type": "text_transform", "payload": {"text": "Hello, Conveyor!"}}


class AwsCalls:
    """Counts the API operations the handler's clients make, by name."""

    def __init__(self, aws: Aws) -> None:
        self.names: list[str] = []
        for client in (aws.dynamodb, aws.sqs, aws.s3):
            client.meta.events.register("before-call.*.*", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)


@pytest.fixture
def calls(aws: Aws) -> AwsCalls:
    return AwsCalls(aws)


def _settings(aws: Aws, **changes: Any) -> Settings:
    settings = Settings(
        jobs_table_name=aws.table_name,
        jobs_queue_url=aws.queue_url,
        idempotency_table_name=aws.idempotency_table_name,
        cors_allow_origin=DEMO_ORIGIN,
        files_bucket_name=aws.files_bucket_name,
        auth_mode="none",
        powertools_service_name="conveyor-api-adapters",
        powertools_metrics_namespace="ConveyorAdapters",
        payload_inline_max_bytes=4096,
        job_types_parameter_name="/conveyor-adapters/worker/job-types",
        job_retention_days=30,
    )
    return replace(settings, **changes)


def _keyed(key: str) -> dict[str, Any]:
    event = post_job_request(TEXT_REQUEST)
    event["headers"]["idempotency-key"] = key
    return event


@pytest.fixture
def handler(aws: Aws) -> Handler:
    return build_handler(_settings(aws), dynamodb_client=aws.dynamodb, sqs_client=aws.sqs, s3_client=aws.s3)


def test_submitted_job_is_stored_enqueued_and_readable(aws: Aws, handler: Handler) -> None:
    submitted = handler(post_job_request(TEXT_REQUEST), None)
    record = json.loads(submitted["body"])

    assert submitted["statusCode"] == 202
    [item] = stored_items(aws)
    assert item["job_id"] == {"S": record["job_id"]}
    assert item["status"] == {"S": "QUEUED"}
    assert [json.loads(body) for body in queued_messages(aws)] == [
        {
            "contract_version": "1",
            "job_id": record["job_id"],
            "job_type": "text_transform",
            "submitted_at": record["created_at"],
        }
    ]
    fetched = handler(get_job(record["job_id"]), None)
    assert fetched["statusCode"] == 200
    assert json.loads(fetched["body"]) == record


def test_submit_costs_exactly_one_send_and_one_write_in_that_order(handler: Handler, calls: AwsCalls) -> None:
    handler(post_job_request(TEXT_REQUEST), None)

    assert calls.names == ["SendMessage", "PutItem"]


def test_first_keyed_submit_adds_a_conditional_put_and_an_update_of_the_key(
    handler: Handler, calls: AwsCalls
) -> None:
    handler(_keyed("order-1"), LambdaContext())

    # The key's conditional put, the message, the job, then the key's record of the job.
    assert calls.names == ["PutItem", "SendMessage", "PutItem", "UpdateItem"]


def test_replayed_keyed_submit_costs_one_refused_put_and_answers_the_same(
    aws: Aws, handler: Handler, calls: AwsCalls
) -> None:
    first = handler(_keyed("order-1"), LambdaContext())
    calls.names.clear()

    replay = handler(_keyed("order-1"), LambdaContext())

    assert calls.names == ["PutItem"]
    assert (replay["statusCode"], replay["body"]) == (202, first["body"])
    assert replay["headers"]["Location"] == first["headers"]["Location"]
    assert len(stored_items(aws)) == 1
    assert len(queued_messages(aws)) == 1


def test_a_keys_first_use_would_free_it_when_its_invocation_times_out(aws: Aws, handler: Handler) -> None:
    # A first use that dies (a timeout, a crash) cannot clean up: the key must not stay in progress for a day.
    started_ms = time.time() * 1000

    handler(_keyed("order-1"), LambdaContext(remaining_time_in_millis=7000))

    [key_item] = idempotency_items(aws)
    assert started_ms + 7000 <= int(key_item["in_progress_expiration"]["N"]) <= time.time() * 1000 + 7000


class SandboxVanished(BaseException):
    """The Lambda sandbox gone mid-invocation: no `except Exception` runs, as after a timeout."""


class VanishOnceTheJobIsStored:
    """Ends the invocation right after the jobs table accepted the job, before anything else is written."""

    def __init__(self, aws: Aws) -> None:
        self._jobs_table = aws.table_name
        self._table: str | None = None
        self.armed = True
        aws.dynamodb.meta.events.register("provide-client-params.dynamodb.PutItem", self._note_table)
        aws.dynamodb.meta.events.register("after-call.dynamodb.PutItem", self._vanish)

    def _note_table(self, params: dict[str, Any], **_: Any) -> None:
        self._table = params["TableName"]

    def _vanish(self, **_: Any) -> None:
        if self.armed and self._table == self._jobs_table:
            self.armed = False
            raise SandboxVanished()


def test_a_retry_after_a_first_use_died_between_storing_its_job_and_its_key_gets_that_job(
    aws: Aws, handler: Handler
) -> None:
    VanishOnceTheJobIsStored(aws)
    deadline_ms = 100
    with pytest.raises(SandboxVanished):
        handler(_keyed("order-1"), LambdaContext(remaining_time_in_millis=deadline_ms))
    [stored] = stored_items(aws)
    time.sleep(2 * deadline_ms / 1000)

    retry = handler(_keyed("order-1"), LambdaContext())

    assert retry["statusCode"] == 202
    assert json.loads(retry["body"])["job_id"] == stored["job_id"]["S"]
    assert stored_items(aws) == [stored]
    # Each attempt announced the job before storing it: two copies of one message, one job.
    assert [json.loads(body)["job_id"] for body in queued_messages(aws)] == [stored["job_id"]["S"]] * 2
    assert handler(_keyed("order-1"), LambdaContext())["body"] == retry["body"]


def test_status_costs_exactly_one_read(handler: Handler, calls: AwsCalls) -> None:
    handler(get_job("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"), None)

    assert calls.names == ["GetItem"]


def test_rejected_request_costs_no_aws_call(aws: Aws, handler: Handler, calls: AwsCalls) -> None:
    response = handler(post_job_request({"job_type": "text_transform", "payload": {"text": ""}}), None)

    assert_problem(response, 400, "validation-failed")
    assert calls.names == []
    assert stored_items(aws) == []
    assert queued_messages(aws) == []


def test_missing_table_answers_503_and_stores_nothing(aws: Aws) -> None:
    settings = _settings(aws, jobs_table_name="no-such-table")
    handler = build_handler(settings, dynamodb_client=aws.dynamodb, sqs_client=aws.sqs)

    assert_problem(handler(post_job_request(TEXT_REQUEST), None), 503, "service-unavailable")
    # Its message left first and names a job that never exists: the worker drops it as an orphan.
    assert stored_items(aws) == []
    assert len(queued_messages(aws)) == 1


def test_clients_default_to_botocore_clients_from_the_environment(aws: Aws) -> None:
    response = build_handler(_settings(aws))(post_job_request(TEXT_REQUEST), None)

    assert response["statusCode"] == 202
    assert len(stored_items(aws)) == 1


def test_upload_ticket_costs_no_aws_call_and_its_form_stores_the_file(
    aws: Aws, handler: Handler, calls: AwsCalls
) -> None:
    response = handler(post_uploads('{"content_type": "image/png"}'), None)

    assert response["statusCode"] == 200
    assert calls.names == []
    ticket = json.loads(response["body"])
    upload = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("cat.png", b"\x89PNG...")}, timeout=10
    )
    assert upload.status_code == 204
    stored = aws.s3.get_object(Bucket=aws.files_bucket_name, Key=ticket["source_key"])
    assert (stored["Body"].read(), stored["ContentType"]) == (b"\x89PNG...", "image/png")


def test_its_own_s3_client_is_made_by_the_first_request_that_needs_s3_and_only_once(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    create_client = botocore.session.Session.create_client

    def counted(session: botocore.session.Session, service_name: str, *args: Any, **kwargs: Any) -> Any:
        made.append(service_name)
        return create_client(session, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counted)
    handler = build_handler(_settings(aws), dynamodb_client=aws.dynamodb, sqs_client=aws.sqs)
    job_id = json.loads(handler(post_job_request(TEXT_REQUEST), None)["body"])["job_id"]
    assert handler(get_job(job_id), None)["statusCode"] == 200
    # The submission read the worker's job types, with SSM's client made for it: not S3's.
    assert made == ["ssm"]

    for _ in range(2):
        assert handler(post_uploads('{"content_type": "image/png"}'), None)["statusCode"] == 200
    assert made == ["ssm", "s3"]


def test_own_s3_client_signs_with_sigv4_for_the_buckets_regional_endpoint(aws: Aws) -> None:
    # SigV2 links fail in regions opened since 2014, and the global endpoint can redirect a new bucket's form.
    handler = build_handler(_settings(aws), dynamodb_client=aws.dynamodb, sqs_client=aws.sqs)

    ticket = json.loads(handler(post_uploads('{"content_type": "image/png"}'), None)["body"])

    assert ticket["url"] == f"https://{aws.files_bucket_name}.s3.eu-west-1.amazonaws.com/"
    assert ticket["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "/eu-west-1/s3/aws4_request" in ticket["fields"]["x-amz-credential"]


def test_succeeded_image_job_reads_with_a_link_that_downloads_its_image(aws: Aws, handler: Handler) -> None:
    job_id = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
    key = f"results/{job_id}/image.png"
    aws.s3.put_object(Bucket=aws.files_bucket_name, Key=key, Body=b"\x89PNG...", ContentType="image/png")
    result = {"key": key, "size_bytes": 9, "format": "png", "dimensions": [4, 3]}
    item = JobItem.from_document(
        {
            "job_id": job_id,
            "job_type": "image_resize",
            "status": "SUCCEEDED",
            "created_at": "2026-11-24T17:05:09.123Z",
            "updated_at": "2026-11-24T17:05:09.789Z",
            "started_at": "2026-11-24T17:05:09.456Z",
            "finished_at": "2026-11-24T17:05:09.789Z",
            "attempts": 1,
            "payload": json.dumps({"source_key": f"uploads/{job_id}", "dimensions": [4, 3]}),
            "result": json.dumps(result),
            "expires_at": 1798131910,
        }
    )
    DynamoJobStore(aws.dynamodb, aws.table_name).put_new(item)

    record = json.loads(handler(get_job(job_id), None)["body"])

    assert {name: record["result"][name] for name in result} == result
    download = requests.get(record["result"]["url"], timeout=10)
    assert (download.status_code, download.content) == (200, b"\x89PNG...")


def test_with_sign_in_an_image_job_costs_one_head_object_of_its_upload_before_the_send_and_the_write(
    aws: Aws, calls: AwsCalls
) -> None:
    """Alice's form records her; her job names its upload and is accepted, bob's naming it is refused."""
    handler = build_handler(
        _settings(aws, auth_mode="jwt"), dynamodb_client=aws.dynamodb, sqs_client=aws.sqs, s3_client=aws.s3
    )
    ticket = json.loads(
        handler(signed_in(post_uploads('{"content_type": "image/png"}'), "alice"), None)["body"]
    )
    sent = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("a.png", b"\x89PNG")}, timeout=10
    )
    assert sent.status_code == 204
    request = {
        "job_type": "image_resize",
        "payload": {"source_key": ticket["source_key"], "dimensions": [4, 3]},
    }

    bobs = handler(signed_in(post_job_request(request), "bob"), None)
    assert calls.names == ["HeadObject"]
    alices = handler(signed_in(post_job_request(request), "alice"), None)

    assert_problem(bobs, 422, "upload-not-found")
    assert alices["statusCode"] == 202
    assert calls.names == ["HeadObject", "HeadObject", "SendMessage", "PutItem"]
    [item] = stored_items(aws)
    assert item["owner"] == {"S": "alice"}


def test_a_job_type_the_worker_stack_does_not_publish_is_refused_and_nothing_is_written(aws: Aws) -> None:
    settings = _settings(aws)
    ssm = boto3.client("ssm")
    published = {"contract_major": 1, "job_types": ["data_analysis", "image_resize"]}
    ssm.put_parameter(Name=settings.job_types_parameter_name, Type="String", Value=json.dumps(published))
    handler = build_handler(
        settings, dynamodb_client=aws.dynamodb, sqs_client=aws.sqs, s3_client=aws.s3, ssm_client=ssm
    )

    response = handler(post_job_request(TEXT_REQUEST), None)

    assert_problem(response, 422, "job-type-unavailable")
    assert stored_items(aws) == []
    assert queued_messages(aws) == []
