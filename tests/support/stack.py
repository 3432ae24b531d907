"""The system under test, assembled from the services' public factories and the local stack's emulators.

The services find AWS the way they do on Lambda, from the standard AWS environment variables (here
AWS_ENDPOINT_URL points at a moto server), unless a test hands them a client of its own, for instance
one with faults injected.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conveyor_api.handlers.http import build_handler as build_api_handler
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.http_serving import BackgroundHttpServer
from conveyor_local.provision import ProvisionedResources, provision
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_worker.handlers.sqs import build_handler as build_worker_handler
from conveyor_worker.job_types import data_analysis, text_transform
from conveyor_worker.settings import Settings as WorkerSettings

from tests.support import http

MAX_RECEIVE_COUNT = 2
# Short, so that a failed message comes back within a test; the lease stays below it, as docs/design.md
# requires of every deployment (lease <= function timeout < visibility timeout).
VISIBILITY_TIMEOUT_SECONDS = 2
JOB_LEASE_SECONDS = 1
DEMO_ORIGIN = "http://127.0.0.1:8000"

JobFunction = Callable[[Mapping[str, Any]], dict[str, Any]]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
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

    def start_api(self, *, dynamodb_client: Any = None, sqs_client: Any = None) -> str:
        """Serves one more API function over HTTP (with the given clients) and returns its URL."""
        handler = build_api_handler(
            ApiSettings(
                jobs_table_name=self.resources.table_name,
                jobs_queue_url=self.resources.queue_url,
                cors_allow_origin=DEMO_ORIGIN,
            ),
            dynamodb_client=dynamodb_client,
            sqs_client=sqs_client,
        )
        gateway = start_http_gateway(handler)
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
        self, *, dynamodb_client: Any = None
    ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """A worker Lambda instance running the current job functions, each run counted."""
        settings = WorkerSettings(
            jobs_table_name=self.resources.table_name,
            job_lease_seconds=JOB_LEASE_SECONDS,
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        return build_worker_handler(
            settings, job_types=self._counted_job_functions(), dynamodb_client=dynamodb_client
        )

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
        self.dynamodb.delete_table(TableName=self.resources.table_name)
        for queue_url in (self.resources.queue_url, self.resources.dlq_url):
            self.sqs.delete_queue(QueueUrl=queue_url)


@contextmanager
def running_stack(aws_endpoint: str) -> Iterator[Stack]:
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
        visibility_timeout_seconds=VISIBILITY_TIMEOUT_SECONDS,
        max_receive_count=MAX_RECEIVE_COUNT,
    )
    stack = Stack(resources=resources, dynamodb=dynamodb, sqs=sqs)
    stack.api_url = stack.start_api()
    try:
        yield stack
    finally:
        stack.stop()
