"""Payloads stored aside, over HTTP against the moto server, with the threshold `make dev` deploys (4096
bytes): a 200 KiB payload goes to the files bucket and its item stays under 2 KB, so each of a job's three
writes costs about one write unit where it cost some 200; a payload at the threshold stays in its item."""

from __future__ import annotations

import json
from typing import Any

import requests
from conveyor_local.aws import s3_client
from conveyor_local.config import PAYLOAD_INLINE_MAX_BYTES

from tests.support import http
from tests.support.stack import Stack

# text_transform takes at most 100,000 characters: three-byte ones make the payload 200 KiB of UTF-8.
LARGE_TEXT = "€" * 68_267


def _submit_utf_8(stack: Stack, text: str) -> str:
    """Sends the body as UTF-8, as clients do, not \\u-escaped: so escaped, 200 KiB of text would be over the
    body limit."""
    body = json.dumps({"job_type": "text_transform", "payload": {"text": text}}, ensure_ascii=False)
    response = http.request(
        "POST", f"{stack.api_url}/jobs", body=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status == 202, response.body
    job_id: str = response.json()["job_id"]
    return job_id


def _run_worker_until_idle(stack: Stack) -> None:
    worker = stack.worker()
    while worker.poll_once().received:
        pass


def _item(stack: Stack, job_id: str) -> dict[str, Any]:
    (item,) = [item for item in stack.items() if item["job_id"]["S"] == job_id]
    return item


def _item_size_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's measure of an item, near enough for these attributes: each name's and each value's UTF-8
    bytes (a number counted by its digits, a map by its members): write units are billed on it, per 1 KB."""

    def value_size(value: dict[str, Any]) -> int:
        ((kind, content),) = value.items()
        if kind == "M":
            return 3 + sum(len(name.encode()) + value_size(member) for name, member in content.items())
        return len(str(content).encode())

    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def test_a_200_kib_payload_is_stored_aside_and_its_job_succeeds_with_a_small_item(
    stack: Stack, aws_endpoint: str
) -> None:
    stored_text = json.dumps({"text": LARGE_TEXT}, ensure_ascii=False, separators=(",", ":"))
    assert len(stored_text.encode()) > 200 * 1024

    job_id = _submit_utf_8(stack, LARGE_TEXT)
    queued = _item(stack, job_id)
    _run_worker_until_idle(stack)

    record = stack.status(job_id).json()
    assert record["status"] == "SUCCEEDED", record["error"]
    # Its result, with the text in upper case, is itself too large for the item: stored aside too.
    result = requests.get(record["result_url"], timeout=10).json()
    assert (result["length"], result["uppercase"]) == (len(LARGE_TEXT), LARGE_TEXT.upper())
    finished = _item(stack, job_id)
    key = f"payloads/{job_id}/payload.json"
    assert ("payload" in finished, finished["payload_ref"]["S"]) == (False, key)
    assert max(_item_size_bytes(queued), _item_size_bytes(finished)) < 2000
    stored = s3_client(aws_endpoint).get_object(Bucket=stack.resources.files_bucket_name, Key=key)
    assert (stored["Body"].read(), stored["ContentType"]) == (stored_text.encode(), "application/json")


def test_a_payload_at_the_threshold_stays_in_its_item(stack: Stack) -> None:
    text = "x" * (PAYLOAD_INLINE_MAX_BYTES - len('{"text":""}'))

    job_id = _submit_utf_8(stack, text)
    _run_worker_until_idle(stack)

    item = _item(stack, job_id)
    assert (item["status"]["S"], "payload_ref" in item) == ("SUCCEEDED", False)
    assert len(item["payload"]["S"].encode()) == PAYLOAD_INLINE_MAX_BYTES
