"""Throughput and latency: N jobs from concurrent clients, first on the local stack, then in-process.

1. The local stack as `make dev` runs it (tests.support.local_stack): moto in one process, the API behind the
   HTTP API emulator and the worker behind the SQS event source emulator, each in its own process. Clients
   POST over HTTP; each job's latency is its item's `finished_at` minus the moment its client sent it.
2. The same handlers in this process, against the same moto server (a core stack of their own beside the local
   stack's): the API invoked directly by the client threads, the worker behind one event source thread, as
   the local stack has one. Every invocation's time is split into our code, botocore's work around each AWS
   call, and the HTTP round trip to moto (the emulator's work as the client sees it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conveyor_local.aws import cloudformation_client, dynamodb_client, sqs_client
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_local.templates import stack_name

from bench.common import LOCAL_AWS_ENVIRONMENT, Section, environment, median, percentile, table
from bench.instruments import AwsMeter, Invocation, timed
from bench.requests_per_job import api_context, metered_api
from tests.support import http
from tests.support.local_stack import running_local_stack
from tests.support.stack import post_jobs_event, running_stack

CLIENTS = 8
JOB = ("text_transform", {"text": "hello conveyor"})
COMPLETION_TIMEOUT_SECONDS = 300


@dataclass
class Variant:
    name: str
    jobs: int
    submitted_at: dict[str, float] = field(default_factory=dict)
    """Wall-clock time (epoch seconds) each accepted job's request was sent."""
    statuses: list[int] = field(default_factory=list)
    first_sent: float = 0.0
    last_accepted: float = 0.0
    finished_at: dict[str, float] = field(default_factory=dict)
    invocations: list[Invocation] = field(default_factory=list)
    source_calls: dict[str, float] = field(default_factory=dict)

    @property
    def latencies(self) -> list[float]:
        return [self.finished_at[job_id] - sent for job_id, sent in self.submitted_at.items()]

    def figures(self) -> dict[str, Any]:
        latencies = self.latencies
        accepted = sum(1 for status in self.statuses if status == 202)
        return {
            "jobs": self.jobs,
            "clients": CLIENTS,
            "accepted": accepted,
            "accepted_per_second": accepted / (self.last_accepted - self.first_sent),
            "completed_per_second": len(self.finished_at)
            / (max(self.finished_at.values()) - self.first_sent),
            "latency_p50_ms": percentile(latencies, 0.50) * 1000,
            "latency_p95_ms": percentile(latencies, 0.95) * 1000,
            "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        }


def run(jobs: int = 300) -> Section:
    started = time.monotonic()
    with running_local_stack() as local:
        aws_endpoint = f"http://127.0.0.1:{local.ports['CONVEYOR_AWS_PORT']}"
        with environment({**LOCAL_AWS_ENVIRONMENT, "AWS_ENDPOINT_URL": aws_endpoint}):
            table_name = _local_table(aws_endpoint)
            over_http = _over_http(local.api_url, aws_endpoint, table_name, jobs)
            in_process = _in_process(aws_endpoint, jobs)
    section = _section(over_http, in_process)
    section.seconds = time.monotonic() - started
    return section


def _local_table(aws_endpoint: str) -> str:
    stacks = cloudformation_client(aws_endpoint).describe_stacks(StackName=stack_name("core"))["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0]["Outputs"]}
    return outputs["JobsTableName"]


def _submit_all(variant: Variant, submit: Callable[[], tuple[int, str | None]]) -> None:
    lock = threading.Lock()

    def one(_: int) -> None:
        sent = time.time()
        status, job_id = submit()
        with lock:
            variant.statuses.append(status)
            if job_id is not None:
                variant.submitted_at[job_id] = sent
            variant.last_accepted = max(variant.last_accepted, time.time())

    variant.first_sent = time.time()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, range(variant.jobs)))


def _wait_for_completion(variant: Variant, dynamodb: Any, table_name: str) -> None:
    deadline = time.monotonic() + COMPLETION_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table_name,
            ProjectionExpression="job_id, #s, finished_at",
            ExpressionAttributeNames={"#s": "status"},
        ):
            for item in page["Items"]:
                job_id = item["job_id"]["S"]
                if job_id in variant.submitted_at and item["status"]["S"] == "SUCCEEDED":
                    variant.finished_at[job_id] = _epoch(item["finished_at"]["S"])
        if len(variant.finished_at) == len(variant.submitted_at):
            return
        time.sleep(0.5)
    raise TimeoutError(
        f"{variant.name}: {len(variant.finished_at)} of {len(variant.submitted_at)} jobs ended"
    )


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _over_http(api_url: str, aws_endpoint: str, table_name: str, jobs: int) -> Variant:
    variant = Variant("local stack (make dev's processes), over HTTP", jobs)
    job_type, payload = JOB

    def submit() -> tuple[int, str | None]:
        response = http.request(
            "POST", f"{api_url}/jobs", json_body={"job_type": job_type, "payload": payload}
        )
        return response.status, response.json()["job_id"] if response.status == 202 else None

    _submit_all(variant, submit)
    _wait_for_completion(variant, dynamodb_client(aws_endpoint), table_name)
    return variant


