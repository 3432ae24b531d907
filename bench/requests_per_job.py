"""AWS requests per job on the happy path, counted at botocore per function and per API; what feeds the cost.

Jobs go through the real handlers in this process, against a moto server: the API function (composed as
`conveyor_api.lambda_function` composes it) submits them, the worker drains the queue behind the local SQS
event source (batches of 10, as the worker stack's event source mapping), then the sweeper runs once, some
jobs are read back with `GET /jobs/{id}`, and some are submitted with an Idempotency-Key and then replayed.
Every AWS request the functions make (the event source's too, as Lambda's pollers make them for the worker) is
counted; item images, message sizes, durations and log bytes are kept for `bench.cost`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conveyor_api.handlers.http import logger as api_logger
from conveyor_local.aws import dynamodb_client, s3_client, sqs_client
from conveyor_local.config import PAYLOAD_INLINE_MAX_BYTES
from conveyor_local.http_gateway import build_event
from conveyor_local.lambda_runtime import LambdaContext
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_local.templates import load_template
from conveyor_worker.log_lines import service_logger

from bench.common import Section, deployed_powertools, median, table
from bench.dynamodb_units import item_size
from bench.instruments import AwsMeter, Handler, Invocation, LogCapture, captured_logs, timed
from tests.support.stack import (
    MAX_RECEIVE_COUNT,
    Stack,
    post_job_batch_event,
    post_jobs_event,
    running_stack,
    signed_in,
)

VISIBILITY_TIMEOUT_SECONDS = 30
"""Long enough that no batch is seen twice while the machine is busy: a redelivery would add requests."""
SWEEP_INDEX = "sweep"
SIGNED_IN_OWNER = "7d9f2c4e-1b3a-4c5d-8e6f-0a1b2c3d4e5f"
"""The `sub` of the caller who submits the signed-in run's jobs."""

# Typical small jobs: what the README's examples submit, and a data set of a hundred numbers.
JOB_PAYLOADS: dict[str, dict[str, Any]] = {
    "text_transform": {"text": "hello conveyor, " * 4},
    "data_analysis": {"data": [round(1.5 * n - 40.25, 2) for n in range(100)]},
}
STATUS_READS = 50
KEYED_SUBMISSIONS = 20
BATCH_JOBS = 25
"""POST /jobs/batch's largest batch, the one bench.cost prices."""
SUBMISSION_BATCHES = 4
"""Batches of BATCH_JOBS submitted, and as many jobs one by one, to price submitting each way."""

ROLES = ("api", "worker", "event source mapping", "sweeper")


@dataclass(frozen=True)
class TableWrite:
    """One write of the jobs table, with the item before (None: a new item) and after it."""

    label: str
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass
class JobTypeRun:
    """One job type's jobs through the pipeline: counts, images and timings, per job where it says so."""

    job_type: str
    jobs: int
    requests: dict[str, Counter[tuple[str, str]]]
    invocations: list[Invocation]
    owner: str | None = None
    """The signed-in caller who submitted the jobs; None in a deployment without sign-in."""
    writes: list[TableWrite] = field(default_factory=list)
    """Every write of the jobs table the functions made for these jobs, in order."""
    on_last_receive: bool = False
    """Whether the worker met each message on its last receive, when the claim enters the job in `sweep`."""

    @property
    def name(self) -> str:
        name = self.job_type if self.owner is None else f"{self.job_type}, signed in"
        return f"{name}, on the last receive" if self.on_last_receive else name

    message_bytes: list[int] = field(default_factory=list)
    receive_batches: list[list[int]] = field(default_factory=list)
    """The body sizes of each ReceiveMessage that returned messages."""
    empty_receives: int = 0
    log_bytes: dict[str, int] = field(default_factory=dict)
    log_events: dict[str, int] = field(default_factory=dict)
    log_samples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class SideRun:
    """A path beside the happy one: its requests per operation, durations, and what it read or wrote."""

    name: str
    count: int
    requests: dict[str, Counter[tuple[str, str]]]
    invocations: list[Invocation]
    read_sizes: list[int] = field(default_factory=list)
    written_sizes: list[int] = field(default_factory=list)
    index_write_units: int = 0
    """Writes of the jobs table's sparse index: a new QUEUED job enters it."""
    log_bytes: int = 0
    log_events: int = 0
    scanned: list[int] = field(default_factory=list)
    sqs_request_bytes: list[int] = field(default_factory=list)
    """The message bytes of each SQS send request (SendMessage, or SendMessageBatch's entries together)."""


