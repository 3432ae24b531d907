"""Scale: what a status read, a listing page and a sweep cost as the jobs table grows (1k, 10k, 100k jobs).

The table is filled with copies of a job that really went through the API and the worker, submitted by a
signed-in caller (finished, so out of the sparse `sweep` index, in the listing indexes), written with
BatchWriteItem, plus the same few watched jobs at every size, overdue for the sweeper. At each size the real
handlers run against it: `GET /jobs/{id}` on existing jobs, `GET /jobs` pages of that caller with each kind of
filter, and one sweep as deployed (its expiry scan reads one of 1440 segments). DynamoDB's work is read from
the answers (items returned, Count, ScannedCount) and priced from item sizes; moto's time per call is shown
too, as the emulator's own trend (it scans in Python), not DynamoDB's.
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
from conveyor_worker.handlers.sweeper import SCAN_SEGMENTS

from bench.common import Section, deployed_powertools, median, table
from bench.dynamodb_units import Index, item_size, read_units
from bench.instruments import AwsMeter, Invocation, timed
from bench.requests_per_job import (
    SIGNED_IN_OWNER,
    SWEEP_INDEX,
    api_as_deployed,
    api_context,
    get_event,
    get_job_event,
)
from tests.support.stack import Stack, post_jobs_event, running_stack, signed_in

SIZES = (1_000, 10_000, 100_000)
PENDING = 48
"""Overdue watched jobs present at every size: three per shard of the index."""
OWNER = SIGNED_IN_OWNER
LISTINGS = {"no filter": "", "status": "status=SUCCEEDED", "job type": "job_type=text_transform"}
"""GET /jobs pages of 20 measured at each size, by the filters they name."""
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
            row |= _listings(stack, endpoint)
            row |= _sweep(stack, index)
            row["full_scan_rru"] = read_units(item_size(finished) * row["size"], consistent=False)
            rows.append(row)
    section = _section(rows, item_size(finished))
    section.seconds = time.monotonic() - started
    return section


def _template_items(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished job and a queued one, as the API and the worker wrote them for a signed-in caller."""
    api = stack.api_handler(auth_mode="jwt")
    for _ in range(2):
        api(signed_in(post_jobs_event("text_transform", {"text": "hello conveyor, " * 4}), OWNER), None)
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
    for name, value in (
        ("owner_status", f"{OWNER}#QUEUED"),
        ("owner_type_status", f"{OWNER}#text_transform#QUEUED"),
    ):
        queued[name] = {"S": value}
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
        # Each a millisecond apart, as a caller's jobs are: the listing indexes sort by created_at.
        requests = [
            {
                "PutRequest": {
                    "Item": {**finished, "job_id": {"S": job_id}, "created_at": {"S": _created(job_id)}}
                }
            }
            for job_id in batch
        ]
        pending: dict[str, Any] = {stack.resources.table_name: requests}
        while pending:
            pending = local.client.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})

    with ThreadPoolExecutor(max_workers=LOADERS) as pool:
        list(pool.map(write, batches))
    loaded.extend(ids)
    return time.monotonic() - started


def _created(job_id: str) -> str:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=uuid.UUID(job_id).int % 10**10)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


def _listings(stack: Stack, endpoint: str) -> dict[str, Any]:
    """A page of 20 of the caller's jobs with each kind of filter: what it queries and what it reads."""
    return {"listing": {kind: _listing(stack, endpoint, query) for kind, query in LISTINGS.items()}}


def _listing(stack: Stack, endpoint: str, query: str) -> dict[str, Any]:
    meter = AwsMeter()
    keys: list[int] = []
    items: list[int] = []

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "Query":
            keys.append(sum(item_size(item) for item in parsed.get("Items", [])))
        elif operation == "BatchGetItem":
            items.extend(item_size(item) for found in parsed["Responses"].values() for item in found)

    meter.observers.append(observe)
    api = api_as_deployed(
        stack, dynamodb_client=meter.watch(dynamodb_client(endpoint), "api"), auth_mode="jwt"
    )
    response = api(signed_in(get_event(f"/jobs?{query}"), OWNER), api_context())
    assert response["statusCode"] == 200, response["body"]
    meter.close()
    return {
        "queries": len(keys),
        "items": len(items),
        # Index Queries are eventually consistent (0.5 RRU per 4 KB of keys, at least one unit each); the
        # page's items are read strongly consistent, each rounded up to 4 KB.
        "rru": sum(read_units(size, consistent=False) for size in keys)
        + sum(read_units(size, consistent=True) for size in items),
    }


