"""`make rehearse`: each service at HEAD beside the other at its last release, as separate owners deploy them,
through the acceptance flows: submit, run, read and list each job type both know; a job type only the newer
side knows is refused clearly or waits, never FAILED; a member only the newer side writes is ignored by the
older one.

When the two sides' contracts define the same job types, the newer side's part is played from HEAD's
contract: an API newer than the worker stores and announces a job of a type the worker lacks (documents of
HEAD's job-item and job-message, with that type added to the catalogue), and a client of a newer worker asks
the older API for one.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.config import MAX_RECEIVE_COUNT, QUEUE_VISIBILITY_TIMEOUT_SECONDS
from conveyor_release.contract_tree import ContractTree
from PIL import Image

from tests.rehearsal.conftest import Rehearsal
from tests.support import http
from tests.support.contract import REPO_ROOT
from tests.support.queues import queue_counts
from tests.support.waiting import wait_for

NEWER_JOB_TYPE = "rehearsal_newer_type"
"""A job type no released contract defines: the newer side's, when the two contracts define the same ones."""
NEWER_MEMBER = "rehearsal_newer_member"
"""A member no released contract defines, as a later minor version of the contract might add one."""
USER = "rehearsal"
FINISHED = ("SUCCEEDED", "FAILED")
RUN_TIMEOUT_SECONDS = 90
# How long a worker that refuses a message takes to have SQS move it to the DLQ: one visibility timeout after
# each of its receives, and a last receive. Only a failing rehearsal waits that long.
DEAD_LETTER_TIMEOUT_SECONDS = (MAX_RECEIVE_COUNT + 1) * QUEUE_VISIBILITY_TIMEOUT_SECONDS + 10


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_tokens: dict[str, str] = {}
"""USER's access token by stack (its API's URL): signing in once per stack, as a client keeps its token."""


def _headers(rehearsal: Rehearsal) -> dict[str, str]:
    stack = rehearsal.stack
    if stack.api_url not in _tokens:
        _tokens[stack.api_url] = stack.token(USER)
    return {"authorization": f"Bearer {_tokens[stack.api_url]}"}


def _get(rehearsal: Rehearsal, path: str) -> http.Response:
    return http.request("GET", f"{rehearsal.stack.api_url}{path}", headers=_headers(rehearsal))


def _submit(rehearsal: Rehearsal, job_type: str, payload: Any) -> http.Response:
    return http.request(
        "POST",
        f"{rehearsal.stack.api_url}/jobs",
        json_body={"job_type": job_type, "payload": payload},
        headers=_headers(rehearsal),
    )


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 8), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def _payload(rehearsal: Rehearsal, contract: ContractTree, job_type: str) -> Any:
    """The first golden example of the job type's input in `contract`, its source (if it names one)
    uploaded first through the API, as a client does."""
    payload = contract.examples(f"{job_type}.input")[0]
    if isinstance(payload, dict) and "source_key" in payload:
        ticket = http.request(
            "POST",
            f"{rehearsal.stack.api_url}/uploads",
            json_body={"content_type": "image/png"},
            headers=_headers(rehearsal),
        )
        assert ticket.status == 200, ticket.body
        fields = ticket.json()
        upload = requests.post(
            fields["url"], data=fields["fields"], files={"file": ("rehearsal.png", _png())}, timeout=10
        )
        assert upload.status_code == 204, upload.text
        payload = {**payload, "source_key": fields["source_key"]}
    return payload


def _finished(rehearsal: Rehearsal, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}

    def all_finished() -> bool:
        for job_id in job_ids:
            if job_id not in records:
                record = _get(rehearsal, f"/jobs/{job_id}").json()
                if record["status"] in FINISHED:
                    records[job_id] = record
        return len(records) == len(job_ids)

    wait_for(all_finished, timeout=RUN_TIMEOUT_SECONDS, what=f"jobs {job_ids} to finish", interval=0.2)
    return records