@dataclass
class PipelineRun:
    job_types: list[JobTypeRun]
    status_reads: SideRun
    keyed: SideRun
    replays: SideRun
    sweep: SideRun
    last_receive: JobTypeRun
    """text_transform jobs whose messages the worker first meets on their last receive (not priced: a job that
    gets there has failed or been delayed before; here for the `sweep` index's writes)."""
    table_description: dict[str, Any]
    api_memory_mb: int = 256
    worker_memory_mb: int = 256
    single_submits: SideRun | None = None
    """SUBMISSION_BATCHES x BATCH_JOBS jobs submitted one POST /jobs each (`count`: jobs)."""
    batch_submits: SideRun | None = None
    """As many jobs submitted BATCH_JOBS a POST /jobs/batch (`count`: jobs)."""


def measure(endpoint: str, jobs_per_type: int = 100) -> PipelineRun:
    with running_stack(endpoint, visibility_timeout_seconds=VISIBILITY_TIMEOUT_SECONDS) as stack:
        table_description = stack.dynamodb.describe_table(TableName=stack.resources.table_name)["Table"]
        runs = [job_type_run(stack, endpoint, job_type, jobs_per_type) for job_type in JOB_PAYLOADS]
        runs.append(job_type_run(stack, endpoint, "text_transform", jobs_per_type, owner=SIGNED_IN_OWNER))
        # While the queue holds no other message: the side runs below leave theirs unreceived.
        last_receive = job_type_run(stack, endpoint, "text_transform", jobs_per_type, on_last_receive=True)
        status_reads = measure_status_reads(stack, endpoint, STATUS_READS)
        keyed, replays = _keyed_submissions(stack, endpoint)
        single_submits, batch_submits = measure_submissions(stack, endpoint)
        sweep = _idle_sweep(stack)
    return PipelineRun(
        runs,
        status_reads,
        keyed,
        replays,
        sweep,
        last_receive,
        table_description,
        api_memory_mb=function_memory_mb("api", "ApiFunction"),
        worker_memory_mb=function_memory_mb("worker", "WorkerFunction"),
        single_submits=single_submits,
        batch_submits=batch_submits,
    )


def function_memory_mb(stack: str, logical_id: str) -> int:
    """The MemorySize infra/<stack>/template.yaml gives the function (or its Globals; else Lambda's 128)."""
    template = load_template(stack)
    default = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)
    return int(template["Resources"][logical_id]["Properties"].get("MemorySize", default))


def api_as_deployed(stack: Stack, **options: Any) -> Callable[[dict[str, Any], Any], Any]:
    """The API function as `conveyor_api.lambda_function` composes it: its logger gets the Lambda context."""
    handler = stack.api_handler(**options)
    wrapped: Callable[[dict[str, Any], Any], Any] = api_logger.inject_lambda_context(clear_state=True)(
        handler
    )
    return wrapped


def composed_as_deployed(handler: Handler) -> Handler:
    """A worker stack's function as its module (`conveyor_worker.lambda_function`, `.sweeper_function`)
    composes it: each line its Logger writes carries the invocation's Lambda context, whose bytes CloudWatch
    Logs bills. Called within `deployed_powertools`, so that the Logger is the function's service's."""
    wrapped: Handler = service_logger().inject_lambda_context(clear_state=True)(handler)
    return wrapped


def metered_api(
    stack: Stack,
    endpoint: str,
    meter: AwsMeter,
    invocations: list[Invocation],
    lock: threading.Lock,
    **options: Any,
) -> Callable[[dict[str, Any], Any], Any]:
    """The API as deployed (with Stack.api_handler's `options`), its AWS requests counted by `meter` as the
    api's, each invocation timed into `invocations`."""
    return timed(
        api_as_deployed(
            stack,
            dynamodb_client=meter.watch(dynamodb_client(endpoint), "api"),
            sqs_client=meter.watch(sqs_client(endpoint), "api"),
            s3_client=meter.watch(s3_client(endpoint), "api"),
            **options,
        ),
        meter,
        "api",
        invocations,
        lock,
    )


