"""Cost per million jobs on AWS list prices: the formula here, its inputs measured by bench.requests_per_job.

Each term is a quantity per job, measured, times a unit price; nothing is estimated except where a line says
so. Free tiers, data transfer and storage are left out: they depend on the account and on retention, not on
the job.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conveyor_local.templates import load_template
from conveyor_worker.handlers.sweeper import SCAN_SEGMENTS

from bench.common import Section, median, table
from bench.dynamodb_units import READ_UNIT_BYTES, Index, item_size, read_units, table_write_units, write_units
from bench.requests_per_job import JobTypeRun, PipelineRun, SideRun

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
    # S3 Standard: $0.005 per 1,000 PUT, COPY, POST or LIST requests, $0.0004 per 1,000 GET; storage $0.023
    # per GB-month (first 50 TB). Only a payload stored aside or a result too large for its item makes them.
    "s3_put": Price("S3 PUT requests", "request", 0.005, 1000),
    "s3_get": Price("S3 GET requests", "request", 0.0004, 1000),
    "s3_gib_months": Price("S3 Standard storage", "GiB-month", 0.023, 1),
    # What the edge adds in front of the API (bench.abuse): AWS WAF $0.60 per million requests inspected, and
    # CloudFront's HTTPS requests $0.0100 per 10,000 in North America and Europe (PriceClass_100).
    "waf_requests": Price("AWS WAF requests", "request", 0.60, 1e6),
    "cloudfront_requests": Price("CloudFront HTTPS requests", "request", 0.0100, 1e4),
    # What a push channel to the page would add (bench.polls, the break-even): API Gateway WebSocket APIs,
    # $1.00 per million messages (of 32 KB, first billion) and $0.25 per million connection-minutes.
    "websocket_messages": Price("API Gateway WebSocket messages", "message", 1.00, 1e6),
    "websocket_minutes": Price("API Gateway WebSocket connection-minutes", "connection-minute", 0.25, 1e6),
}

SQS_CHUNK_BYTES = 64 * 1024
LOG_EVENT_OVERHEAD_BYTES = 26
"""PutLogEvents counts each event's message plus 26 bytes: counted here as ingested (errs high)."""
MINUTES_PER_MONTH = 60 * 24 * 30
TARGET_DOLLARS_PER_MILLION = 5.00
"""text_transform's cost per million jobs at these prices, at most (issue 14)."""
TARGET_SIGNED_IN_WRU = 10
"""A signed-in caller's text_transform job's write units, at most (issue 14)."""


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


@dataclass(frozen=True)
class ExpiryScan:
    """The sweeper's expiry scan, as deployed: the whole table read once every `pass_days`, each item for as
    long as it is kept."""

    pass_days: float
    retention_days: int

    def read_units_per_job(self, item_bytes: float) -> float:
        """Eventually consistent Scan reads, summed over items before rounding: 0.5 RRU per 4 KB read."""
        return self.retention_days / self.pass_days * item_bytes / READ_UNIT_BYTES * 0.5


def write_units_by_write(run: JobTypeRun, indexes: Sequence[Index]) -> dict[str, dict[str, float]]:
    """Per job, for each kind of write: how many, their table WRU, and each index's WRU."""
    return {
        label: {name: total / run.jobs for name, total in totals.items()}
        for label, totals in _write_totals(run, indexes).items()
    }


def _write_totals(run: JobTypeRun, indexes: Sequence[Index]) -> dict[str, Counter[str]]:
    """For each kind of write, over all the run's jobs: how many, their table WRU, and each index's WRU (whole
    numbers, divided by the jobs only once, so that a target compares units and not rounding errors)."""
    kinds: dict[str, Counter[str]] = {}
    for write in run.writes:
        kind = kinds.setdefault(
            write.label, Counter({"writes": 0, "table": 0} | {i.name: 0 for i in indexes})
        )
        kind["writes"] += 1
        kind["table"] += table_write_units(write.before, write.after)
        for index in indexes:
            kind[index.name] += index.write_units(write.before, write.after)
    return kinds


