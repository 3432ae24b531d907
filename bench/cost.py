"""Cost per million jobs on AWS list prices: the formula here, its inputs measured by bench.requests_per_job.

Each term is a quantity per job, measured, times a unit price; nothing is estimated except where a line says
so. Free tiers, data transfer and storage are left out: they depend on the account and on retention, not on
the job.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.common import Section, median, table
from bench.dynamodb_units import Index, read_units, table_write_units, write_units
from bench.requests_per_job import SWEEP_INDEX, JobTypeRun, PipelineRun, SideRun

# List prices for US East (N. Virginia), us-east-1, the first pricing tier of each, as published on the AWS
# pricing pages of each service. PRICE_DATE is when the newest of them took effect (DynamoDB on-demand's 50%
# cut, 2024-11-01); the others were unchanged since. Not re-checked against the live pages on the run's date:
# nothing here reaches the network. Check before quoting.
PRICE_REGION = "us-east-1"
PRICE_DATE = "2024-11-01"


@dataclass(frozen=True)
class Price:
    service: str
    unit: str
    dollars: float
    per: float
    """`dollars` buys `per` units."""


PRICES: dict[str, Price] = {
    # API Gateway HTTP API: $1.00 per million requests (first 300 million a month), metered per 512 KB.
    "http_api": Price("API Gateway HTTP API", "request", 1.00, 1e6),
    # Lambda: $0.20 per million requests; arm64 duration $0.0000133334 per GB-second (first 7.5 billion).
    "lambda_requests": Price("Lambda requests", "invocation", 0.20, 1e6),
    "lambda_gb_seconds": Price("Lambda duration (arm64)", "GB-second", 0.0000133334, 1),
    # DynamoDB on-demand, standard table class: $0.625 per million write and $0.125 per million read units.
    "dynamodb_wru": Price("DynamoDB writes (on-demand)", "WRU", 0.625, 1e6),
    "dynamodb_rru": Price("DynamoDB reads (on-demand)", "RRU", 0.125, 1e6),
    # SQS standard queue: $0.40 per million requests; each 64 KiB chunk of a request's payload is one request.
    "sqs_requests": Price("SQS requests (standard)", "request of 64 KiB", 0.40, 1e6),
    # CloudWatch Logs, Standard log class: $0.50 per GB ingested.
    "log_gib": Price("CloudWatch Logs ingestion", "GiB", 0.50, 1),
}

SQS_CHUNK_BYTES = 64 * 1024
LOG_EVENT_OVERHEAD_BYTES = 26
"""PutLogEvents counts each event's message plus 26 bytes: counted here as ingested (errs high)."""
MINUTES_PER_MONTH = 60 * 24 * 30


@dataclass(frozen=True)
class Term:
    key: str
    quantity: float
    """Units of the price per item (job, request or run)."""
    dollars_per_million: float


def cost_per_million(usage: Mapping[str, float], prices: Mapping[str, Price] = PRICES) -> list[Term]:
    """The formula: for each priced unit, quantity per item x 1,000,000 x dollars per unit."""
    return [
        Term(key, quantity, quantity * 1_000_000 * prices[key].dollars / prices[key].per)
        for key, quantity in usage.items()
    ]


def total(terms: Iterable[Term]) -> float:
    return sum(term.dollars_per_million for term in terms)


def billed_gb_seconds(durations_seconds: Iterable[float], memory_mb: int) -> float:
    """Lambda bills each invocation's duration rounded up to the millisecond, times the memory configured."""
    return sum(math.ceil(seconds * 1000) / 1000 for seconds in durations_seconds) * memory_mb / 1024


def sqs_request_units(payload_bytes: int) -> int:
    return max(1, math.ceil(payload_bytes / SQS_CHUNK_BYTES))


def platform_log_bytes(duration_ms: float, memory_mb: int) -> int:
    """Lambda's own START, END and REPORT lines of one invocation (text format), with their event overhead."""
    request_id = "8f507cfc-2a1f-4b5c-b1a5-3e0c2f1f1e1a"
    lines = [
        f"START RequestId: {request_id} Version: $LATEST",
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: "
        f"{math.ceil(duration_ms)} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: 99 MB\t",
    ]
    return sum(len(line.encode()) + LOG_EVENT_OVERHEAD_BYTES for line in lines)


@dataclass
class JobUsage:
    usage: dict[str, float]
    notes: dict[str, str]