def api_context() -> LambdaContext:
    return LambdaContext("conveyor-api", 256, 10)


def job_type_run(
    stack: Stack,
    endpoint: str,
    job_type: str,
    jobs: int,
    *,
    owner: str | None = None,
    on_last_receive: bool = False,
    payload: dict[str, Any] | None = None,
    payload_inline_max_bytes: int = PAYLOAD_INLINE_MAX_BYTES,
) -> JobTypeRun:
    """`jobs` jobs of `job_type` (each with `payload`, else the type's typical one) through the API and the
    worker, every AWS request they make counted; the API stores payloads over `payload_inline_max_bytes`
    aside, as the stacks `make deploy` and `make dev` deploy do by default."""
    started = time.monotonic()
    meter = AwsMeter()
    meter.watch_default_session()
    run = JobTypeRun(job_type, jobs, {}, [], owner=owner, on_last_receive=on_last_receive)
    lock = threading.Lock()
    table_name = stack.resources.table_name
    meter.observers.append(_image_observer(run, table_name, dynamodb_client(endpoint)))

    api = metered_api(
        stack,
        endpoint,
        meter,
        run.invocations,
        lock,
        auth_mode="none" if owner is None else "jwt",
        payload_inline_max_bytes=payload_inline_max_bytes,
    )
    with deployed_powertools("worker", "WorkerFunction"):
        worker_handler = composed_as_deployed(
            stack.worker_handler(dynamodb_client=meter.watch(dynamodb_client(endpoint), "worker"))
        )
    worker = timed(worker_handler, meter, "worker", run.invocations, lock)
    source = SqsEventSource(
        meter.watch(sqs_client(endpoint), "event source mapping"),
        worker,
        queue_url=stack.resources.queue_url,
        queue_arn=stack.resources.queue_arn,
        wait_time_seconds=1,
    )
    with captured_logs() as logs:
        logs.phase = meter.phase = "api"
        for _ in range(jobs):
            event = post_jobs_event(job_type, JOB_PAYLOADS[job_type] if payload is None else payload)
            response = api(event if owner is None else signed_in(event, owner), api_context())
            assert response["statusCode"] == 202, response
        # One process holds both functions here, and their loggers are one: the worker's lines must not carry
        # the API's Lambda context, as they would not on Lambda.
        api_logger.clear_state()
        if on_last_receive:
            _spend_receives(stack, endpoint, jobs, MAX_RECEIVE_COUNT - 1)
        logs.phase = meter.phase = "worker"
        _drain(source, run, jobs)
    assert {item["status"]["S"] for item in stack.items()} == {"SUCCEEDED"}
    run.requests = {role: meter.by_role(role) for role in ROLES}
    meter.close()
    _keep_logs(run, logs)
    _clear_table(stack)
    run.seconds = time.monotonic() - started
    return run


def _image_observer(run: JobTypeRun, table_name: str, reader: Any) -> Callable[..., None]:
    """Keeps each jobs-table write's item images (read back by `reader`, a client no role's count sees),
    message sizes and receive batches."""
    last: dict[str, dict[str, Any]] = {}

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if service == "dynamodb" and params.get("TableName") == table_name and operation in WRITES:
            job_id = (params.get("Item") or params["Key"])["job_id"]["S"]
            after = reader.get_item(TableName=table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True)
            run.writes.append(TableWrite(_label(operation, params), last.get(job_id), after["Item"]))
            last[job_id] = after["Item"]
        elif service == "sqs" and operation == "SendMessage":
            run.message_bytes.append(len(params["MessageBody"].encode("utf-8")))
        elif service == "sqs" and operation == "ReceiveMessage":
            bodies = [len(message["Body"].encode("utf-8")) for message in parsed.get("Messages", [])]
            if bodies:
                run.receive_batches.append(bodies)
            else:
                run.empty_receives += 1

    return observe


WRITES = ("PutItem", "UpdateItem")


def _label(operation: str, params: dict[str, Any]) -> str:
    """What a write of the jobs table is, by the values its expression names."""
    if operation == "PutItem":
        return "submit (PutItem)"
    values = params.get("ExpressionAttributeValues", {})
    if ":queued" in values:
        return "claim"
    if ":succeeded" in values or ":failed" in values:
        return "completion"
    if ":owner_status" in values:
        return "claim's listing keys (owned jobs)"
    return "other update"


