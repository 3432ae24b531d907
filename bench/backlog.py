"""A backlog: jobs submitted while no worker runs, the sweeper going on every minute for hours, then the
workers back; every AWS request counted at botocore, so the messages sent per job are those SQS receives.

The real functions run on moto with the deployed templates' defaults (receive count, sweep grace, scan
segments). The sweeper's clock is the one thing simulated: it steps a minute a run, so six hours of its
schedule pass in about a minute, while the queue and the jobs' records stay as they were written.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.lambda_runtime import LambdaContext
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.handlers.sweeper import SCAN_SEGMENTS

from bench.common import Section, table
from bench.instruments import AwsMeter, Invocation, timed
from bench.requests_per_job import JOB_PAYLOADS, api_context, metered_api
from tests.support.deployed_defaults import DeployedDefaults
from tests.support.stack import post_jobs_event, running_stack

OUTAGE = timedelta(hours=6)


def run(endpoint: str, jobs: int) -> Section:
    started = time.monotonic()
    defaults = DeployedDefaults.of_the_templates()
    meter = AwsMeter()
    invocations: list[Invocation] = []
    lock = threading.Lock()
    with running_stack(endpoint, max_receive_count=defaults.max_receive_count) as stack:
        api = metered_api(stack, endpoint, meter, invocations, lock)
        for _ in range(jobs):
            response = api(post_jobs_event("text_transform", JOB_PAYLOADS["text_transform"]), api_context())
            assert response["statusCode"] == 202, response

        away = datetime.now(UTC)
        sweeper = stack.sweeper_handler(
            dynamodb_client=meter.watch(dynamodb_client(endpoint), "sweeper"),
            sqs_client=meter.watch(sqs_client(endpoint), "sweeper"),
            clock=lambda: away,
            grace_seconds=int(defaults.sweep_grace.total_seconds()),
            max_receive_count=defaults.max_receive_count,
            scan_segments=SCAN_SEGMENTS,
        )
        sweeps = int(OUTAGE / defaults.sweep_every)
        for _ in range(sweeps):
            away += defaults.sweep_every
            sweeper({}, LambdaContext("conveyor-sweeper", 256, 60))
        waited = {item["status"]["S"] for item in stack.items()}

        worker = stack.worker_handler(
            dynamodb_client=meter.watch(dynamodb_client(endpoint), "worker"),
            max_receive_count=defaults.max_receive_count,
        )
        source = SqsEventSource(
            meter.watch(sqs_client(endpoint), "event source mapping"),
            timed(worker, meter, "worker", invocations, lock),
            queue_url=stack.resources.queue_url,
            queue_arn=stack.resources.queue_arn,
            wait_time_seconds=1,
        )
        handled = 0
        deadline = time.monotonic() + 600
        while True:
            result = source.poll_once()
            handled += result.deleted
            if result.received == 0 and handled >= jobs:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker handled {handled} of {jobs} jobs in 600 s")
        items = stack.items()
        left = stack.sqs.get_queue_attributes(
            QueueUrl=stack.resources.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    meter.close()

    requests: Counter[tuple[str, str]] = Counter()
    for (_role, service, operation), count in meter.requests.items():
        requests[(service, operation)] += count
    statuses = Counter(item["status"]["S"] for item in items)
    attempts = Counter(int(item["attempts"]["N"]) for item in items)
    sends = requests[("sqs", "SendMessage")]
    figures = {
        "jobs": jobs,
        "sweeps": sweeps,
        "statuses_after_the_outage": sorted(waited),
        "statuses": dict(statuses),
        "attempts": {str(n): count for n, count in attempts.items()},
        "messages_sent_per_job": sends / jobs,
        "sqs_requests_per_job": sum(n for (service, _), n in requests.items() if service == "sqs") / jobs,
        "dynamodb_writes_per_job": sum(
            n for (service, operation), n in requests.items() if operation in ("PutItem", "UpdateItem")
        )
        / jobs,
        "messages_left": int(left),
    }
    holds = (
        statuses == Counter({"SUCCEEDED": jobs})
        and set(attempts) == {1}
        and sends == jobs
        and waited == {"QUEUED"}
        and not int(left)
    )
    body = [
        f"{jobs} `text_transform` jobs submitted through the API function while no worker ran; the sweeper "
        f"then ran {sweeps} times, a minute apart on its clock ({OUTAGE.total_seconds() / 3600:.0f} h), at "
        "the templates' defaults (sweep grace "
        f"{defaults.sweep_grace.total_seconds():.0f} s, MaxReceiveCount {defaults.max_receive_count}, "
        f"{SCAN_SEGMENTS} scan segments); then the worker drained the queue. Every AWS request counted at "
        "botocore:",
        "",
        *table(
            ["figure", "value"],
            [
                ["statuses after the outage", ", ".join(sorted(waited))],
                ["statuses at the end", ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))],
                ["attempts", ", ".join(f"{n}: {count}" for n, count in sorted(attempts.items()))],
                ["messages sent per job", f"{figures['messages_sent_per_job']:.2f}"],
                [
                    "SQS requests per job (send, receives, deletes, the sweeper's DLQ receives)",
                    f"{figures['sqs_requests_per_job']:.2f}",
                ],
                ["DynamoDB writes per job", f"{figures['dynamodb_writes_per_job']:.2f}"],
                ["messages left on the queue", left],
            ],
        ),
        "",
        "Per request of each kind, over the whole run:",
        "",
        *table(
            ["AWS API", "requests", "per job"],
            [
                [f"{service} {operation}", n, f"{n / jobs:.2f}"]
                for (service, operation), n in sorted(requests.items())
            ],
        ),
        "",
        "A job that only waited ran once, was sent once and was never failed"
        if holds
        else "**A job that only waited was failed, sent again or run more than once.**",
    ]
    headline = (
        f"{jobs} jobs through a {OUTAGE.total_seconds() / 3600:.0f} h outage: "
        f"{figures['messages_sent_per_job']:.2f} messages sent per job, "
        f"{statuses.get('FAILED', 0)} failed, attempts {sorted(attempts)}"
    )
    return Section("Backlog", body, figures, time.monotonic() - started, failed=not holds, headline=headline)
