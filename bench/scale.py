"""Scale: what a status read and a sweep cost as the jobs table grows (1k, 10k, 100k jobs).

The table is filled with copies of a job that really went through the API and the worker (finished, so out of
the sparse `sweep` index), written with BatchWriteItem, plus the same few pending jobs at every size, overdue
for the sweeper. At each size the real handlers run against it: `GET /jobs/{id}` on existing jobs, and one
sweep. DynamoDB's work is read from the answers (items returned, ScannedCount) and priced from item sizes;
moto's time per call is shown too, as the emulator's own trend (it scans in Python), not DynamoDB's.
Listing jobs is not an API yet (no `GET /jobs`): nothing to measure.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from conveyor_local.aws import dynamodb_client
from conveyor_local.lambda_runtime import LambdaContext

from bench.common import Section, median, table
from bench.dynamodb_units import Index, item_size, read_units
from bench.instruments import AwsMeter, Invocation, timed
from bench.requests_per_job import SWEEP_INDEX, api_as_deployed, api_context, get_job_event
from tests.support.stack import Stack, post_jobs_event, running_stack

SIZES = (1_000, 10_000, 100_000)
PENDING = 48
"""Overdue pending jobs present at every size: three per shard of the index."""
STATUS_READS = 20
BATCH = 25  # BatchWriteItem's limit
LOADERS = 4
SHARDS = 16


def run(endpoint: str, sizes: tuple[int, ...] = SIZES) -> Section:
    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    with running_stack(endpoint, visibility_timeout_seconds=30) as stack:
        table_description = stack.dynamodb.describe_table(TableName=stack.resources.table_name)["Table"]
        index = Index.from_description(table_description, SWEEP_INDEX)
        finished, queued = _template_items(stack)
        loaded: list[str] = []
        for size in sizes:
            load_seconds = _fill(stack, endpoint, finished, size - PENDING - len(loaded), loaded)
            pending = _pending(stack, queued)
            row: dict[str, Any] = {"size": len(loaded) + len(pending), "load_seconds": load_seconds}
            row |= _status_reads(stack, endpoint, random.Random(size).sample(loaded, STATUS_READS))
            row |= _sweep(stack, index)
            row["full_scan_rru"] = read_units(item_size(finished) * row["size"], consistent=False)
            rows.append(row)
    section = _section(rows, item_size(finished))
    section.seconds = time.monotonic() - started
    return section


def _template_items(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished job and a queued one, as the API and the worker wrote them."""
    api = stack.api_handler()
    for _ in range(2):
        api(post_jobs_event("text_transform", {"text": "hello conveyor, " * 4}), None)
    worker = stack.worker()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(i["status"]["S"] == "SUCCEEDED" for i in stack.items()):
        worker.poll_once()
    items = stack.items()
    finished = next(item for item in items if item["status"]["S"] == "SUCCEEDED")
    queued = dict(finished)
    for name in ("result", "finished_at", "started_at", "expires_at", "claim_token", "lease_expires_at"):
        queued.pop(name, None)
    queued.update(status={"S": "QUEUED"}, attempts={"N": "0"}, updated_at=finished["created_at"])
    for item in items:
        stack.dynamodb.delete_item(TableName=stack.resources.table_name, Key={"job_id": item["job_id"]})
    return finished, queued


def _fill(stack: Stack, endpoint: str, finished: dict[str, Any], count: int, loaded: list[str]) -> float:
    started = time.monotonic()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    batches = [ids[start : start + BATCH] for start in range(0, count, BATCH)]
    local = threading.local()

    def write(batch: list[str]) -> None:
        if not hasattr(local, "client"):
            local.client = dynamodb_client(endpoint)
        requests = [{"PutRequest": {"Item": {**finished, "job_id": {"S": job_id}}}} for job_id in batch]
        pending: dict[str, Any] = {stack.resources.table_name: requests}
        while pending:
            pending = local.client.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})

    with ThreadPoolExecutor(max_workers=LOADERS) as pool:
        list(pool.map(write, batches))
    loaded.extend(ids)
    return time.monotonic() - started


def _pending(stack: Stack, queued: dict[str, Any]) -> list[str]:
    """The same overdue pending jobs again (written afresh: the last sweep re-sent them)."""
    overdue_ms = int((datetime.now(UTC) - timedelta(hours=1)).timestamp() * 1000)
    ids = [str(uuid.UUID(int=random.Random(n).getrandbits(128), version=4)) for n in range(PENDING)]
    for job_id in ids:
        item = {
            **queued,
            "job_id": {"S": job_id},
            "sweep_shard": {"N": str(uuid.UUID(job_id).int % SHARDS)},
            "sweep_at": {"N": str(overdue_ms)},
        }
        item.pop("sweeps", None)
        stack.dynamodb.put_item(TableName=stack.resources.table_name, Item=item)
    return ids


