"""The system under test, assembled from the services' public factories and the local stack's emulators.

The services find AWS the way they do on Lambda, from the standard AWS environment variables (here
AWS_ENDPOINT_URL points at a moto server), unless a test hands them a client of its own, for instance
one with faults injected.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conveyor_api.handlers.http import build_handler as build_api_handler
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.http_gateway import build_event, start_http_gateway
from conveyor_local.http_serving import BackgroundHttpServer
from conveyor_local.provision import ProvisionedResources, provision
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.handlers.sqs import build_handler as build_worker_handler
from conveyor_worker.handlers.sweeper import build_handler as build_sweeper_handler
from conveyor_worker.job_types import data_analysis, text_transform
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings

from tests.support import http

MAX_RECEIVE_COUNT = 2
# Short, so that a failed message comes back within a test; the lease stays below it, as docs/design.md
# requires of every deployment (lease <= function timeout < visibility timeout).
VISIBILITY_TIMEOUT_SECONDS = 2
JOB_LEASE_SECONDS = 1
# Retries come back as soon as the visibility timeout allows; the backoff itself is unit-tested.
RETRY_DELAY_SECONDS = 0
SWEEP_GRACE_SECONDS = 5
SWEEP_MAX_RESENDS = 3
DEMO_ORIGIN = "http://127.0.0.1:8000"

JobFunction = Callable[[Mapping[str, Any]], dict[str, Any]]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Clock = Callable[[], datetime]
REAL_JOB_FUNCTIONS: dict[str, JobFunction] = {
    "text_transform": text_transform.run,
    "data_analysis": data_analysis.run,
}


@dataclass
class Stack:
    """The API served over HTTP, workers behind an SQS event source, and clients to read AWS state back."""

    resources: ProvisionedResources
    dynamodb: Any
    sqs: Any
    api_url: str = ""
    job_runs: Counter[str] = field(default_factory=Counter)
    _job_functions: dict[str, JobFunction] = field(default_factory=lambda: dict(REAL_JOB_FUNCTIONS))
    _gateways: list[BackgroundHttpServer] = field(default_factory=list)

    def api_handler(self, *, dynamodb_client: Any = None, sqs_client: Any = None) -> LambdaHandler:
        """An API function instance; the given clients replace the ones it would make itself."""
        return build_api_handler(
            ApiSettings(
                jobs_table_name=self.resources.table_name,
                jobs_queue_url=self.resources.queue_url,
                idempotency_table_name=self.resources.idempotency_table_name,
                cors_allow_origin=DEMO_ORIGIN,
            ),
            dynamodb_client=dynamodb_client,
            sqs_client=sqs_client,
        )

    def start_api(self, *, dynamodb_client: Any = None, sqs_client: Any = None) -> str:
        """Serves one more API function over HTTP (with the given clients) and returns its URL."""
        gateway = start_http_gateway(self.api_handler(dynamodb_client=dynamodb_client, sqs_client=sqs_client))
        self._gateways.append(gateway)
        return gateway.url

    def submit(self, job_type: str, payload: Any, *, api_url: str | None = None) -> http.Response:
        return http.request(
            "POST", f"{api_url or self.api_url}/jobs", json_body={"job_type": job_type, "payload": payload}
        )

    def status(self, job_id: str) -> http.Response:
        return http.request("GET", f"{self.api_url}/jobs/{job_id}")

    def replace_job(self, job_type: str, function: JobFunction) -> None:
        self._job_functions[job_type] = function

    def worker_handler(
        self,
        *,
        dynamodb_client: Any = None,
        clock: Clock | None = None,
        lease_seconds: int = JOB_LEASE_SECONDS,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        retry_delay_seconds: int = RETRY_DELAY_SECONDS,
    ) -> LambdaHandler:
        """A worker Lambda instance running the current job functions, each run counted."""
        settings = WorkerSettings(
            jobs_table_name=self.resources.table_name,
            jobs_queue_url=self.resources.queue_url,
            job_lease_seconds=lease_seconds,
            max_receive_count=max_receive_count,
            retry_base_delay_seconds=retry_delay_seconds,
            retry_max_delay_seconds=retry_delay_seconds,
        )
        return build_worker_handler(
            settings, job_types=self._counted_job_functions(), dynamodb_client=dynamodb_client, clock=clock
        )

    def sweeper_handler(
        self,
        *,
        sqs_client: Any = None,
        clock: Clock | None = None,
        grace_seconds: int = SWEEP_GRACE_SECONDS,
        max_receive_count: int = MAX_RECEIVE_COUNT,
    ) -> Callable[[dict[str, Any], Any], dict[str, int]]:
        settings = SweeperSettings(
            jobs_table_name=self.resources.table_name,
            jobs_queue_url=self.resources.queue_url,
            sweep_grace_seconds=grace_seconds,
            sweep_max_resends=SWEEP_MAX_RESENDS,
            max_receive_count=max_receive_count,
        )
        return build_sweeper_handler(settings, sqs_client=sqs_client, clock=clock)

    def worker(self, *, dynamodb_client: Any = None) -> SqsEventSource:
        """A worker Lambda behind the event source mapping."""
        return SqsEventSource(
            self.sqs,
            self.worker_handler(dynamodb_client=dynamodb_client),
            queue_url=self.resources.queue_url,
            queue_arn=self.resources.queue_arn,
            wait_time_seconds=1,
        )

    def _counted_job_functions(self) -> dict[str, JobFunction]:
        lock = threading.Lock()

        def counted(job_type: str) -> JobFunction:
            def run(payload: Mapping[str, Any]) -> dict[str, Any]:
                with lock:
                    self.job_runs[job_type] += 1
                return self._job_functions[job_type](payload)

            return run

        return {job_type: counted(job_type) for job_type in self._job_functions}

    def items(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=self.resources.table_name, ConsistentRead=True)["Items"])

    def queued_messages(self, queue_url: str | None = None) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=queue_url or self.resources.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def send_raw_message(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.resources.queue_url, MessageBody=body)

    def message_bodies(self, queue_url: str) -> list[str]:
        received = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        return [message["Body"] for message in received.get("Messages", [])]

    def stop(self) -> None:
        for gateway in self._gateways:
            gateway.stop()
        for table_name in (self.resources.table_name, self.resources.idempotency_table_name):
            self.dynamodb.delete_table(TableName=table_name)
        for queue_url in (self.resources.queue_url, self.resources.dlq_url):
            self.sqs.delete_queue(QueueUrl=queue_url)


def post_jobs_event(job_type: str, payload: Any) -> dict[str, Any]:
    """The API Gateway event of a `POST /jobs`, for tests that invoke the API function directly."""
    return build_event(
        method="POST",
        target="/jobs",
        headers=[("content-type", "application/json"), ("host", "api.local")],
        body=json.dumps({"job_type": job_type, "payload": payload}).encode(),
        source_ip="127.0.0.1",
        server_port=443,
        protocol="HTTP/1.1",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
    )


@contextmanager
def running_stack(
    aws_endpoint: str,
    *,
    visibility_timeout_seconds: int = VISIBILITY_TIMEOUT_SECONDS,
    max_receive_count: int = MAX_RECEIVE_COUNT,
) -> Iterator[Stack]:
    """A new table, queue and DLQ (random names) on the moto server at `aws_endpoint`; the API on HTTP."""
    dynamodb = dynamodb_client(aws_endpoint)
    sqs = sqs_client(aws_endpoint)
    suffix = uuid.uuid4().hex[:12]
    resources = provision(
        dynamodb,
        sqs,
        table_name=f"jobs-{suffix}",
        queue_name=f"jobs-{suffix}",
        dlq_name=f"jobs-dlq-{suffix}",
        idempotency_table_name=f"idempotency-{suffix}",
        visibility_timeout_seconds=visibility_timeout_seconds,
        max_receive_count=max_receive_count,
    )
    stack = Stack(resources=resources, dynamodb=dynamodb, sqs=sqs)
    stack.api_url = stack.start_api()
    try:
        yield stack
    finally:
        stack.stop()