def _sweep(stack: Stack, index: Index) -> dict[str, Any]:
    meter = AwsMeter()
    meter.watch_default_session()
    meter.phase = "sweeper"
    queries: list[tuple[int, int, int]] = []
    invocations: list[Invocation] = []

    scans: list[int] = []

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "Query":
            sizes = sum(item_size(item) for item in parsed.get("Items", []))
            queries.append((int(parsed.get("ScannedCount", 0)), int(parsed.get("Count", 0)), sizes))
        elif operation == "Scan":
            scans.append(int(parsed.get("ScannedCount", 0)))

    meter.observers.append(observe)
    with deployed_powertools("worker", "SweeperFunction"):
        handler = stack.sweeper_handler(scan_segments=SCAN_SEGMENTS)
    sweeper: Callable[[dict[str, Any], Any], Any] = timed(
        handler, meter, "sweeper", invocations, threading.Lock()
    )
    summary = sweeper({}, LambdaContext("conveyor-sweeper", 256, 60))
    meter.close()
    return {
        "sweep_queries": len(queries),
        "sweep_scanned": sum(scanned for scanned, _, _ in queries),
        "sweep_rru": sum(read_units(size, consistent=False) for _, _, size in queries),
        "sweep_requests": sum(meter.requests.values()),
        "sweep_summary": summary,
        "scan_items": sum(scans),
        "sweep_seconds": invocations[0].seconds,
        "sweep_ms_per_query": meter.call_seconds[("sweeper", "dynamodb", "Query")]
        / max(1, len(queries))
        * 1000,
    }


def _section(rows: list[dict[str, Any]], finished_size: int) -> Section:
    body = [
        f"The table holds finished jobs of one signed-in caller ({finished_size} bytes each, as the worker "
        f"left them) plus {PENDING} overdue watched jobs. Per size: {STATUS_READS} status reads of random "
        f"jobs, one `GET /jobs` page of 20 with each kind of filter, and one sweep as deployed.",
        "",
    ]
    table_rows = [
        [
            f"{row['size']:,}",
            f"{row['load_seconds']:.0f} s",
            f"{row['status_requests_per_read']:.0f} / {row['status_items_per_read']:.0f}",
            *(
                f"{page['queries']} / {page['items']} / {page['rru']:.1f}"
                for page in (row["listing"][kind] for kind in LISTINGS)
            ),
            f"{row['sweep_queries']} / {row['sweep_scanned']} / {row['sweep_rru']:.1f}",
            f"{row['scan_items']} ({row['scan_items'] / max(1, row['size']):.2%})",
            f"{row['sweep_requests']}",
            f"{row['sweep_ms_per_query']:.0f} ms",
            f"{row['full_scan_rru']:,.0f}",
        ]
        for row in rows
    ]
    body += table(
        [
            "jobs in table",
            "load",
            "status: requests / items",
            *(f"page, {kind}: Queries / items / RRU" for kind in LISTINGS),
            "sweep index: Queries / items / RRU",
            "expiry scan: items read",
            "sweep: all requests",
            "sweep: per Query (moto)",
            "the whole table: RRU",
        ],
        table_rows,
    )
    flat_status = len({row["status_items_per_read"] for row in rows}) == 1
    flat_sweep = len({row["sweep_scanned"] for row in rows}) == 1
    flat_listing = all(
        len({(row["listing"][kind]["queries"], row["listing"][kind]["items"]) for row in rows}) == 1
        for kind in LISTINGS
    )
    body += [
        "",
        f"Status reads stay at one GetItem of one item ({'flat' if flat_status else 'NOT FLAT'}). A listing "
        f"page reads its 20 items and at most a page of keys from each partition its filters name: one with "
        f"no filter, one per job type for a status, four (the statuses) for a type "
        f"({'flat' if flat_listing else 'NOT FLAT'}). The sweep's index Queries read only the watched "
        f"jobs ({'flat' if flat_sweep else 'NOT FLAT'}: {rows[0]['sweep_scanned']} at every size); its "
        "expiry scan reads a 1440th of the table a minute, so each item once a day (its cost per job is in "
        "Cost). The sweep's other requests are its re-sends of the watched jobs and its DLQ receive. "
        "moto's time per call grows with the table because it scans its item store in Python for index "
        "Queries; DynamoDB reads only the index partition.",
    ]
    sizes = ", ".join(f"{row['size']:,}" for row in rows)
    read = ", ".join(str(round(row["status_items_per_read"])) for row in rows)
    pages = ", ".join(str(row["listing"]["status"]["items"]) for row in rows)
    flat = flat_status and flat_sweep and flat_listing
    headline = (
        f"at {sizes} jobs a status read reads {read} item(s), a listing page by status {pages} items, and a "
        f"sweep's index Queries {', '.join(str(row['sweep_scanned']) for row in rows)} watched jobs "
        f"({'flat, as the design says' if flat else 'NOT FLAT'})."
    )
    return Section("Scale", body, {"rows": rows}, headline=headline)
