from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from click.testing import CliRunner, Result
from fakes import API_URL, FakeApi, FakeTime, Run
from moto import mock_aws

from conveyor_cli.app import cli
from conveyor_cli.session import Runtime

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the shell (a `make dev` session's exports, a real account) reaches a test."""
    for variable in (
        "CONVEYOR_API_URL",
        "CONVEYOR_TOKEN",
        "CONVEYOR_DLQ_URL",
        "CONVEYOR_QUEUE_URL",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sqs_client() -> Iterator["SQSClient"]:
    with mock_aws():
        yield boto3.client("sqs")


@pytest.fixture
def runtime(api: FakeApi, fake_time: FakeTime) -> Runtime:
    def no_sqs() -> "SQSClient":
        raise AssertionError("this test talks to no queue")

    return Runtime(
        transport=api.transport(),
        sqs_client=no_sqs,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        now=fake_time.now,
        random=fake_time.random,
    )


@pytest.fixture
def run(runtime: Runtime) -> Run:
    """`conveyor --api-url http://api.test ARGS...` against the fake API, on the fake clock."""

    def invoke(*args: str, input: str | None = None, api_url: str | None = API_URL) -> Result:
        options = ["--api-url", api_url] if api_url else []
        return CliRunner().invoke(cli, [*options, *args], obj=runtime, input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_with_sqs(sqs_client: "SQSClient") -> Callable[..., Result]:
    """`conveyor ARGS...` whose dlq commands talk to SQS in moto."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        runtime = Runtime(sqs_client=lambda: sqs_client)
        return CliRunner().invoke(cli, list(args), obj=runtime, env=env, catch_exceptions=False)

    return invoke