def _drain(source: SqsEventSource, run: JobTypeRun, jobs: int) -> None:
    """Polls until every job's batch has been handled and the queue answers empty."""
    deadline = time.monotonic() + 300
    handled = 0
    while time.monotonic() < deadline:
        result = source.poll_once()
        handled += result.deleted
        if result.received == 0 and handled >= jobs:
            return
    raise TimeoutError(f"the worker handled {handled} of {jobs} jobs in 300 s")


def _spend_receives(stack: Stack, endpoint: str, messages: int, receives: int) -> None:
    """Receives each of the queue's `messages` messages `receives` times, each time holding all of them
    before letting them go, with a client no role's count sees: the next receive of each is its
    `receives` + 1st."""
    sqs = sqs_client(endpoint)
    queue_url = stack.resources.queue_url
    for _ in range(receives):
        held: dict[str, str] = {}
        deadline = time.monotonic() + 60
        while len(held) < messages:
            if time.monotonic() > deadline:
                raise TimeoutError(f"received {len(held)} of {messages} messages in 60 s")
            answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300)
            held.update(
                {message["MessageId"]: message["ReceiptHandle"] for message in answer.get("Messages", [])}
            )
        handles = list(held.values())
        for start in range(0, len(handles), 10):
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(number), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for number, handle in enumerate(handles[start : start + 10])
                ],
            )


def _keep_logs(run: JobTypeRun, logs: LogCapture) -> None:
    run.log_bytes = dict(logs.bytes_by_phase)
    run.log_events = dict(logs.events_by_phase)
    run.log_samples = dict(logs.samples)


def _clear_table(stack: Stack) -> None:
    for item in stack.items():
        stack.dynamodb.delete_item(TableName=stack.resources.table_name, Key={"job_id": item["job_id"]})


def get_job_event(job_id: str) -> dict[str, Any]:
    return get_event(f"/jobs/{job_id}")


def get_event(target: str) -> dict[str, Any]:
    """A GET of `target` (a path and its query string) as API Gateway passes it on."""
    return build_event(
        method="GET",
        target=target,
        headers=[("host", "api.local")],
        body=b"",
        source_ip="127.0.0.1",
        server_port=443,
        protocol="HTTP/1.1",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
    )


def measure_status_reads(stack: Stack, endpoint: str, count: int) -> SideRun:
    """`count` small jobs submitted, then each read once with `GET /jobs/{id}`: what the reads cost."""
    meter = AwsMeter()
    run = SideRun("GET /jobs/{id}", count, {}, [])
    api = timed(
        api_as_deployed(
            stack, dynamodb_client=meter.watch(dynamodb_client(endpoint), "api"), sqs_client=None
        ),
        meter,
        "api",
        run.invocations,
        threading.Lock(),
    )
    records = [
        json.loads(
            api(post_jobs_event("text_transform", JOB_PAYLOADS["text_transform"]), api_context())["body"]
        )
        for _ in range(count)
    ]

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "GetItem" and "Item" in parsed:
            run.read_sizes.append(item_size(parsed["Item"]))

    meter.observers.append(observe)
    meter.requests.clear()
    run.invocations.clear()
    with captured_logs() as logs:
        logs.phase = "api"
        for record in records:
            response = api(get_job_event(record["job_id"]), api_context())
            assert response["statusCode"] == 200, response
    run.requests = {"api": meter.by_role("api")}
    meter.close()
    run.log_bytes, run.log_events = logs.bytes_by_phase["api"], logs.events_by_phase["api"]
    _clear_table(stack)
    return run