def job_usage(
    run: JobTypeRun, indexes: Sequence[Index], api_memory_mb: int, worker_memory_mb: int, scan: ExpiryScan
) -> JobUsage:
    jobs = run.jobs
    api_calls = [invocation for invocation in run.invocations if invocation.role == "api"]
    worker_calls = [invocation for invocation in run.invocations if invocation.role == "worker"]
    kinds = _write_totals(run, indexes).values()
    table_wru = sum(kind["table"] for kind in kinds)
    index_wru = {index.name: sum(kind[index.name] for kind in kinds) for index in indexes}
    finished = {write.after["job_id"]["S"]: write.after for write in run.writes}
    finished_bytes = sum(item_size(item) for item in finished.values()) / max(1, len(finished))
    scan_rru = scan.read_units_per_job(finished_bytes)
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
    s3 = Counter(
        operation
        for role in ("api", "worker")
        for (service, operation), count in run.requests[role].items()
        if service == "s3"
        for _ in range(count)
    )
    usage = {
        "http_api": len(api_calls) / jobs,
        "lambda_requests": (len(api_calls) + len(worker_calls)) / jobs,
        "lambda_gb_seconds": gb_seconds / jobs,
        "dynamodb_wru": (table_wru + sum(index_wru.values())) / jobs,
        "dynamodb_rru": reads / jobs + scan_rru,
        "sqs_requests": sqs / jobs,
        "log_gib": (function_log_bytes + platform_bytes) / jobs / 2**30,
    }
    # Priced only where the run made them: a typical job makes none.
    if s3["PutObject"]:
        usage["s3_put"] = s3["PutObject"] / jobs
    if s3["GetObject"]:
        usage["s3_get"] = s3["GetObject"] / jobs
    notes = {
        "http_api": "POST /jobs, under 512 KB",
        "lambda_requests": f"1 API + {len(worker_calls) / jobs:.2f} worker invocations (one per batch)",
        "lambda_gb_seconds": (
            f"API median {median([i.seconds for i in api_calls]) * 1000:.1f} ms, worker batch median "
            f"{median([i.seconds for i in worker_calls]) * 1000:.1f} ms, at "
            f"{api_memory_mb}/{worker_memory_mb} MB, billed per ms; {moto_share:.0%} of it waits on moto, "
            "where AWS's latency would be"
        ),
        "dynamodb_wru": f"table {table_wru / jobs:.2f}"
        + "".join(f" + `{name}` {units / jobs:.2f}" for name, units in index_wru.items()),
        "dynamodb_rru": (
            f"{'no read on the path' if reads == 0 else f'{reads / jobs:.2f} reads per job'}; the sweeper's "
            f"expiry scan reads each item once a {scan.pass_days:g}-day pass for the {scan.retention_days} "
            f"days it is kept: {scan_rru:.2f} RRU for a {finished_bytes:.0f}-byte finished job"
        ),
        "sqs_requests": (
            "send, and per batch one receive and one delete (empty receives: the poller's fixed cost, not "
            "counted)"
        ),
        "log_gib": (
            f"{(function_log_bytes + platform_bytes) / jobs:.0f} bytes per job: the functions' log lines "
            f"({function_log_bytes / jobs:.0f}) and Lambda's START/END/REPORT ({platform_bytes / jobs:.0f})"
        ),
        "s3_put": "the API's PutObject of a payload stored aside (the worker's of a result too large)",
        "s3_get": "the worker's GetObject of a payload stored aside",
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


def submission_usage(side: SideRun, memory_mb: int) -> dict[str, float]:
    """Per job, what submitting it costs the API's side (one POST /jobs each, or a share of a batch's): its
    HTTP API requests and Lambda invocations, their duration and logs, its item's write units, and the SQS
    requests of its message (SendMessageBatch is one request for up to 10 messages of 64 KiB together)."""
    jobs = side.count
    durations = [invocation.seconds for invocation in side.invocations]
    log_bytes = side.log_bytes + LOG_EVENT_OVERHEAD_BYTES * side.log_events
    log_bytes += sum(platform_log_bytes(seconds * 1000, memory_mb) for seconds in durations)
    return {
        "http_api": len(side.invocations) / jobs,
        "lambda_requests": len(side.invocations) / jobs,
        "lambda_gb_seconds": billed_gb_seconds(durations, memory_mb) / jobs,
        "dynamodb_wru": sum(write_units(size) for size in side.written_sizes) / jobs,
        "sqs_requests": sum(sqs_request_units(size) for size in side.sqs_request_bytes) / jobs,
        "log_gib": log_bytes / jobs / 2**30,
    }


def _submission_lines(pipeline: PipelineRun, figures: dict[str, Any]) -> list[str]:
    """Submitting one by one beside 25 a batch, per million jobs: the API's side of the job alone (the
    worker's is the same per job either way)."""
    if pipeline.single_submits is None or pipeline.batch_submits is None:
        return []
    rows = []
    totals = {}
    for side in (pipeline.single_submits, pipeline.batch_submits):
        usage = submission_usage(side, pipeline.api_memory_mb)
        terms = cost_per_million(usage)
        totals[side.name] = total(terms)
        rows.append(
            [side.name, *(f"${term.dollars_per_million:.3f}" for term in terms), f"**${total(terms):.2f}**"]
        )
        figures[f"submitted by {side.name}"] = {"usage_per_job": usage, "total": round(total(terms), 3)}
    single, batched = totals.values()
    headers = [
        PRICES[key].service for key in submission_usage(pipeline.single_submits, pipeline.api_memory_mb)
    ]
    return [
        f"Submitting, per million text_transform jobs: one POST /jobs each beside POST /jobs/batch of 25 "
        f"({pipeline.batch_submits.count} jobs each way; the API's side only, the worker's is the same):",
        "",
        *table(["submitted by", *headers, "total"], rows),
        "",
        f"Batches of 25 save ${single - batched:.2f} of ${single:.2f} per million jobs submitted: one API "
        "request and invocation for 25 jobs, and one SQS request for 10 messages; each job's item is still "
        "its own write units (BatchWriteItem saves calls, not units).",
        "",
    ]


def sweep_monthly(sweep: SideRun, memory_mb: int) -> dict[str, float]:
    """The schedule's fixed cost: one idle sweep a minute for a 30-day month (per month, not per million)."""
    reads = sum(
        n
        for counts in sweep.requests.values()
        for (_, operation), n in counts.items()
        if operation in ("Query", "Scan")
    )
    receives = sum(
        n for counts in sweep.requests.values() for (service, _), n in counts.items() if service == "sqs"
    )
    seconds = median([invocation.seconds for invocation in sweep.invocations])
    per_run = {
        "lambda_requests": 1.0,
        "lambda_gb_seconds": billed_gb_seconds([seconds], memory_mb),
        # An index Query or a Scan segment is eventually consistent and reads at least one 4 KB unit, even
        # finding nothing; the expiry scan's reads of the table's items are priced per job instead.
        "dynamodb_rru": reads * read_units(0, consistent=False),
        "sqs_requests": float(receives),
        "log_gib": platform_log_bytes(seconds * 1000, memory_mb) / 2**30,
    }
    return {key: value * MINUTES_PER_MONTH for key, value in per_run.items()}


def section(pipeline: PipelineRun) -> Section:
    indexes = [
        Index.from_description(pipeline.table_description, index["IndexName"])
        for index in pipeline.table_description["GlobalSecondaryIndexes"]
    ]
    scan = ExpiryScan(
        pass_days=SCAN_SEGMENTS / (24 * 60), retention_days=int(template_default("core", "JobRetentionDays"))
    )
    body = [
        f"AWS list prices, {PRICE_REGION}, first tier, in effect since {PRICE_DATE} (the newest change "
        "among them: DynamoDB on-demand); not re-checked on the run's date. Free tiers, data transfer and "
        "storage left out. Every quantity is measured in the run above; DynamoDB units come from the "
        "items' sizes (moto's ConsumedCapacity is a constant), each write's units in the table and in each "
        "index counted from the item before and after it, as DynamoDB bills them.",
        "",
    ]
    figures: dict[str, Any] = {"price_region": PRICE_REGION, "price_date": PRICE_DATE}
    for run in pipeline.job_types:
        job = job_usage(run, indexes, pipeline.api_memory_mb, pipeline.worker_memory_mb, scan)
        terms = cost_per_million(job.usage)
        body += [f"**{run.name}** (per million jobs)", ""]
        body += _terms_table(terms, job.notes)
        body += ["", f"Total: **${total(terms):.2f} per million jobs**.", ""]
        figures[run.name] = {
            "usage_per_job": job.usage,
            "dollars_per_million": {term.key: round(term.dollars_per_million, 4) for term in terms},
            "total": round(total(terms), 2),
            "write_units_by_write": write_units_by_write(run, indexes),
        }
    body += ["Write units per job, by write and by where DynamoDB bills them (table, each index):", ""]
    names = [index.name for index in indexes]
    rows = [
        [run.name, label, f"{kind['writes']:.2f}", f"{kind['table']:.2f}", *(f"{kind[n]:.2f}" for n in names)]
        for run in pipeline.job_types
        for label, kind in figures[run.name]["write_units_by_write"].items()
    ]
    rows += [
        [
            f"**{run.name}**",
            "all",
            "",
            *(
                f"**{sum(kind[column] for kind in figures[run.name]['write_units_by_write'].values()):.2f}**"
                for column in ("table", *names)
            ),
        ]
        for run in pipeline.job_types
    ]
    body += table(["jobs", "write", "per job", "table WRU", *(f"`{n}` WRU" for n in names)], rows)
    body += [
        "",
        "The `sweep` index is written only where a job's message may be gone (a claim on its message's last "
        "receive): never on this happy path. A signed-in job's listing keys put it in `by_owner` once and "
        "move it in `by_owner_type_status` at each status change (a delete and a put).",
        "",
        _targets(pipeline, figures),
        "",
    ]
    body += _submission_lines(pipeline, figures)
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
        f"({MINUTES_PER_MONTH} invocations; {monthly['dynamodb_rru']:.0f} RRU for the least its 16 index "
        f"Queries and its scan segment read, each run; {monthly['sqs_requests']:.0f} receives from the DLQ; "
        "their log lines); the SQS event source's idle long polls are Lambda's and not modelled here.",
    ]
    headline = "; ".join(
        f"{run.name} ${figures[run.name]['total']:.2f} per million jobs, "
        f"{figures[run.name]['usage_per_job']['dynamodb_wru']:.0f} WRU"
        for run in pipeline.job_types
    )
    headline += f"; the sweeper's schedule ${monthly_dollars:.2f} a month "
    headline += f"({PRICE_REGION} list prices of {PRICE_DATE}). {_targets(pipeline, figures)}"
    return Section(
        "Cost per million jobs", body, figures, headline=headline, failed=not _targets_hold(figures)
    )


