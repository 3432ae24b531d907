"""Files through S3, over HTTP against the moto server: an image uploaded with the API's presigned POST is
resized by the worker and downloaded through the record's link; a result too large for its item is stored
aside and read through result_url; a source never uploaded fails the job.

Uploads and their owners across versions (docs/design.md, Uploads and their owners): the worker reads the
owner the API's form records, and holds the jobs an older API accepted, which checked no owner, to it; an
upload an older API issued, which records no owner, still runs for the job that names it.
tests/integration/test_sign_in_and_listing.py shows the API's own refusal on the signed-in local stack.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import requests
from boto3.dynamodb.types import TypeDeserializer
from PIL import Image

from tests.support import contract, http
from tests.support.stack import Stack, post_uploads_event, signed_in

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


def _send(ticket: dict[str, Any], body: bytes) -> None:
    upload = requests.post(
        ticket["url"], data=ticket["fields"], files={"file": ("photo.png", body)}, timeout=10
    )
    assert upload.status_code == 204


def _signed_in_upload(stack: Stack, sub: str, body: bytes) -> str:
    """Sent with the ticket the API of a deployment with sign-in issues to `sub`: it records `sub`."""
    response = stack.api_handler(auth_mode="jwt")(signed_in(post_uploads_event("image/png"), sub), None)
    assert response["statusCode"] == 200, response["body"]
    ticket: dict[str, Any] = json.loads(response["body"])
    _send(ticket, body)
    return str(ticket["source_key"])


def _stored_by_an_older_api(stack: Stack, owner: str, payload: dict[str, Any]) -> str:
    """An image_resize job as an API from before owners were checked accepts it for signed-in `owner`,
    whatever upload it names: its message, then its item, each as the contract has them."""
    job_id = str(uuid.uuid4())
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    item = {
        "job_id": job_id,
        "job_type": "image_resize",
        "status": "QUEUED",
        "created_at": now,
        "updated_at": now,
        "attempts": 0,
        "payload": json.dumps(payload),
        "owner": owner,
        "owner_type": f"{owner}#image_resize",
        "owner_status": f"{owner}#QUEUED",
        "owner_type_status": f"{owner}#image_resize#QUEUED",
    }
    contract.validator("job-item").validate(item)
    message = {"contract_version": "1", "job_id": job_id, "job_type": "image_resize", "submitted_at": now}
    contract.validator("job-message").validate(message)
    stack.send_raw_message(json.dumps(message))
    stack.dynamodb.put_item(TableName=stack.resources.table_name, Item=_attributes(item))
    return job_id


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {"N": str(value)} if isinstance(value, int) else {"S": value} for name, value in item.items()
    }


def _stored(stack: Stack, job_id: str) -> dict[str, Any]:
    """The job's item read back through boto3."""
    item = stack.dynamodb.get_item(
        TableName=stack.resources.table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
    )["Item"]
    return {name: TypeDeserializer().deserialize(value) for name, value in item.items()}


def test_a_job_an_older_api_accepted_naming_another_callers_upload_fails_as_if_there_were_none(
    stack: Stack,
) -> None:
    """bob names alice's upload through an API that did not check: the worker will not read it for him."""
    alices = _signed_in_upload(stack, "alice", _png(120, 80))
    bobs_job = _stored_by_an_older_api(stack, "bob", {"source_key": alices, "dimensions": [60, 40]})
    nobodys_job = _stored_by_an_older_api(
        stack, "bob", {"source_key": MISSING_SOURCE_KEY, "dimensions": [60, 40]}
    )

    _run_worker_until_idle(stack)

    bobs, missing = _stored(stack, bobs_job), _stored(stack, nobodys_job)
    assert bobs["status"] == "FAILED"
    error, missing_error = bobs["error"], missing["error"]
    assert error["code"] == "SOURCE_NOT_FOUND"
    # Word for word what a missing upload's job is told, the key aside: nothing tells bob it exists.
    assert error["message"].replace(alices, "KEY") == missing_error["message"].replace(
        MISSING_SOURCE_KEY, "KEY"
    )
    # Read back as a test, not as a function (the environment points boto3 at the moto server).
    results = boto3.client("s3").list_objects_v2(Bucket=stack.resources.files_bucket_name, Prefix="results/")
    assert results["KeyCount"] == 0


def test_the_owner_an_upload_records_is_the_one_whose_job_the_worker_runs_on_it(stack: Stack) -> None:
    alices = _signed_in_upload(stack, "alice", _png(120, 80))
    alices_job = _stored_by_an_older_api(stack, "alice", {"source_key": alices, "dimensions": [60, 40]})

    _run_worker_until_idle(stack)

    assert _stored(stack, alices_job)["status"] == "SUCCEEDED"


def test_an_upload_an_older_api_issued_still_runs_for_the_signed_in_job_that_names_it(stack: Stack) -> None:
    """An older API's ticket records no owner, as this API's does without sign-in: such an upload is any job's
    to read, so the jobs older APIs accepted for it keep running on new workers."""
    unowned = _upload_ticket(stack, "image/png")
    assert "x-amz-meta-owner" not in unowned["fields"]
    _send(unowned, _png(120, 80))
    job_id = _stored_by_an_older_api(
        stack, "alice", {"source_key": unowned["source_key"], "dimensions": [60, 40]}
    )

    _run_worker_until_idle(stack)

    assert _stored(stack, job_id)["status"] == "SUCCEEDED"