def job_usage(run: JobTypeRun, index: Index, api_memory_mb: int, worker_memory_mb: int) -> JobUsage:
    jobs = run.jobs
    api_calls = [invocation for invocation in run.invocations if invocation.role == "api"]
    worker_calls = [invocation for invocation in run.invocations if invocation.role == "worker"]
    table_wru = index_wru = 0
    for job_id, queued in run.queued_items.items():
        claimed, finished = run.claimed_items[job_id], run.finished_items[job_id]
        table_wru += (
            table_write_units(None, queued)
            + table_write_units(queued, claimed)
            + table_write_units(claimed, finished)
        )
        index_wru += (
            index.write_units(None, queued)
            + index.write_units(queued, claimed)
            + index.write_units(claimed, finished)
        )
    reads = sum(
        count
        for role in ("api", "worker")
        for (service, operation), count in run.requests[role].items()
        if operation in ("GetItem", "Query", "Scan", "BatchGetItem")
    )
    sqs = (
        sum(sqs_request_units(size) for size in run.message_bytes)
        + sum(sqs_request_units(sum(batch)) for batch in run.receive_batches)
        + sum(
            count
            for role in ("api", "worker", "event source mapping")
            for (service, operation), count in run.requests[role].items()
            if service == "sqs" and operation not in ("SendMessage", "ReceiveMessage")
        )
    )
    function_log_bytes = sum(run.log_bytes.values()) + LOG_EVENT_OVERHEAD_BYTES * sum(run.log_events.values())
    platform_bytes = sum(platform_log_bytes(i.seconds * 1000, api_memory_mb) for i in api_calls) + sum(
        platform_log_bytes(i.seconds * 1000, worker_memory_mb) for i in worker_calls
    )
    calls = api_calls + worker_calls
    moto_share = sum(i.http_seconds for i in calls) / sum(i.seconds for i in calls)
    gb_seconds = billed_gb_seconds((i.seconds for i in api_calls), api_memory_mb) + billed_gb_seconds(
        (i.seconds for i in worker_calls), worker_memory_mb
    )
    usage = {
        "http_api": len(api_calls) / jobs,
        "lambda_requests": (len(api_calls) + len(worker_calls)) / jobs,
        "lambda_gb_seconds": gb_seconds / jobs,
        "dynamodb_wru": (table_wru + index_wru) / jobs,
        "dynamodb_rru": reads / jobs,
        "sqs_requests": sqs / jobs,
        "log_gib": (function_log_bytes + platform_bytes) / jobs / 2**30,
    }
    notes = {
        "http_api": "POST /jobs, under 512 KB",
        "lambda_requests": f"1 API + {len(worker_calls) / jobs:.2f} worker invocations (one per batch)",
        "lambda_gb_seconds": (
            f"API median {median([i.seconds for i in api_calls]) * 1000:.1f} ms, worker batch median "
            f"{median([i.seconds for i in worker_calls]) * 1000:.1f} ms, at "
            f"{api_memory_mb}/{worker_memory_mb} MB, billed per ms; {moto_share:.0%} of it waits on moto, "
            "where AWS's latency would be"
        ),
        "dynamodb_wru": f"table {table_wru / jobs:.2f} + `{index.name}` index {index_wru / jobs:.2f}",
        "dynamodb_rru": "no read on the path" if reads == 0 else f"{reads / jobs:.2f} reads per job",
        "sqs_requests": (
            "send, and per batch one receive and one delete (empty receives: the poller's fixed cost, not "
            "counted)"
        ),
        "log_gib": (
            f"{(function_log_bytes + platform_bytes) / jobs:.0f} bytes per job: the functions' log lines "
            f"({function_log_bytes / jobs:.0f}) and Lambda's START/END/REPORT ({platform_bytes / jobs:.0f})"
        ),
    }
    return JobUsage(usage, notes)


def side_usage(side: SideRun, memory_mb: int, *, consistent_reads: bool) -> dict[str, float]:
    """Per request of a path beside the happy one (a status read, a keyed submission)."""
    count = side.count
    requests = sum(sum(counts.values()) for counts in side.requests.values())
    dynamodb_writes = sum(
        n
        for counts in side.requests.values()
        for (service, operation), n in counts.items()
        if operation in ("PutItem", "UpdateItem", "DeleteItem")
    )
    reads = [read_units(size, consistent=consistent_reads) for size in side.read_sizes]
    durations = [invocation.seconds for invocation in side.invocations]
    log_bytes = side.log_bytes + LOG_EVENT_OVERHEAD_BYTES * side.log_events
    log_bytes += sum(platform_log_bytes(seconds * 1000, memory_mb) for seconds in durations)
    largest_write = max(side.written_sizes, default=0)
    return {
        "http_api": 1.0,
        "lambda_requests": 1.0,
        "lambda_gb_seconds": billed_gb_seconds(durations, memory_mb) / count,
        "dynamodb_wru": (dynamodb_writes * write_units(largest_write) + side.index_write_units) / count,
        "dynamodb_rru": sum(reads) / count,
        "sqs_requests": sum(
            n for counts in side.requests.values() for (service, _), n in counts.items() if service == "sqs"
        )
        / count,
        "log_gib": log_bytes / count / 2**30,
        "_aws_requests": requests / count,
    }


