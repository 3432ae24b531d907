"""`make outputs`, `make status` and `make logs`: the Makefile's answers after a deploy, run with the pinned
SAM CLI against stacks in a moto server.

The stacks are the core, worker and api templates deployed with CreateStack, as `make dev` deploys them (a
stack sam deploys gets no outputs in moto: docs/deploy-on-moto.md), and a stand-in of the edge stack in
us-east-1, with its output; the frontend stack is left out, so the targets meet a stack that is not deployed.
"""

from __future__ import annotations

import json
import os
import selectors
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conveyor_local.config import REGION
from conveyor_local.moto_server import start_moto_server
from conveyor_local.provision import LocalSystem, provision_system

from tests.infra.sam_cli import (
    FAKE_CREDENTIALS,
    REPO_ROOT,
    forget_everything,
    moto_client,
    require_sam,
    shell_environment,
)

NOT_DEPLOYED = "conveyor-frontend"
EDGE_REGION = "us-east-1"
WEB_ACL_ARN = (
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/conveyor-edge/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
)


@dataclass(frozen=True)
class Deployed:
    system: LocalSystem
    endpoint_url: str
    environment: dict[str, str]

    def client(self, service: str, region: str = REGION) -> Any:
        return moto_client(self.endpoint_url, region, service)

    def make(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", *arguments],
            cwd=REPO_ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    require_sam()
    server = start_moto_server("127.0.0.1", 0)
    environment = shell_environment(
        tmp_path_factory.mktemp("aws") / "none",
        **FAKE_CREDENTIALS,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=server.endpoint_url,
        # sam's tables wrap at the terminal's width; a wide one keeps each URL on its line.
        COLUMNS="240",
    )
    try:
        deployed = Deployed(provision_system(server.endpoint_url, {}), server.endpoint_url, environment)
        # The edge stack lives in us-east-1 whatever the others' region: a stand-in with its output (moto
        # makes no web ACL), which the targets must find there.
        deployed.client("cloudformation", EDGE_REGION).create_stack(
            StackName="conveyor-edge",
            TemplateBody=json.dumps(
                {
                    "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
                    "Outputs": {"WebAclArn": {"Value": WEB_ACL_ARN}},
                }
            ),
        )
        yield deployed
    finally:
        forget_everything(server.endpoint_url)
        server.stop()


def _outputs(deployed: Deployed, stack: str) -> dict[str, str]:
    (described,) = deployed.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}


def test_outputs_shows_each_stacks_outputs_and_which_stack_is_missing(deployed: Deployed) -> None:
    ran = deployed.make("outputs")

    core = _outputs(deployed, "conveyor-core")
    lines = [" ".join(line.split()) for line in ran.stdout.splitlines()]
    for key in ("JobsQueueUrl", "JobsDeadLetterQueueUrl", "JobsTableName"):
        assert f"{key} {core[key]}" in lines, ran.stdout
    assert any(line.startswith("ApiUrl ") for line in lines), ran.stdout
    # Read in us-east-1; sam wraps a value as long as the ARN.
    assert any(line.startswith("WebAclArn arn:aws:wafv2:us-east-1:") for line in lines), ran.stdout
    assert f"The input stack {NOT_DEPLOYED} does not exist" in ran.stderr
    # Every deployed stack is shown, and the missing one makes the whole answer a failure.
    assert [line for line in lines if line.startswith("conveyor-")] == [
        "conveyor-core",
        "conveyor-edge",
        "conveyor-api",
        NOT_DEPLOYED,
    ]
    assert ran.returncode != 0


def test_status_shows_each_stacks_status_and_latest_event(deployed: Deployed) -> None:
    ran = deployed.make("status")

    assert ran.returncode == 0, ran.stderr
    rows = {line.split()[0]: line.split() for line in ran.stdout.splitlines() if line.startswith("conveyor-")}
    assert list(rows) == ["conveyor-core", "conveyor-worker", "conveyor-edge", "conveyor-api", NOT_DEPLOYED]
    for stack in ("conveyor-core", "conveyor-worker", "conveyor-edge", "conveyor-api"):
        status, *_, resource, resource_status = rows[stack][1:]
        assert (status, resource, resource_status) == ("CREATE_COMPLETE", stack, "CREATE_COMPLETE")
    assert rows[NOT_DEPLOYED][1:] == ["not", "deployed"]


def _write_log_lines(logs: Any, group: str, messages: list[str]) -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/06/[$LATEST]0123456789abcdef")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/06/[$LATEST]0123456789abcdef",
        logEvents=[{"timestamp": now + index, "message": message} for index, message in enumerate(messages)],
    )


def _first_line_with(process: subprocess.Popen[str], text: str, timeout_seconds: float) -> list[str]:
    """The lines the process printed, up to the first with `text` (or all of them, at the timeout)."""
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout_seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and selector.select(deadline - time.monotonic()):
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                break
    return seen


def test_logs_follow_the_chosen_functions_lines_that_match_the_filter(deployed: Deployed) -> None:
    job_id = str(uuid.uuid4())
    worker, sweeper = (deployed.system.functions[name].name for name in ("WorkerFunction", "SweeperFunction"))
    logs = deployed.client("logs")
    # moto drops the functions' LoggingConfig, so sam reads Lambda's default group (docs/deploy-on-moto.md).
    # Plain lines: sam spreads a JSON one over several.
    _write_log_lines(logs, f"/aws/lambda/{worker}", ["INFO another job's line", f"INFO claimed {job_id}"])
    _write_log_lines(logs, f"/aws/lambda/{sweeper}", [f"INFO sweeper resent {job_id}"])

    # Its own process group: sam's --tail runs until stopped, and so does the make above it.
    process = subprocess.Popen(
        # A term with other characters than letters and digits is quoted in a filter pattern.
        ["make", "--no-print-directory", "logs", "SERVICE=worker", f'FILTER="{job_id}"'],
        cwd=REPO_ROOT,
        env=deployed.environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        printed = _first_line_with(process, f"claimed {job_id}", timeout_seconds=60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    assert printed, "make logs printed nothing"
    assert printed[-1].endswith(f"INFO claimed {job_id}\n"), "".join(printed)
    assert not any("another job's line" in line or "sweeper" in line for line in printed), "".join(printed)


def test_logs_passes_a_filter_pattern_as_typed(deployed: Deployed) -> None:
    pattern = """{ $.correlation_id = "1b59e428" && $.message = "it's done" }"""

    dry_run = deployed.make("-n", "logs", "SERVICE=api", f"FILTER={pattern}")

    command = shlex.split(dry_run.stdout.strip().splitlines()[-1])
    assert command[1:] == [
        "logs",
        "--stack-name",
        "conveyor-api",
        "--name",
        "ApiFunction",
        "--tail",
        "--filter",
        pattern,
    ]


def test_logs_without_a_known_service_says_which_there_are(deployed: Deployed) -> None:
    ran = deployed.make("logs", "SERVICE=queue")

    assert ran.returncode != 0
    assert "SERVICE must be api, worker or sweeper" in ran.stderr
