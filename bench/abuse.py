"""The most one anonymous client can cost per second, before and after per-client limits (issue 15).

Without sign-in anyone may call the API, and picks the requests that cost the most. Three kinds are priced,
each measured here through the real handlers on moto:

- a job with the largest payload the API accepts (a request body of 256 KiB; its stored JSON text just under
  the 256 KiB a payload may take), once with every payload in its item (the api template's default,
  `PayloadInlineMaxBytes` 262144, which every deployment had before) and once with payloads over 4 KiB stored
  aside in the files bucket (what `make deploy` and `make dev` deploy);
- an upload ticket, used to store the largest file it allows, kept as long as the bucket keeps uploads;
- a status read, the cheapest thing a client can repeat.

Before, the stage's throttle (`ThrottlingRateLimit`) is the only limit, shared by all clients, so one client
may take all of it with the costliest request. After, the edge stack's rate-based rules bound each address:
its job submissions, its upload tickets, and all its requests, each per `EvaluationWindowSeconds`; the
rest of its allowance is spent on status reads, and every request pays the edge (WAF and CloudFront).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from conveyor_api.http.json_body import MAX_BODY_BYTES
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES
from conveyor_api.jobs.uploads import MAX_UPLOAD_BYTES
from conveyor_local.config import PAYLOAD_INLINE_MAX_BYTES
from conveyor_worker.handlers.sweeper import SCAN_SEGMENTS

from bench.common import REPO_ROOT, Section, table
from bench.cost import (
    ExpiryScan,
    billed_gb_seconds,
    cost_per_million,
    job_usage,
    side_usage,
    template_default,
    total,
)
from bench.dynamodb_units import Index
from bench.instruments import AwsMeter, Invocation
from bench.requests_per_job import (
    api_context,
    function_memory_mb,
    job_type_run,
    measure_status_reads,
    metered_api,
)
from tests.support.stack import post_uploads_event, running_stack

JOBS = 20
"""Worst-case jobs per configuration: every one costs the same, so a few give the figure."""
REQUESTS = 20
"""Upload tickets and status reads measured."""
TEXT_MAX_CODE_POINTS = json.loads(
    (REPO_ROOT / "contracts/v1/job-types/text_transform/input.schema.json").read_text()
)["properties"]["text"]["maxLength"]
SECONDS_PER_MONTH = 30 * 24 * 3600


def worst_payload() -> dict[str, Any]:
    """The text_transform payload whose request body is the largest the API takes: as many 3-byte characters
    as fit beside 2-byte ones in the text's code points, sent as a browser sends JSON (compact, UTF-8)."""
    envelope = len(json.dumps({"job_type": "text_transform", "payload": {"text": ""}}, separators=(",", ":")))
    budget = MAX_BODY_BYTES - envelope
    three_byte = budget - 2 * TEXT_MAX_CODE_POINTS
    payload = {"text": "€" * three_byte + "é" * (TEXT_MAX_CODE_POINTS - three_byte)}
    stored = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(stored) <= MAX_STORED_PAYLOAD_BYTES, len(stored)
    return payload


@dataclass(frozen=True)
class Limits:
    """Requests per second one address may make, by kind; None: only the stage's shared limit applies."""

    stage: float
    jobs: float | None
    uploads: float | None
    all_requests: float | None


def limits_before_and_after() -> tuple[Limits, Limits]:
    stage = float(template_default("api", "ThrottlingRateLimit"))
    window = float(template_default("edge", "EvaluationWindowSeconds"))

    def per_second(parameter: str) -> float:
        return float(template_default("edge", parameter)) / window

    return Limits(stage, None, None, None), Limits(
        stage,
        per_second("JobSubmissionsPerAddressLimit"),
        per_second("UploadTicketsPerAddressLimit"),
        per_second("RequestsPerAddressLimit"),
    )


def worst_dollars_per_second(
    costs: dict[str, float], limits: Limits, edge_dollars: float
) -> dict[str, float]:
    """Dollars per second by kind of request, for a client that spends each allowance on its costliest use.

    `costs` are dollars per request of `job`, `upload` and `read`; `edge_dollars` what the edge adds to each.
    Without per-address limits the client sends only the costliest kind, at the stage's rate.
    """
    if limits.jobs is None or limits.uploads is None or limits.all_requests is None:
        costliest = max(costs, key=lambda kind: costs[kind])
        return {costliest: limits.stage * costs[costliest]}
    rates = {"job": limits.jobs, "upload": limits.uploads}
    rates["read"] = max(0.0, min(limits.all_requests, limits.stage) - sum(rates.values()))
    return {kind: rate * (costs[kind] + edge_dollars) for kind, rate in rates.items()}