def _keyed_submissions(stack: Stack, endpoint: str) -> tuple[SideRun, SideRun]:
    meter = AwsMeter()
    keyed = SideRun("POST /jobs with Idempotency-Key (first use)", KEYED_SUBMISSIONS, {}, [])
    replays = SideRun("POST /jobs with Idempotency-Key (replay)", KEYED_SUBMISSIONS, {}, [])
    current = [keyed]
    lock = threading.Lock()

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        # What each write stores: a PutItem's item, or an UpdateItem's key and new values (an upper bound).
        if service == "dynamodb" and operation == "PutItem":
            current[0].written_sizes.append(item_size(params["Item"]))
            if params["TableName"] == stack.resources.table_name and "sweep_at" in params["Item"]:
                current[0].index_write_units += 1
        elif service == "dynamodb" and operation == "UpdateItem":
            values = params.get("ExpressionAttributeValues", {})
            current[0].written_sizes.append(item_size(params["Key"]) + item_size(values))

    meter.observers.append(observe)
    invocations: list[Invocation] = []
    api = metered_api(stack, endpoint, meter, invocations, lock)
    keys = [str(uuid.uuid4()) for _ in range(KEYED_SUBMISSIONS)]
    for run, expected in ((keyed, 202), (replays, 202)):
        current[0] = run
        meter.requests.clear()
        invocations.clear()
        for key in keys:
            event = post_jobs_event("text_transform", JOB_PAYLOADS["text_transform"])
            event["headers"]["idempotency-key"] = key
            response = api(event, api_context())
            assert response["statusCode"] == expected, response
        run.requests = {"api": meter.by_role("api")}
        run.invocations = list(invocations)
    meter.close()
    _clear_table(stack)
    return keyed, replays


def measure_submissions(
    stack: Stack, endpoint: str, batches: int = SUBMISSION_BATCHES
) -> tuple[SideRun, SideRun]:
    """The same number of text_transform jobs submitted one by one, then BATCH_JOBS a request: each way's
    invocations, the items it put and the bytes of each SQS send (bench.cost prices them per job)."""
    jobs = batches * BATCH_JOBS
    single = SideRun("POST /jobs", jobs, {}, [])
    batched = SideRun(f"POST /jobs/batch of {BATCH_JOBS}", jobs, {}, [])
    current = [single]

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        run = current[0]
        if operation == "PutItem":
            run.written_sizes.append(item_size(params["Item"]))
        elif operation == "BatchWriteItem":
            puts = [put for table_puts in params["RequestItems"].values() for put in table_puts]
            run.written_sizes += [item_size(put["PutRequest"]["Item"]) for put in puts]
        elif operation == "SendMessage":
            run.sqs_request_bytes.append(len(params["MessageBody"].encode()))
        elif operation == "SendMessageBatch":
            run.sqs_request_bytes.append(
                sum(len(entry["MessageBody"].encode()) for entry in params["Entries"])
            )

    meter = AwsMeter()
    meter.observers.append(observe)
    invocations: list[Invocation] = []
    api = metered_api(stack, endpoint, meter, invocations, threading.Lock())
    job = {"job_type": "text_transform", "payload": JOB_PAYLOADS["text_transform"]}
    events = {
        single.name: [post_jobs_event("text_transform", JOB_PAYLOADS["text_transform"]) for _ in range(jobs)],
        batched.name: [post_job_batch_event([job] * BATCH_JOBS) for _ in range(batches)],
    }
    for run in (single, batched):
        current[0] = run
        meter.requests.clear()
        invocations.clear()
        with captured_logs() as logs:
            logs.phase = "api"
            for event in events[run.name]:
                response = api(event, api_context())
                assert response["statusCode"] in (200, 202), response
                assert '"status":503' not in response["body"], response
        run.requests = {"api": meter.by_role("api")}
        run.invocations = list(invocations)
        run.log_bytes, run.log_events = logs.bytes_by_phase["api"], logs.events_by_phase["api"]
    meter.close()
    _clear_table(stack)
    return single, batched


