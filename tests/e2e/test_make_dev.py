"""`make dev` as a user runs it: one command, then plain HTTP against what it printed, then Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conveyor_local.aws import cloudformation_client, dynamodb_client, lambda_client, sqs_client
from conveyor_local.config import SQS_WAIT_TIME_SECONDS, SWEEP_GRACE_SECONDS, SWEEP_INTERVAL_SECONDS
from conveyor_local.stacks import physical_ids

from tests.support import contract, http, report
from tests.support.local_stack import LocalStack, running_local_stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As servers do: connections the stack closed may linger in TIME_WAIT without holding the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def dev_stack() -> Iterator[LocalStack]:
    with running_local_stack(["make", "--no-print-directory", "dev"]) as stack:
        yield stack


def test_make_dev_prints_its_urls_and_a_curl_line(dev_stack: LocalStack) -> None:
    output = dev_stack.output
    assert f"http://127.0.0.1:{dev_stack.ports['CONVEYOR_AWS_PORT']}" in output
    assert dev_stack.api_url in output
    assert re.search(rf"curl .*{re.escape(dev_stack.api_url)}/jobs", output)


@pytest.mark.parametrize(
    ("job_type", "payload", "expected"),
    [
        (
            "text_transform",
            {"text": "hello conveyor"},
            {"length": 14, "uppercase": "HELLO CONVEYOR", "word_count": 2},
        ),
        (
            "data_analysis",
            {"data": [2, 4, 4, 4, 5, 5, 7, 9]},
            {"count": 8, "mean": 5, "stdev": 2, "median": 4.5},
        ),
    ],
)
def test_job_submitted_over_http_reaches_succeeded(
    dev_stack: LocalStack, job_type: str, payload: dict[str, object], expected: dict[str, object]
) -> None:
    accepted = http.request(
        "POST", f"{dev_stack.api_url}/jobs", json_body={"job_type": job_type, "payload": payload}
    )
    assert accepted.status == 202
    job_id = accepted.json()["job_id"]

    def finished() -> dict[str, object] | None:
        record = http.request("GET", f"{dev_stack.api_url}/jobs/{job_id}").json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    record = wait_for(finished, timeout=60, what=f"job {job_id} to finish", interval=0.2)
    contract.validator("job-record").validate(record)
    assert record["status"] == "SUCCEEDED"
    assert isinstance(record["result"], dict)
    assert {name: record["result"][name] for name in expected} == expected
    wait_for(
        lambda: any(job_id[:8] in line and "SUCCEEDED" in line for line in list(dev_stack.lines)),
        timeout=10,
        what=f"make dev to log job {job_id} SUCCEEDED",
    )


def test_the_log_shows_each_functions_metrics(dev_stack: LocalStack) -> None:
    """The functions print CloudWatch EMF with the namespace and service names their templates deployed;
    make dev shows each document as one `metrics` line per function."""
    accepted = http.request(
        "POST",
        f"{dev_stack.api_url}/jobs",
        json_body={"job_type": "text_transform", "payload": {"text": "metrics"}},
    )
    assert accepted.status == 202

    def metrics_line(process: str, metric: str) -> str | None:
        return next(
            (
                line
                for line in list(dev_stack.lines)
                if re.search(rf" {process} +metrics +.*\b{metric}=", line)
            ),
            None,
        )

    wait_for(lambda: metrics_line("api", "JobsSubmitted"), timeout=30, what="the api's metrics line")
    wait_for(lambda: metrics_line("worker", "JobsSucceeded"), timeout=60, what="the worker's metrics line")


def test_bad_input_gets_a_problem(dev_stack: LocalStack) -> None:
    response = http.request(
        "POST", f"{dev_stack.api_url}/jobs", json_body={"job_type": "text_transform", "payload": {"text": ""}}
    )
    assert response.status == 400
    assert response.content_type.startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == "/payload/text"


def test_the_running_system_is_the_one_the_templates_deployed(dev_stack: LocalStack) -> None:
    """The stacks on make dev's moto server hold what the API writes to, and name what each function reads."""
    aws = f"http://127.0.0.1:{dev_stack.ports['CONVEYOR_AWS_PORT']}"
    cloudformation = cloudformation_client(aws)
    stacks = {stack["StackName"]: stack for stack in cloudformation.describe_stacks()["Stacks"]}
    assert {
        name: stacks[name]["StackStatus"] for name in ("conveyor-core", "conveyor-worker", "conveyor-api")
    } == {
        "conveyor-core": "CREATE_COMPLETE",
        "conveyor-worker": "CREATE_COMPLETE",
        "conveyor-api": "CREATE_COMPLETE",
    }
    core = {output["OutputKey"]: output["OutputValue"] for output in stacks["conveyor-core"]["Outputs"]}

    accepted = http.request(
        "POST",
        f"{dev_stack.api_url}/jobs",
        json_body={"job_type": "text_transform", "payload": {"text": "x"}},
    )

    # The API process stored the job in the table the core stack created, and make dev showed that table.
    job_id = accepted.json()["job_id"]
    item = dynamodb_client(aws).get_item(TableName=core["JobsTableName"], Key={"job_id": {"S": job_id}})
    assert "Item" in item
    assert f"table       {core['JobsTableName']}" in dev_stack.output
    # Each function was deployed with the core stack's resources in its environment, as on Lambda.
    for stack in ("conveyor-worker", "conveyor-api"):
        for function in physical_ids(cloudformation, stack, "AWS::Lambda::Function").values():
            configuration = lambda_client(aws).get_function_configuration(FunctionName=function)
            variables = configuration["Environment"]["Variables"]
            assert (variables["JOBS_TABLE_NAME"], variables["JOBS_QUEUE_URL"]) == (
                core["JobsTableName"],
                core["JobsQueueUrl"],
            )