def _status_reads(stack: Stack, endpoint: str, job_ids: list[str]) -> dict[str, Any]:
    meter = AwsMeter()
    read: list[int] = []
    invocations: list[Invocation] = []

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "GetItem":
            read.append(1 if "Item" in parsed else 0)

    meter.observers.append(observe)
    api = timed(
        api_as_deployed(stack, dynamodb_client=meter.watch(dynamodb_client(endpoint), "api")),
        meter,
        "api",
        invocations,
        threading.Lock(),
    )
    for job_id in job_ids:
        assert api(get_job_event(job_id), api_context())["statusCode"] == 200
    requests = sum(meter.requests.values())
    meter.close()
    return {
        "status_requests_per_read": requests / len(job_ids),
        "status_items_per_read": sum(read) / len(job_ids),
        "status_moto_ms": median([i.http_seconds for i in invocations]) * 1000,
        "status_handler_ms": median([i.seconds for i in invocations]) * 1000,
    }


def _sweep(stack: Stack, index: Index) -> dict[str, Any]:
    meter = AwsMeter()
    meter.watch_default_session()
    meter.phase = "sweeper"
    queries: list[tuple[int, int, int]] = []
    invocations: list[Invocation] = []

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "Query":
            sizes = sum(item_size(item) for item in parsed.get("Items", []))
            queries.append((int(parsed.get("ScannedCount", 0)), int(parsed.get("Count", 0)), sizes))

    meter.observers.append(observe)
    sweeper: Callable[[dict[str, Any], Any], Any] = timed(
        stack.sweeper_handler(), meter, "sweeper", invocations, threading.Lock()
    )
    summary = sweeper({}, LambdaContext("conveyor-sweeper", 256, 60))
    meter.close()
    return {
        "sweep_queries": len(queries),
        "sweep_scanned": sum(scanned for scanned, _, _ in queries),
        "sweep_rru": sum(read_units(size, consistent=False) for _, _, size in queries),
        "sweep_requests": sum(meter.requests.values()),
        "sweep_summary": summary,
        "sweep_seconds": invocations[0].seconds,
        "sweep_ms_per_query": meter.call_seconds[("sweeper", "dynamodb", "Query")]
        / max(1, len(queries))
        * 1000,
    }


def _section(rows: list[dict[str, Any]], finished_size: int) -> Section:
    body = [
        f"The table holds finished jobs ({finished_size} bytes each, as the worker left them) plus "
        f"{PENDING} overdue pending jobs. Per size: {STATUS_READS} status reads of random jobs and one "
        "sweep. Listing jobs: not present yet (no `GET /jobs`).",
        "",
    ]
    table_rows = [
        [
            f"{row['size']:,}",
            f"{row['load_seconds']:.0f} s",
            f"{row['status_requests_per_read']:.0f}",
            f"{row['status_items_per_read']:.0f}",
            f"{row['status_moto_ms']:.1f} ms",
            f"{row['sweep_queries']}",
            f"{row['sweep_scanned']}",
            f"{row['sweep_rru']:.1f}",
            f"{row['sweep_requests']}",
            f"{row['sweep_ms_per_query']:.0f} ms",
            f"{row['full_scan_rru']:,.0f}",
        ]
        for row in rows
    ]
    body += table(
        [
            "jobs in table",
            "load (BatchWriteItem)",
            "status: requests",
            "status: items read",
            "status: time in moto",
            "sweep: Queries",
            "sweep: items scanned",
            "sweep: RRU",
            "sweep: all requests",
            "sweep: time per Query (moto)",
            "a Scan instead: RRU",
        ],
        table_rows,
    )
    flat_status = len({row["status_items_per_read"] for row in rows}) == 1
    flat_sweep = len({row["sweep_scanned"] for row in rows}) == 1
    body += [
        "",
        f"Status reads stay at one GetItem of one item ({'flat' if flat_status else 'NOT FLAT'}); the sweep "
        f"reads only the pending jobs through the sparse index ({'flat' if flat_sweep else 'NOT FLAT'}: "
        f"{rows[0]['sweep_scanned']} items scanned at every size), where a Scan for them would read the "
        "whole table. The sweep's other requests are its re-sends of those pending jobs (an UpdateItem and "
        "a SendMessage each). moto's time per call grows with the table because it scans its item store in "
        "Python for index Queries; DynamoDB reads only the index partition.",
    ]
    sizes = ", ".join(f"{row['size']:,}" for row in rows)
    read = ", ".join(str(round(row["status_items_per_read"])) for row in rows)
    headline = (
        f"at {sizes} jobs a status read reads {read} "
        f"item(s) and a sweep scans {', '.join(str(row['sweep_scanned']) for row in rows)} index items "
        f"({'flat, as the design says' if flat_status and flat_sweep else 'NOT FLAT'}); "
        "listing: not present yet."
    )
    return Section("Scale", body, {"rows": rows}, headline=headline)
