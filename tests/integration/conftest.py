"""One moto server per session, reached over HTTP; fresh, randomly named AWS resources per test.

The services are built through their public factories and find AWS the way they do on Lambda: from the
standard AWS environment variables, here with AWS_ENDPOINT_URL pointing at the moto server.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from conveyor_api.handlers.http import build_handler as build_api_handler
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.http_gateway import start_http_gateway
from conveyor_local.moto_server import start_moto_server
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

JobFunction = Callable[[Mapping[str, Any]], dict[str, Any]]
REAL_JOB_FUNCTIONS: dict[str, JobFunction] = {
    "text_transform": text_transform.run,
    "data_analysis": data_analysis.run,
}


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    server = start_moto_server("127.0.0.1", 0)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        environment.setenv("AWS_ACCESS_KEY_ID", "testing")
        environment.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        environment.setenv("AWS_DEFAULT_REGION", "us-east-1")
        environment.setenv("AWS_REGION", "us-east-1")
        environment.delenv("AWS_PROFILE", raising=False)
        yield server.endpoint_url
    server.stop()


@dataclass
class Stack:
    """The API served over HTTP, the worker behind an SQS event source, and clients to read AWS state back."""

    api_url: str
    resources: ProvisionedResources
    dynamodb: Any
    sqs: Any
    job_runs: Counter[str] = field(default_factory=Counter)
    _job_functions: dict[str, JobFunction] = field(default_factory=dict)
    _endpoint: str = ""

    def submit(self, job_type: str, payload: Any) -> http.Response:
        return http.request(
            "POST", f"{self.api_url}/jobs", json_body={"job_type": job_type, "payload": payload}
        )

    def status(self, job_id: str) -> http.Response:
        return http.request("GET", f"{self.api_url}/jobs/{job_id}")

    def replace_job(self, job_type: str, function: JobFunction) -> None:
        self._job_functions[job_type] = function

    def worker(self) -> SqsEventSource:
        """A worker Lambda behind the event source mapping, running the current job functions."""
        settings = WorkerSettings(
            jobs_table_name=self.resources.table_name,
            job_lease_seconds=JOB_LEASE_SECONDS,
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        handler = build_worker_handler(settings, job_types=self._counted_job_functions())
        return SqsEventSource(
            self.sqs,
            handler,
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

    def item(self, job_id: str) -> dict[str, Any]:
        return dict(
            self.dynamodb.get_item(
                TableName=self.resources.table_name, Key={"job_id": {"S": job_id}}, ConsistentRead=True
            )["Item"]
        )

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


@pytest.fixture
def stack(aws_endpoint: str) -> Iterator[Stack]:
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
    api_handler = build_api_handler(
        ApiSettings(
            jobs_table_name=resources.table_name,
            jobs_queue_url=resources.queue_url,
            cors_allow_origin="http://127.0.0.1:8000",
        )
    )
    gateway = start_http_gateway(api_handler)
    stack = Stack(
        api_url=gateway.url, resources=resources, dynamodb=dynamodb, sqs=sqs, _endpoint=aws_endpoint
    )
    stack._job_functions.update(REAL_JOB_FUNCTIONS)
    yield stack
    gateway.stop()
    dynamodb.delete_table(TableName=resources.table_name)
    for queue_url in (resources.queue_url, resources.dlq_url):
        sqs.delete_queue(QueueUrl=queue_url)


def job_message_body(job_id: str, job_type: str, submitted_at: str) -> str:
    """A job message as the contract defines it, for tests that deliver one by hand."""
    return json.dumps(
        {"contract_version": "1", "job_id": job_id, "job_type": job_type, "submitted_at": submitted_at}
    )