def _targets(pipeline: PipelineRun, figures: Mapping[str, Any]) -> str:
    dollars = figures["text_transform"]["total"]
    signed_in = figures["text_transform, signed in"]["usage_per_job"]["dynamodb_wru"]
    ok = _targets_hold(figures)
    return (
        f"Targets: text_transform ${dollars:.2f} per million jobs (≤ ${TARGET_DOLLARS_PER_MILLION:.2f}), "
        f"signed in {signed_in:.1f} WRU per job (≤ {TARGET_SIGNED_IN_WRU}) — "
        f"{'both hold' if ok else 'TARGET MISSED'}."
    )


def _targets_hold(figures: Mapping[str, Any]) -> bool:
    return bool(
        figures["text_transform"]["total"] <= TARGET_DOLLARS_PER_MILLION
        and figures["text_transform, signed in"]["usage_per_job"]["dynamodb_wru"] <= TARGET_SIGNED_IN_WRU
    )


def template_default(stack: str, parameter: str) -> str:
    """The default infra/<stack>/template.yaml gives `parameter`: what a deployment gets unless it says."""
    return str(load_template(stack)["Parameters"][parameter]["Default"])


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
    if price.per != 1:
        return f"${price.dollars:g} per {price.per:,.0f}"
    return f"${price.dollars:g} per {price.unit}"