def _listed(rehearsal: Rehearsal) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = _get(rehearsal, "/jobs?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status == 200, response.body
        page = response.json()
        assert rehearsal.contract("api").accepts("job-list", page), page
        jobs += page["jobs"]
        cursor = page.get("next_cursor")
        if not cursor:
            return jobs


def _item(rehearsal: Rehearsal, job_id: str) -> dict[str, Any]:
    stored = dynamodb_client(rehearsal.stack.aws_endpoint_url).get_item(
        TableName=rehearsal.resources.table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
    )["Item"]
    return {name: TypeDeserializer().deserialize(value) for name, value in stored.items()}


def _store_and_announce(rehearsal: Rehearsal, job_type: str, payload: Any, newer: dict[str, Any]) -> str:
    """A job stored and announced as an API newer than the worker does, from HEAD's contract: its job-item
    and job-message documents (golden examples, with this job's values), with `job_type` in the catalogue and
    `newer` members added."""
    job_id, now = str(uuid.uuid4()), _now()
    head = ContractTree(REPO_ROOT / "contracts")
    catalogue = head.schemas["job-type"]
    head = head.with_pinned({"job-type": {**catalogue, "enum": sorted({*catalogue["enum"], job_type})}})
    job = {"job_id": job_id, "job_type": job_type}
    item = next(
        example
        for example in head.examples("job-item")
        if example["status"] == "QUEUED" and "owner" not in example and "payload" in example
    )
    item = {**{k: v for k, v in item.items() if k in head.schemas["job-item"]["required"]}, **job}
    item |= {"created_at": now, "updated_at": now, "attempts": 0, "payload": json.dumps(payload)}
    message = {**head.examples("job-message")[0], **job, "submitted_at": now}
    assert head.accepts("job-item", item), item
    assert head.accepts("job-message", message), message
    dynamodb_client(rehearsal.stack.aws_endpoint_url).put_item(
        TableName=rehearsal.resources.table_name,
        Item={
            name: TypeSerializer().serialize(value)
            for name, value in json.loads(json.dumps(item | newer), parse_float=Decimal).items()
        },
    )
    sqs_client(rehearsal.stack.aws_endpoint_url).send_message(
        QueueUrl=rehearsal.resources.queue_url, MessageBody=json.dumps(message | newer)
    )
    return job_id


def test_each_job_type_both_sides_know_runs_reads_back_and_lists(rehearsal: Rehearsal) -> None:
    both = sorted(rehearsal.job_types("api") & rehearsal.job_types("worker"))
    assert both, f"{rehearsal.name}: the two sides know no job type in common"
    # The client knows the older API's contract at least: the examples come from the API's own.
    accepted = {}
    for job_type in both:
        response = _submit(rehearsal, job_type, _payload(rehearsal, rehearsal.contract("api"), job_type))
        assert response.status == 202, (job_type, response.body)
        accepted[response.json()["job_id"]] = job_type

    records = _finished(rehearsal, list(accepted))

    for job_id, record in records.items():
        assert record["status"] == "SUCCEEDED", (accepted[job_id], record)
        # Read through the API, the record is within the API's contract, whatever worker wrote the item.
        assert rehearsal.contract("api").accepts("job-record", record), record
        assert rehearsal.contract("worker").accepts(f"{accepted[job_id]}.result", record["result"]), record
    listed = {job["job_id"]: job["status"] for job in _listed(rehearsal)}
    assert {job_id: listed.get(job_id) for job_id in accepted} == dict.fromkeys(accepted, "SUCCEEDED")


def test_a_job_type_only_the_newer_side_knows_is_refused_or_waits_and_is_never_failed(
    rehearsal: Rehearsal,
) -> None:
    newer_only = rehearsal.job_types(rehearsal.newer) - rehearsal.job_types(rehearsal.older)
    job_types = sorted(newer_only) or [NEWER_JOB_TYPE]
    if rehearsal.newer == "worker":
        for job_type in job_types:
            _assert_refused_by_the_older_api(rehearsal, job_type)
        return
    for job_type in job_types:
        if job_type in newer_only:
            payload = _payload(rehearsal, rehearsal.contract("api"), job_type)
            response = _submit(rehearsal, job_type, payload)
            if response.status != 202:
                # The newer API knows the worker cannot run it yet: a clear refusal, and nothing stored.
                _assert_problem(response)
                continue
            job_id = response.json()["job_id"]
        else:
            job_id = _store_and_announce(rehearsal, job_type, {"frames": 3}, {})
        _assert_waits_for_a_newer_worker(rehearsal, job_id)


def _assert_problem(response: http.Response) -> None:
    assert 400 <= response.status < 500 or response.status == 503, (response.status, response.body)
    assert response.content_type.startswith("application/problem+json"), response.headers
    assert {"type", "title", "status"} <= set(response.json()), response.body


def _assert_refused_by_the_older_api(rehearsal: Rehearsal, job_type: str) -> None:
    response = _submit(rehearsal, job_type, {"frames": 3})
    _assert_problem(response)
    assert response.status != 503, response.body  # refused for what it is, not as an outage
    items = dynamodb_client(rehearsal.stack.aws_endpoint_url).scan(
        TableName=rehearsal.resources.table_name,
        FilterExpression="job_type = :job_type",
        ExpressionAttributeValues={":job_type": {"S": job_type}},
        ConsistentRead=True,
    )["Items"]
    assert items == [], items


def _assert_waits_for_a_newer_worker(rehearsal: Rehearsal, job_id: str) -> None:
    sqs = sqs_client(rehearsal.stack.aws_endpoint_url)

    def handled() -> dict[str, Any] | None:
        # A job is stored QUEUED with updated_at = created_at; a worker that makes it wait dates it anew. One
        # that takes its message for poison leaves it be, and SQS moves the message to the DLQ.
        item = _item(rehearsal, job_id)
        dead_letters = sum(queue_counts(sqs, rehearsal.resources.dlq_url))
        changed = item["updated_at"] > item["created_at"] or item["status"] != "QUEUED"
        return {**item, "dead_letters": dead_letters} if changed or dead_letters else None

    item = wait_for(
        handled, timeout=DEAD_LETTER_TIMEOUT_SECONDS, what=f"the older worker to handle job {job_id}"
    )
    assert item["dead_letters"] == 0, f"the older worker's message of job {job_id} went to the DLQ: {item}"
    assert (item["status"], item["attempts"], "error" in item) == ("QUEUED", 0, False), item
    # Sent again, delayed, for a newer worker to take: not left visible, not moved to the DLQ as poison.
    wait_for(
        lambda: queue_counts(sqs, rehearsal.resources.queue_url)[2] >= 1,
        timeout=10,
        what=f"a delayed copy of job {job_id}'s message",
    )
    assert queue_counts(sqs, rehearsal.resources.dlq_url) == (0, 0, 0)


def test_a_member_only_the_newer_side_writes_is_ignored_by_the_older_one(rehearsal: Rehearsal) -> None:
    newer = {NEWER_MEMBER: "written by a newer version"}
    payload = _payload(rehearsal, rehearsal.contract("api"), "text_transform")
    if rehearsal.newer == "api":
        # The older worker reads an item and a message, each with a member its contract lacks.
        job_id = _store_and_announce(rehearsal, "text_transform", payload, newer)
        # Read from the table: the job, stored by no caller, is no signed-in caller's to read through the API.

        def finished() -> dict[str, Any] | None:
            item = _item(rehearsal, job_id)
            return item if item["status"] in FINISHED else None

        item = wait_for(
            finished,
            timeout=RUN_TIMEOUT_SECONDS,
            what=f"job {job_id} to finish",
            interval=0.2,
        )
        assert (item["status"], "error" in item) == ("SUCCEEDED", False), item
        return
    # The older API reads an item a newer worker wrote with a member its contract lacks.
    response = _submit(rehearsal, "text_transform", payload)
    assert response.status == 202, response.body
    job_id = response.json()["job_id"]
    _finished(rehearsal, [job_id])
    dynamodb_client(rehearsal.stack.aws_endpoint_url).update_item(
        TableName=rehearsal.resources.table_name,
        Key={"job_id": {"S": job_id}},
        UpdateExpression="SET #newer = :newer",
        ExpressionAttributeNames={"#newer": NEWER_MEMBER},
        ExpressionAttributeValues={":newer": {"S": newer[NEWER_MEMBER]}},
    )
    response = _get(rehearsal, f"/jobs/{job_id}")
    assert response.status == 200, response.body
    record = response.json()
    assert record["status"] == "SUCCEEDED", record
    assert rehearsal.contract("api").accepts("job-record", record), record
    assert job_id in {job["job_id"] for job in _listed(rehearsal)}