def _idle_sweep(stack: Stack) -> SideRun:
    """One sweep with nothing overdue: the fixed cost the schedule pays every minute."""
    meter = AwsMeter()
    meter.watch_default_session()
    meter.phase = "sweeper"
    run = SideRun("sweeper, nothing overdue", 1, {}, [])

    def observe(
        role: str, service: str, operation: str, params: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        if operation == "Query":
            run.scanned.append(int(parsed.get("ScannedCount", 0)))

    meter.observers.append(observe)
    with deployed_powertools("worker", "SweeperFunction"):
        sweeper_handler = composed_as_deployed(stack.sweeper_handler())
    sweeper = timed(sweeper_handler, meter, "sweeper", run.invocations, threading.Lock())
    sweeper({}, LambdaContext("conveyor-sweeper", 256, 60))
    run.requests = {"sweeper": meter.by_role("sweeper")}
    meter.close()
    return run


def section(pipeline: PipelineRun) -> Section:
    body = [
        f"Jobs through the real handlers in one process against moto ({', '.join(JOB_PAYLOADS)}; "
        f"{pipeline.job_types[0].jobs} of each), counted at botocore (one count per HTTP request). "
        "The worker's receives and deletes are the event source mapping's (Lambda's pollers make them).",
        "",
    ]
    rows = []
    figures: dict[str, Any] = {}
    for run in pipeline.job_types:
        per_job: dict[str, float] = {}
        for role in ROLES:
            for (service, operation), count in sorted(run.requests[role].items()):
                per_job[f"{role} {service}:{operation}"] = count / run.jobs
                rows.append([run.name, role, f"{service} {operation}", count, f"{count / run.jobs:.2f}"])
        batches = run.receive_batches
        per_job["messages per non-empty receive"] = median([len(batch) for batch in batches])
        figures[run.name] = {
            "per_job": per_job,
            "receives_with_messages": len(batches),
            "empty_receives": run.empty_receives,
            "mean_messages_per_receive": sum(map(len, batches)) / len(batches) if batches else 0,
        }
    body += table(["job type", "function", "AWS API", "requests", "per job"], rows)
    body += [""]
    for run in pipeline.job_types:
        figure = figures[run.name]
        body.append(
            f"- {run.name}: {figure['receives_with_messages']} receives returned messages, "
            f"{figure['mean_messages_per_receive']:.1f} per receive on average; {figure['empty_receives']} "
            "empty receive(s) ended the drain (idle polling is the event source's fixed cost, not a job's)."
        )
    body += ["", _verdict(pipeline), ""]
    side_rows = []
    for side in (pipeline.status_reads, pipeline.keyed, pipeline.replays, pipeline.sweep):
        for role, counts in side.requests.items():
            for (service, operation), count in sorted(counts.items()):
                side_rows.append([side.name, role, f"{service} {operation}", f"{count / side.count:.2f}"])
    body += ["Beside the happy path, per request (the sweep: per run):", ""]
    body += table(["path", "function", "AWS API", "requests each"], side_rows)
    scanned = pipeline.sweep.scanned
    body += [
        "",
        f"The idle sweep's {len(scanned)} Queries read {sum(scanned)} index items (one Query per shard of "
        "the sparse `sweep` index).",
    ]
    figures["status_read"] = _per(pipeline.status_reads)
    figures["keyed_first_use"] = _per(pipeline.keyed)
    figures["keyed_replay"] = _per(pipeline.replays)
    figures["idle_sweep"] = _per(pipeline.sweep)
    return Section("AWS requests per job", body, figures, headline=_verdict(pipeline))


def _per(side: SideRun) -> dict[str, float]:
    return {
        f"{role} {service}:{operation}": count / side.count
        for role, counts in side.requests.items()
        for (service, operation), count in counts.items()
    }


def _verdict(pipeline: PipelineRun) -> str:
    lines = []
    for run in pipeline.job_types:
        api = sum(run.requests["api"].values()) / run.jobs
        api_reads = sum(
            n for (service, op), n in run.requests["api"].items() if op in ("GetItem", "Query", "Scan")
        )
        worker_writes = (
            sum(n for (service, op), n in run.requests["worker"].items() if service == "dynamodb") / run.jobs
        )
        worker_reads = sum(
            n for (service, op), n in run.requests["worker"].items() if op in ("GetItem", "Query", "Scan")
        )
        # An owned job's claim costs one more write: it cannot build the listing keys from the item's owner.
        writes_target = 2 if run.owner is None else 3
        ok = api <= 2 and worker_writes <= writes_target and api_reads == 0 and worker_reads == 0
        lines.append(
            f"{run.name}: API {api:.2f} requests per job (target ≤ 2), worker {worker_writes:.2f} "
            f"DynamoDB requests per job (target ≤ {writes_target}), reads on the path: "
            f"{api_reads + worker_reads} — {'targets hold' if ok else 'TARGET MISSED'}."
        )
    return " ".join(lines)