def run(endpoint: str) -> Section:
    started = time.monotonic()
    payload = worst_payload()
    api_memory = function_memory_mb("api", "ApiFunction")
    worker_memory = function_memory_mb("worker", "WorkerFunction")
    with running_stack(endpoint, visibility_timeout_seconds=30) as stack:
        description = stack.dynamodb.describe_table(TableName=stack.resources.table_name)["Table"]
        indexes = [
            Index.from_description(description, index["IndexName"])
            for index in description.get("GlobalSecondaryIndexes", [])
        ]
        scan = ExpiryScan(
            pass_days=SCAN_SEGMENTS / (24 * 60),
            retention_days=int(template_default("core", "JobRetentionDays")),
        )
        runs = {
            threshold: job_type_run(
                stack, endpoint, "text_transform", JOBS, payload=payload, payload_inline_max_bytes=threshold
            )
            for threshold in (MAX_STORED_PAYLOAD_BYTES, PAYLOAD_INLINE_MAX_BYTES)
        }
        tickets = _upload_tickets(stack, endpoint)
        reads = measure_status_reads(stack, endpoint, REQUESTS)
    stored_bytes = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    payload_months = int(template_default("core", "PayloadRetentionDays")) * 86400 / SECONDS_PER_MONTH
    upload_months = int(template_default("core", "JobRetentionDays")) * 86400 / SECONDS_PER_MONTH
    job_dollars = {}
    wru = {}
    for threshold, job_run in runs.items():
        usage = job_usage(job_run, indexes, api_memory, worker_memory, scan).usage
        if threshold < MAX_STORED_PAYLOAD_BYTES:
            usage["s3_gib_months"] = stored_bytes / 2**30 * payload_months
        job_dollars[threshold] = total(cost_per_million(usage)) / 1e6
        wru[threshold] = usage["dynamodb_wru"]
    ticket_usage = {
        "http_api": 1.0,
        "lambda_requests": 1.0,
        "lambda_gb_seconds": billed_gb_seconds((i.seconds for i in tickets), api_memory) / len(tickets),
        # The client then POSTs the largest file the ticket allows; the bucket keeps it as long as jobs.
        "s3_put": 1.0,
        "s3_gib_months": MAX_UPLOAD_BYTES / 2**30 * upload_months,
    }
    upload_dollars = total(cost_per_million(ticket_usage)) / 1e6
    read_usage = {
        key: value
        for key, value in side_usage(reads, api_memory, consistent_reads=True).items()
        if not key.startswith("_")
    }
    read_dollars = total(cost_per_million(read_usage)) / 1e6
    edge_dollars = total(cost_per_million({"waf_requests": 1.0, "cloudfront_requests": 1.0})) / 1e6

    before_limits, after_limits = limits_before_and_after()
    before = worst_dollars_per_second(
        {"job": job_dollars[MAX_STORED_PAYLOAD_BYTES], "upload": upload_dollars, "read": read_dollars},
        before_limits,
        edge_dollars=0.0,
    )
    after = worst_dollars_per_second(
        {"job": job_dollars[PAYLOAD_INLINE_MAX_BYTES], "upload": upload_dollars, "read": read_dollars},
        after_limits,
        edge_dollars=edge_dollars,
    )
    before_total, after_total = sum(before.values()), sum(after.values())
    figures: dict[str, Any] = {
        "payload_stored_bytes": stored_bytes,
        "job_wru": {"inline": wru[MAX_STORED_PAYLOAD_BYTES], "aside": wru[PAYLOAD_INLINE_MAX_BYTES]},
        "dollars_per_request": {
            "job_inline": job_dollars[MAX_STORED_PAYLOAD_BYTES],
            "job_aside": job_dollars[PAYLOAD_INLINE_MAX_BYTES],
            "upload_ticket_used": upload_dollars,
            "status_read": read_dollars,
            "edge": edge_dollars,
        },
        "before_dollars_per_second": before,
        "after_dollars_per_second": after,
        "before_total": before_total,
        "after_total": after_total,
    }
    body = [
        "`bench/abuse.py`: the costliest requests an anonymous client can make, each measured through the "
        f"real handlers on moto ({JOBS} jobs per configuration, {REQUESTS} tickets and reads) and priced as "
        "in Cost per million jobs, plus S3 storage for as long as the bucket keeps what was written.",
        "",
        *table(
            ["request", "WRU", "$ per request", "how"],
            [
                [
                    "job, payload inline (before)",
                    f"{wru[MAX_STORED_PAYLOAD_BYTES]:.0f}",
                    f"${job_dollars[MAX_STORED_PAYLOAD_BYTES]:.7f}",
                    f"text_transform, stored payload {stored_bytes:,} bytes, in the item written 3 times",
                ],
                [
                    "job, payload aside (after)",
                    f"{wru[PAYLOAD_INLINE_MAX_BYTES]:.0f}",
                    f"${job_dollars[PAYLOAD_INLINE_MAX_BYTES]:.7f}",
                    f"the same, over {PAYLOAD_INLINE_MAX_BYTES} bytes: one S3 PUT and GET, kept "
                    f"{template_default('core', 'PayloadRetentionDays')} days",
                ],
                [
                    "upload ticket, used",
                    "0",
                    f"${upload_dollars:.7f}",
                    f"POST /uploads, then one {MAX_UPLOAD_BYTES // 2**20} MiB file kept "
                    f"{template_default('core', 'JobRetentionDays')} days",
                ],
                ["status read", "0", f"${read_dollars:.7f}", "GET /jobs/{id}"],
                ["edge, per request (after)", "", f"${edge_dollars:.7f}", "WAF and CloudFront requests"],
            ],
        ),
        "",
        *table(
            [
                "limit on one client",
                "jobs/s",
                "upload tickets/s",
                "all requests/s",
                "worst $ per second",
                "per 30-day month",
            ],
            [
                [
                    f"before: the stage's throttle only ({before_limits.stage:g}/s for everyone)",
                    "",
                    "",
                    f"{before_limits.stage:g}",
                    f"${before_total:.5f}",
                    f"${before_total * SECONDS_PER_MONTH:,.0f}",
                ],
                [
                    "after: the edge's per-address rules (defaults)",
                    f"{after_limits.jobs:.2f}",
                    f"{after_limits.uploads:.2f}",
                    f"{after_limits.all_requests:.2f}",
                    f"${after_total:.5f}",
                    f"${after_total * SECONDS_PER_MONTH:,.0f}",
                ],
            ],
        ),
        "",
        f"Before, the costliest request is {next(iter(before))!r}, sent at the whole stage's rate. After, "
        "each address sends its jobs and tickets at their limits and spends the rest of its allowance on "
        f"reads: {', '.join(f'{kind} ${dollars:.6f}/s' for kind, dollars in after.items())}. The stage's "
        "throttle still bounds all addresses together; many addresses (a botnet) multiply the per-address "
        "figure up to it.",
    ]
    headline = (
        f"one anonymous client at most ${before_total:.4f}/s "
        f"(${before_total * SECONDS_PER_MONTH:,.0f} a month) before, ${after_total:.5f}/s "
        f"(${after_total * SECONDS_PER_MONTH:,.0f} a month) per address after; "
        f"a worst-case job {wru[MAX_STORED_PAYLOAD_BYTES]:.0f} WRU inline, "
        f"{wru[PAYLOAD_INLINE_MAX_BYTES]:.0f} aside"
    )
    return Section("Anonymous abuse", body, figures, time.monotonic() - started, headline=headline)


def _upload_tickets(stack: Any, endpoint: str) -> list[Invocation]:
    meter = AwsMeter()
    invocations: list[Invocation] = []
    api = metered_api(stack, endpoint, meter, invocations, threading.Lock())
    for _ in range(REQUESTS):
        response = api(post_uploads_event("image/png"), api_context())
        assert response["statusCode"] == 200, response
    # A ticket is presigned where the function runs: it asks AWS nothing.
    assert not meter.by_role("api"), meter.by_role("api")
    meter.close()
    return invocations
