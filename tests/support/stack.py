"""The system under test, assembled from the services' public factories and the local stack's emulators.

The services find AWS the way they do on Lambda, from the standard AWS environment variables (here
AWS_ENDPOINT_URL points at a moto server), unless a test hands them a client of its own, for instance
one with faults injected.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from conveyor_api.handlers.http import build_handler as build_api_handler
from conveyor_api.settings import AuthMode
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.aws import cloudformation_client, dynamodb_client, s3_client, sqs_client
from conveyor_local.config import PAYLOAD_INLINE_MAX_BYTES, WORKER_TIMEOUT_SECONDS
from conveyor_local.http_gateway import build_event, start_http_gateway
from conveyor_local.http_serving import BackgroundHttpServer
from conveyor_local.provision import CORE_STACK, ProvisionedResources, provision_core
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_local.templates import Template, load_template
from conveyor_worker.handlers.sqs import build_handler as build_worker_handler
from conveyor_worker.handlers.sweeper import build_handler as build_sweeper_handler
from conveyor_worker.job_types import data_analysis, image_resize, text_transform
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings

from tests.support import aws_calls, http

MAX_RECEIVE_COUNT = 2
# Short, so that a failed message comes back within a test; the lease stays below it, as docs/design.md
# requires of every deployment (lease <= function timeout < visibility timeout).
VISIBILITY_TIMEOUT_SECONDS = 2
JOB_LEASE_SECONDS = 1
# Retries come back as soon as the visibility timeout allows; the backoff itself is unit-tested.
RETRY_DELAY_SECONDS = 0
SWEEP_GRACE_SECONDS = 5
MESSAGE_RETENTION_SECONDS = 1_209_600  # the core template's default
JOB_RETENTION_DAYS = 30  # the core template's default: finished jobs carry expires_at = finished_at + 30 days
DEMO_ORIGIN = "http://127.0.0.1:8000"

JobFunction = Callable[[Mapping[str, Any], JobContext], dict[str, Any]]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Clock = Callable[[], datetime]
REAL_JOB_FUNCTIONS: dict[str, JobFunction] = {
    "text_transform": text_transform.run,
    "data_analysis": data_analysis.run,
    "image_resize": image_resize.run,
}


@dataclass
class Stack:
    """The API served over HTTP, workers behind an SQS event source, and clients to read AWS state back."""

    resources: ProvisionedResources
    dynamodb: Any
    sqs: Any
    cloudformation: Any = None
    api_url: str = ""
    job_runs: Counter[str] = field(default_factory=Counter)
    _job_functions: dict[str, JobFunction] = field(default_factory=lambda: dict(REAL_JOB_FUNCTIONS))
    _gateways: list[BackgroundHttpServer] = field(default_factory=list)

    def api_handler(
        self,
        *,
        dynamodb_client: Any = None,
        sqs_client: Any = None,
        s3_client: Any = None,
        auth_mode: AuthMode = "none",
        payload_inline_max_bytes: int = PAYLOAD_INLINE_MAX_BYTES,
    ) -> LambdaHandler:
        """An API function instance; the given clients replace the ones it would make itself. With
        `auth_mode` "jwt" it serves a deployment with sign-in, its events carrying claims (`signed_in`).
        Payloads over `payload_inline_max_bytes` are stored aside, by default as `make dev` deploys it."""
        return build_api_handler(
            ApiSettings(
                jobs_table_name=self.resources.table_name,
                jobs_queue_url=self.resources.queue_url,
                idempotency_table_name=self.resources.idempotency_table_name,
                cors_allow_origin=DEMO_ORIGIN,
                files_bucket_name=self.resources.files_bucket_name,
                # Without sign-in by default, as the api template deploys; tests/integration/
                # test_sign_in_and_listing.py runs the local stack with it.
                auth_mode=auth_mode,
                powertools_service_name="conveyor-api",
                powertools_metrics_namespace="Conveyor",
                payload_inline_max_bytes=payload_inline_max_bytes,
                # Absent unless a test publishes it, as the worker stack would: every type is accepted.
                job_types_parameter_name=self.resources.job_types_parameter_name,
                job_retention_days=JOB_RETENTION_DAYS,
            ),
            dynamodb_client=aws_calls.watched(dynamodb_client),
            sqs_client=aws_calls.watched(sqs_client),
            s3_client=aws_calls.watched(s3_client),
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
        sleep: Callable[[float], None] = time.sleep,
    ) -> LambdaHandler:
        """A worker Lambda instance running the current job functions, each run counted; `sleep` is what
        it pauses with while a job whose message came first is being stored (a simulated clock's, say)."""
        settings = WorkerSettings(
            jobs_table_name=self.resources.table_name,
            jobs_queue_url=self.resources.queue_url,
            job_lease_seconds=lease_seconds,
            max_receive_count=max_receive_count,
            retry_base_delay_seconds=retry_delay_seconds,
            retry_max_delay_seconds=retry_delay_seconds,
            job_retention_days=JOB_RETENTION_DAYS,
            files_bucket_name=self.resources.files_bucket_name,
            email_sender="",
            email_configuration_set="",
        )
        return build_worker_handler(
            settings,
            job_types=self._counted_job_functions(),
            dynamodb_client=aws_calls.watched(dynamodb_client),
            clock=clock,
            sleep=sleep,
        )

    def sweeper_handler(
        self,
        *,
        dynamodb_client: Any = None,
        sqs_client: Any = None,
        clock: Clock | None = None,
        grace_seconds: int = SWEEP_GRACE_SECONDS,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        scan_segments: int = 1,
    ) -> Callable[[dict[str, Any], Any], dict[str, int]]:
        """`scan_segments` is 1 unless a test says otherwise: each sweep reads the whole (small) table for
        jobs whose messages expired, as a deployed one reads a 1440th of it each minute."""
        settings = SweeperSettings(
            jobs_table_name=self.resources.table_name,
            jobs_queue_url=self.resources.queue_url,
            jobs_dead_letter_queue_url=self.resources.dlq_url,
            sweep_grace_seconds=grace_seconds,
            message_retention_seconds=MESSAGE_RETENTION_SECONDS,
            max_receive_count=max_receive_count,
            job_retention_days=JOB_RETENTION_DAYS,
        )
        return build_sweeper_handler(
            settings,
            dynamodb_client=aws_calls.watched(dynamodb_client),
            sqs_client=aws_calls.watched(sqs_client),
            clock=clock,
            scan_segments=scan_segments,
        )

    def worker(
        self,
        *,
        dynamodb_client: Any = None,
        lease_seconds: int = JOB_LEASE_SECONDS,
        max_receive_count: int = MAX_RECEIVE_COUNT,
        timeout_seconds: int = WORKER_TIMEOUT_SECONDS,
    ) -> SqsEventSource:
        """A worker Lambda behind the event source mapping; `timeout_seconds` is the function's timeout, from
        which its invocations learn the time they have left."""
        return SqsEventSource(
            self.sqs,
            self.worker_handler(
                dynamodb_client=dynamodb_client,
                lease_seconds=lease_seconds,
                max_receive_count=max_receive_count,
            ),
            queue_url=self.resources.queue_url,
            queue_arn=self.resources.queue_arn,
            wait_time_seconds=1,
            timeout_seconds=timeout_seconds,
        )

    def _counted_job_functions(self) -> dict[str, JobFunction]:
        lock = threading.Lock()

        def counted(job_type: str) -> JobFunction:
            def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
                with lock:
                    self.job_runs[job_type] += 1
                return self._job_functions[job_type](payload, job)

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
        self.cloudformation.delete_stack(StackName=self.resources.stack_name)
        # The template keeps the jobs table when its stack goes (DeletionPolicy: Retain), as it must on AWS; a
        # test's table goes with its test.
        self.dynamodb.delete_table(TableName=self.resources.table_name)


def post_jobs_event(job_type: str, payload: Any) -> dict[str, Any]:
    """The API Gateway event of a `POST /jobs`, for tests that invoke the API function directly."""
    return _post_event("/jobs", {"job_type": job_type, "payload": payload})


def post_job_batch_event(jobs: list[Any]) -> dict[str, Any]:
    """The API Gateway event of a `POST /jobs/batch`, for tests that invoke the API function directly."""
    return _post_event("/jobs/batch", {"jobs": jobs})


def post_job_action_event(job_id: str, action: str) -> dict[str, Any]:
    """The API Gateway event of a `POST /jobs/{job_id}/cancel` or `/retry` (no body: an empty object is
    ignored), for tests that invoke the API function directly."""
    return _post_event(f"/jobs/{job_id}/{action}", {})


def post_uploads_event(content_type: str) -> dict[str, Any]:
    """The API Gateway event of a `POST /uploads`, for tests that invoke the API function directly."""
    return _post_event("/uploads", {"content_type": content_type})


def _post_event(target: str, document: Any) -> dict[str, Any]:
    return build_event(
        method="POST",
        target=target,
        headers=[("content-type", "application/json"), ("host", "api.local")],
        # As a browser's JSON.stringify sends it: compact, UTF-8 unescaped.
        body=json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
        source_ip="127.0.0.1",
        server_port=443,
        protocol="HTTP/1.1",
        request_id=str(uuid.uuid4()),
        now=datetime.now(UTC),
    )


@functools.cache
def core_template_for_tests() -> Template:
    """The core template with one bound lowered: the tests' visibility timeouts are below its minimum.

    QueueVisibilityTimeoutSeconds' MinValue (6 s, AWS's advice of 6 x the shortest function timeout) guards
    real deployments and stays in the template. A test needs a failed message back within seconds (2 s here,
    0 s in tests/faults/test_schedules.py), so this copy admits any visibility timeout; tables, index, queues
    and redrive policy are the template's own.
    """
    template = load_template(CORE_STACK)
    template["Parameters"]["QueueVisibilityTimeoutSeconds"]["MinValue"] = 0
    return template


@contextmanager
def running_stack(
    aws_endpoint: str,
    *,
    visibility_timeout_seconds: int = VISIBILITY_TIMEOUT_SECONDS,
    max_receive_count: int = MAX_RECEIVE_COUNT,
    worker_timeout_seconds: int = JOB_LEASE_SECONDS,
) -> Iterator[Stack]:
    """A new core stack (tables, queue, DLQ under random names) on the moto server at `aws_endpoint`, created
    by CloudFormation from infra/core/template.yaml; the API on HTTP."""
    dynamodb = dynamodb_client(aws_endpoint)
    sqs = sqs_client(aws_endpoint)
    cloudformation = cloudformation_client(aws_endpoint)
    resources = provision_core(
        cloudformation,
        dynamodb,
        s3_client(aws_endpoint),
        stack_name=f"conveyor-test-{uuid.uuid4().hex[:12]}",
        parameters={
            # The template's worker timeout is also the lease the workers take (JOB_LEASE_SECONDS, unless the
            # caller says otherwise).
            "WorkerTimeoutSeconds": str(worker_timeout_seconds),
            "QueueVisibilityTimeoutSeconds": str(visibility_timeout_seconds),
            "MaxReceiveCount": str(max_receive_count),
        },
        template=core_template_for_tests(),
    )
    aws_calls.watch_stack(
        jobs_table=resources.table_name,
        idempotency_table=resources.idempotency_table_name,
        jobs_queue_url=resources.queue_url,
        dead_letter_queue_url=resources.dlq_url,
        files_bucket=resources.files_bucket_name,
        job_types_parameter=resources.job_types_parameter_name,
        clients=[dynamodb, sqs],
    )
    stack = Stack(resources=resources, dynamodb=dynamodb, sqs=sqs, cloudformation=cloudformation)
    stack.api_url = stack.start_api()
    try:
        yield stack
    finally:
        stack.stop()


def signed_in(event: dict[str, Any], sub: str) -> dict[str, Any]:
    """`event` as API Gateway's JWT authorizer passes it on for a caller whose token has `sub`."""
    context = event.setdefault("requestContext", {})
    context["authorizer"] = {"jwt": {"claims": {"sub": sub}, "scopes": None}}
    return event