def _submitted_and_finished(dev_stack: LocalStack, text: str) -> dict[str, object]:
    accepted = http.request(
        "POST",
        f"{dev_stack.api_url}/jobs",
        json_body={"job_type": "text_transform", "payload": {"text": text}},
    )
    assert accepted.status == 202
    job_id = accepted.json()["job_id"]

    def finished() -> dict[str, object] | None:
        record: dict[str, object] = http.request("GET", f"{dev_stack.api_url}/jobs/{job_id}").json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(finished, timeout=60, what=f"job {job_id} to finish", interval=0.2)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker's process in /proc")
def test_a_killed_worker_is_started_again_and_the_stack_and_its_jobs_stay_up(dev_stack: LocalStack) -> None:
    before = _submitted_and_finished(dev_stack, "before the kill")
    [worker] = dev_stack.function_pids("conveyor_local.worker_process")

    os.kill(worker, signal.SIGKILL)

    wait_for(
        lambda: "the worker process was killed by SIGKILL; starting a new one" in dev_stack.output,
        timeout=10,
        what="make dev to say it starts a new worker",
    )
    dev_stack.assert_running()
    # The killed worker's last long poll stays open in moto until its wait ends, and would take a message sent
    # meanwhile into a dead process: that job would come back only after the visibility timeout (30 s).
    time.sleep(SQS_WAIT_TIME_SECONDS + 0.5)
    after = _submitted_and_finished(dev_stack, "after the kill")
    assert after["status"] == "SUCCEEDED"
    [new_worker] = dev_stack.function_pids("conveyor_local.worker_process")
    assert new_worker != worker
    # moto runs in make dev's own process: the job finished before the kill is still there, unchanged.
    assert http.request("GET", f"{dev_stack.api_url}/jobs/{before['job_id']}").json() == before


BACKLOG = 50


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker's process in /proc")
def test_a_backlog_that_waits_out_a_paused_worker_runs_once_each_with_one_message_per_job(
    dev_stack: LocalStack,
) -> None:
    aws = f"http://127.0.0.1:{dev_stack.ports['CONVEYOR_AWS_PORT']}"
    outputs = cloudformation_client(aws).describe_stacks(StackName="conveyor-core")["Stacks"][0]["Outputs"]
    core = {output["OutputKey"]: output["OutputValue"] for output in outputs}
    sqs = sqs_client(aws)
    [worker] = dev_stack.function_pids("conveyor_local.worker_process")
    resends_before = dev_stack.output.count("re-sent") + dev_stack.output.count("JobsResent")

    # As a fleet stalls (outrun by a burst, throttled, rolled back); its last long poll ends before any send.
    os.kill(worker, signal.SIGSTOP)
    try:
        time.sleep(SQS_WAIT_TIME_SECONDS + 0.5)
        job_ids = [_submitted(dev_stack, f"waits {n}") for n in range(BACKLOG)]
        time.sleep(5 * SWEEP_GRACE_SECONDS + 2 * SWEEP_INTERVAL_SECONDS)
        waited = _queue_depth(sqs, core["JobsQueueUrl"])
        records = [http.request("GET", f"{dev_stack.api_url}/jobs/{job_id}").json() for job_id in job_ids]
    finally:
        os.kill(worker, signal.SIGCONT)

    # Five grace periods and more of sweeps: nothing failed, nothing was sent again.
    assert {record["status"] for record in records} == {"QUEUED"}
    assert waited == BACKLOG
    finished = [_finished(dev_stack, job_id) for job_id in job_ids]
    assert {(record["status"], record["attempts"]) for record in finished} == {("SUCCEEDED", 1)}
    assert _queue_depth(sqs, core["JobsQueueUrl"]) == _queue_depth(sqs, core["JobsDeadLetterQueueUrl"]) == 0
    assert dev_stack.output.count("re-sent") + dev_stack.output.count("JobsResent") == resends_before
    report.line(
        f"make dev backlog: {BACKLOG} jobs waited {5 * SWEEP_GRACE_SECONDS + 2 * SWEEP_INTERVAL_SECONDS} s "
        f"(5 sweep grace periods and more) for a paused worker; messages per job at SQS "
        f"{waited / BACKLOG:.2f}; all SUCCEEDED on attempt 1"
    )


def _submitted(dev_stack: LocalStack, text: str) -> str:
    accepted = http.request(
        "POST",
        f"{dev_stack.api_url}/jobs",
        json_body={"job_type": "text_transform", "payload": {"text": text}},
    )
    assert accepted.status == 202
    return str(accepted.json()["job_id"])


def _finished(dev_stack: LocalStack, job_id: str) -> dict[str, object]:
    def finished() -> dict[str, object] | None:
        record: dict[str, object] = http.request("GET", f"{dev_stack.api_url}/jobs/{job_id}").json()
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    return wait_for(finished, timeout=120, what=f"job {job_id} to finish", interval=0.2)


def _queue_depth(sqs: Any, queue_url: str) -> int:
    """Every message the queue holds, visible, in flight or delayed."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def test_ctrl_c_stops_everything_and_frees_the_ports(dev_stack: LocalStack) -> None:
    dev_stack.interrupt()

    dev_stack.process.wait(timeout=30)

    wait_for(
        lambda: all(_port_is_free(port) for port in dev_stack.ports.values()),
        timeout=10,
        what="ports to close",
    )
    with pytest.raises(ProcessLookupError):
        os.killpg(dev_stack.process.pid, 0)  # nothing of the stack's process group is left
    assert "Traceback" not in dev_stack.output