def sweep_monthly(sweep: SideRun, memory_mb: int) -> dict[str, float]:
    """The schedule's fixed cost: one idle sweep a minute for a 30-day month (per month, not per million)."""
    queries = sum(
        n
        for counts in sweep.requests.values()
        for (_, operation), n in counts.items()
        if operation == "Query"
    )
    seconds = median([invocation.seconds for invocation in sweep.invocations])
    per_run = {
        "lambda_requests": 1.0,
        "lambda_gb_seconds": billed_gb_seconds([seconds], memory_mb),
        # An index Query is eventually consistent and reads at least one 4 KB unit, even finding nothing.
        "dynamodb_rru": queries * read_units(0, consistent=False),
        "log_gib": platform_log_bytes(seconds * 1000, memory_mb) / 2**30,
    }
    return {key: value * MINUTES_PER_MONTH for key, value in per_run.items()}


def section(pipeline: PipelineRun) -> Section:
    index = Index.from_description(pipeline.table_description, SWEEP_INDEX)
    body = [
        f"AWS list prices, {PRICE_REGION}, first tier, in effect since {PRICE_DATE} (the newest change "
        "among them: DynamoDB on-demand); not re-checked on the run's date. Free tiers, data transfer and "
        "storage left out. Every quantity is measured in the run above; DynamoDB units come from the "
        "items' sizes (moto's ConsumedCapacity is a constant), with the sparse `sweep` index's writes "
        "counted as DynamoDB bills them.",
        "",
    ]
    figures: dict[str, Any] = {"price_region": PRICE_REGION, "price_date": PRICE_DATE}
    for run in pipeline.job_types:
        job = job_usage(run, index, pipeline.api_memory_mb, pipeline.worker_memory_mb)
        terms = cost_per_million(job.usage)
        body += [f"**{run.job_type}** (per million jobs)", ""]
        body += _terms_table(terms, job.notes)
        body += ["", f"Total: **${total(terms):.2f} per million jobs**.", ""]
        figures[run.job_type] = {
            "usage_per_job": job.usage,
            "dollars_per_million": {term.key: round(term.dollars_per_million, 4) for term in terms},
            "total": round(total(terms), 2),
        }
    samples = pipeline.job_types[0].log_samples
    body += ["What the functions log per job, at INFO (Lambda's default level; one line of each):", ""]
    body += [f"- {role}: `{line[:400]}`" for role, line in samples.items()]
    body.append("")
    status = side_usage(pipeline.status_reads, pipeline.api_memory_mb, consistent_reads=True)
    keyed = side_usage(pipeline.keyed, pipeline.api_memory_mb, consistent_reads=True)
    replay = side_usage(pipeline.replays, pipeline.api_memory_mb, consistent_reads=True)
    body += ["Paths beside the happy one, per million requests:", ""]
    rows = []
    for name, usage in (
        ("GET /jobs/{id}", status),
        ("POST /jobs with Idempotency-Key, first use", keyed),
        ("POST /jobs with Idempotency-Key, replay", replay),
    ):
        terms = cost_per_million({k: v for k, v in usage.items() if not k.startswith("_")})
        rows.append(
            [
                name,
                f"{usage['_aws_requests']:.2f}",
                *(f"${term.dollars_per_million:.2f}" for term in terms),
                f"**${total(terms):.2f}**",
            ]
        )
        figures[name] = {"usage": usage, "total": round(total(terms), 2)}
    body += table(["path", "AWS requests", *(PRICES[key].service for key in PRICES), "total"], rows)
    monthly = sweep_monthly(pipeline.sweep, pipeline.worker_memory_mb)
    monthly_dollars = sum(
        quantity * PRICES[key].dollars / PRICES[key].per for key, quantity in monthly.items()
    )
    figures["sweeper_per_month"] = {"usage": monthly, "dollars": round(monthly_dollars, 4)}
    body += [
        "",
        f"Fixed, whatever the traffic: the sweeper every minute costs ${monthly_dollars:.2f} a month "
        f"({MINUTES_PER_MONTH} invocations, {monthly['dynamodb_rru']:.0f} RRU for its 16 empty index "
        "Queries each run, and their log lines); the SQS event source's idle long polls are Lambda's and "
        "not modelled here.",
    ]
    headline = "; ".join(
        f"{run.job_type} ${figures[run.job_type]['total']:.2f} per million jobs, DynamoDB writes "
        f"${figures[run.job_type]['dollars_per_million']['dynamodb_wru']:.2f} of it"
        for run in pipeline.job_types
    )
    headline += f"; the sweeper's schedule ${monthly_dollars:.2f} a month "
    headline += f"({PRICE_REGION} list prices of {PRICE_DATE})."
    return Section("Cost per million jobs", body, figures, headline=headline)


def _terms_table(terms: list[Term], notes: Mapping[str, str]) -> list[str]:
    rows = [
        [
            PRICES[term.key].service,
            f"{term.quantity:.4g} {PRICES[term.key].unit}",
            _price(PRICES[term.key]),
            f"${term.dollars_per_million:.3f}",
            notes.get(term.key, ""),
        ]
        for term in terms
    ]
    return table(["term", "per job (measured)", "list price", "$ per million jobs", "how"], rows)


def _price(price: Price) -> str:
    if price.per == 1e6:
        return f"${price.dollars:g} per million"
    return f"${price.dollars:g} per {price.unit}"