def _in_process(aws_endpoint: str, jobs: int) -> Variant:
    variant = Variant("handlers in this process, same moto server", jobs)
    job_type, payload = JOB
    meter = AwsMeter()
    lock = threading.Lock()
    with running_stack(aws_endpoint, visibility_timeout_seconds=30) as stack:
        api = metered_api(stack, aws_endpoint, meter, variant.invocations, lock)
        worker = timed(
            stack.worker_handler(dynamodb_client=meter.watch(dynamodb_client(aws_endpoint), "worker")),
            meter,
            "worker",
            variant.invocations,
            lock,
        )
        source_sqs = meter.watch(sqs_client(aws_endpoint), "event source mapping")
        source = SqsEventSource(
            source_sqs,
            worker,
            queue_url=stack.resources.queue_url,
            queue_arn=stack.resources.queue_arn,
            wait_time_seconds=1,
        )
        stop = threading.Event()
        poller = threading.Thread(target=source.run, args=(stop,), name="bench-event-source")
        poller.start()

        def submit() -> tuple[int, str | None]:
            import json

            response = api(post_jobs_event(job_type, payload), api_context())
            status = int(response["statusCode"])
            return status, json.loads(response["body"])["job_id"] if status == 202 else None

        try:
            _submit_all(variant, submit)
            _wait_for_completion(variant, stack.dynamodb, stack.resources.table_name)
        finally:
            stop.set()
            poller.join()
        meter.close()
        variant.source_calls = {
            f"{service} {operation}": seconds
            for (role, service, operation), seconds in meter.call_seconds.items()
            if role == "event source mapping"
        }
    return variant


def _breakdown(variant: Variant) -> tuple[list[list[str]], dict[str, Any]]:
    rows = []
    figures: dict[str, Any] = {}
    for role in ("api", "worker"):
        calls = [invocation for invocation in variant.invocations if invocation.role == role]
        total = sum(i.seconds for i in calls)
        aws = sum(i.aws_call_seconds for i in calls)
        wire = sum(i.http_seconds for i in calls)
        jobs = sum(i.records for i in calls)
        parts = {"ours": total - aws, "botocore": aws - wire, "HTTP + moto": wire}
        figures[role] = {
            "invocations": len(calls),
            "median_invocation_ms": median([i.seconds for i in calls]) * 1000,
            **{f"{name}_ms_per_job": seconds / jobs * 1000 for name, seconds in parts.items()},
        }
        rows.append(
            [
                role,
                str(len(calls)),
                f"{median([i.seconds for i in calls]) * 1000:.1f} ms",
                *(f"{seconds / jobs * 1000:.2f} ms ({seconds / total:.0%})" for seconds in parts.values()),
            ]
        )
    return rows, figures


def _section(over_http: Variant, in_process: Variant) -> Section:
    rows = []
    figures: dict[str, Any] = {}
    for variant in (over_http, in_process):
        figure = variant.figures()
        figures[variant.name] = figure
        rows.append(
            [
                variant.name,
                f"{figure['accepted']}/{variant.jobs}",
                f"{figure['accepted_per_second']:.1f}",
                f"{figure['completed_per_second']:.1f}",
                f"{figure['latency_p50_ms']:.0f} ms",
                f"{figure['latency_p95_ms']:.0f} ms",
                f"{figure['latency_p99_ms']:.0f} ms",
            ]
        )
    body = [
        f"{over_http.jobs} `text_transform` jobs from {CLIENTS} concurrent clients, one worker poller (as "
        "`make dev` runs one), batches of 10. Latency is submit → SUCCEEDED (the item's `finished_at`), "
        "queueing included.",
        "",
    ]
    body += table(
        ["variant", "accepted", "accepted jobs/s", "completed jobs/s", "p50", "p95", "p99"],
        rows,
    )
    breakdown_rows, breakdown = _breakdown(in_process)
    figures["in_process_breakdown"] = breakdown
    figures["event_source_call_seconds"] = in_process.source_calls
    body += [
        "",
        "Latency is mostly queueing behind the one poller: in-process, the submissions outrun it further "
        "(and share this process with it), so jobs wait longer.",
        "",
        "Where the in-process handlers' time goes, per job (the worker's invocations are batches):",
        "",
    ]
    body += table(
        ["function", "invocations", "median invocation", "our code", "botocore", "HTTP + moto"],
        breakdown_rows,
    )
    body += [
        "",
        "`HTTP + moto` is each request from botocore's send to the start of parsing its answer: moto's "
        "work plus the loopback. On AWS that share would be DynamoDB's and SQS's latency instead; `our "
        "code` is what the functions would spend anywhere.",
    ]
    local, inside = figures[over_http.name], breakdown
    ours = sum(inside[role]["ours_ms_per_job"] for role in ("api", "worker"))
    headline = (
        f"local stack: {local['accepted_per_second']:.0f} jobs/s accepted, "
        f"{local['completed_per_second']:.0f} completed, submit to SUCCEEDED p50/p95/p99 "
        f"{local['latency_p50_ms']:.0f}/{local['latency_p95_ms']:.0f}/{local['latency_p99_ms']:.0f} ms; "
        f"in-process, our code is {ours:.1f} ms of each job, the rest botocore and moto."
    )
    return Section("Throughput and latency", body, figures, headline=headline)
