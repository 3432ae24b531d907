"""A backend that accepts connections and never answers: the Lambda entry point's clients give up within their
budget, and the API answers its documented 503 problem well before the function's timeout."""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.stub import Stubber

from conveyor_api.aws_call_budget import FUNCTION_TIMEOUT_SECONDS, call_budget
from conveyor_api.handlers.http import build_handler
from conveyor_api.settings import Settings
from tests.support.events import get_job, post_job_request, signed_in
from tests.support.lambda_context import LambdaContext
from tests.support.problems import assert_problem
from tests.support.stalled_endpoint import StalledEndpoint, stalled_endpoint

# A real endpoint on 127.0.0.1, and seconds spent waiting for the clients' budgets to run out.
pytestmark = [pytest.mark.enable_socket, pytest.mark.slow]

SCHEDULING_SLACK_SECONDS = 1.0
"""Beyond the budget, for a busy machine's thread scheduling; still far below the function's timeout."""


@pytest.fixture
def stalled(monkeypatch: pytest.MonkeyPatch) -> Iterator[StalledEndpoint]:
    with stalled_endpoint() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        yield endpoint


@pytest.fixture
def settings(stalled: StalledEndpoint) -> Settings:
    return Settings(
        jobs_table_name="jobs",
        jobs_queue_url=f"{stalled.url}/123456789012/jobs",
        idempotency_table_name="idempotency",
        cors_allow_origin="*",
        files_bucket_name="files",
        auth_mode="none",
        powertools_service_name="conveyor-api-stalled",
        powertools_metrics_namespace="ConveyorStalled",
        payload_inline_max_bytes=4096,
        job_types_parameter_name="/conveyor-adapters/worker/job-types",
        job_retention_days=30,
    )


def _answering_ssm() -> BaseClient:
    """SSM saying its worker runs text_transform: a submission's first call succeeds, then one stalls."""
    session = botocore.session.get_session()
    ssm = session.create_client("ssm", endpoint_url="https://ssm.eu-west-1.amazonaws.com")
    stubber = Stubber(ssm)
    value = json.dumps({"contract_major": 1, "job_types": ["text_transform"]})
    stubber.add_response("get_parameter", {"Parameter": {"Name": "p", "Type": "String", "Value": value}})
    stubber.activate()
    return ssm


@pytest.mark.parametrize(
    ("event", "ssm"),
    [
        pytest.param(get_job("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"), None, id="GET /jobs/{job_id}"),
        pytest.param(
            post_job_request({"job_type": "text_transform", "payload": {"text": "hi"}}),
            None,
            id="POST /jobs, SSM stalled",
        ),
        pytest.param(
            post_job_request({"job_type": "text_transform", "payload": {"text": "hi"}}),
            _answering_ssm,
            id="POST /jobs, SQS stalled",
        ),
    ],
)
def test_a_stalled_backend_is_a_503_problem_within_one_calls_budget(
    settings: Settings,
    stalled: StalledEndpoint,
    event: dict[str, object],
    ssm: Callable[[], BaseClient] | None,
) -> None:
    handler = build_handler(
        settings, ssm_client=None if ssm is None else ssm(), client_config=call_budget().config()
    )
    started = time.monotonic()
    response = handler(event, LambdaContext())
    elapsed = time.monotonic() - started

    assert_problem(response, 503, "service-unavailable")
    # Both attempts reached the endpoint, each on a connection of its own, and each gave up on its read.
    assert len(stalled.connections) == call_budget().attempts
    assert elapsed < call_budget().longest_call_seconds + SCHEDULING_SLACK_SECONDS < FUNCTION_TIMEOUT_SECONDS


def test_a_stalled_files_bucket_is_a_503_problem_within_one_calls_budget_before_anything_else(
    settings: Settings, stalled: StalledEndpoint
) -> None:
    """With sign-in, an image job's upload is looked up (HeadObject) before the queue and the table are."""
    handler = build_handler(replace(settings, auth_mode="jwt"), client_config=call_budget().config())
    request = {
        "job_type": "image_resize",
        "payload": {"source_key": "uploads/0de39fb2-7220-4bd5-9a1f-859795e0763a", "dimensions": [60, 40]},
    }
    started = time.monotonic()
    response = handler(signed_in(post_job_request(request), "alice"), LambdaContext())
    elapsed = time.monotonic() - started

    assert_problem(response, 503, "service-unavailable")
    assert len(stalled.connections) == call_budget().attempts
    assert elapsed < call_budget().longest_call_seconds + SCHEDULING_SLACK_SECONDS < FUNCTION_TIMEOUT_SECONDS
