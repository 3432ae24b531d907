"""The functions' environments match the services' settings, and the defaults keep the lease invariant.

The rules of docs/design.md, Configuration, and of its lease invariant (docs/design.md, The lease
invariant): a template that names a variable the code does not read, or misses one it does, fails here
rather than at a function's first cold start.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from typing import Any

import pytest
from conveyor_api.aws_call_budget import FUNCTION_TIMEOUT_SECONDS as API_TIMEOUT_SECONDS
from conveyor_api.jobs.payloads import MAX_STORED_PAYLOAD_BYTES
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.config import API_PARAMETERS, PAYLOAD_INLINE_MAX_BYTES
from conveyor_worker.aws_call_budget import SWEEPER_TIMEOUT_SECONDS
from conveyor_worker.contract import load_contract
from conveyor_worker.jobs.process import RECORD_CALLS
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings
from pydantic import BaseModel

from tests.infra.templates import INFRA, default, load_template


def _environment_names(settings: type[BaseModel] | type[ApiSettings]) -> set[str]:
    # The worker's pydantic settings read their aliases; the API's dataclass each field's name in upper case.
    if not issubclass(settings, BaseModel):
        return {field.name.upper() for field in fields(settings)}
    return {
        field.validation_alias if isinstance(field.validation_alias, str) else name.upper()
        for name, field in settings.model_fields.items()
    }


def _variables(stack: str, function: str) -> dict[str, Any]:
    variables: dict[str, Any] = load_template(stack)["Resources"][function]["Properties"]["Environment"][
        "Variables"
    ]
    return variables


FUNCTIONS = [
    ("api", "ApiFunction", ApiSettings),
    ("worker", "WorkerFunction", WorkerSettings),
    ("worker", "SweeperFunction", SweeperSettings),
]
# Powertools reads these itself (Logger's and Metrics' service, Metrics' namespace); a service's settings may
# read them too, but need not.
POWERTOOLS_VARIABLES = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


@pytest.mark.parametrize(("stack", "function", "settings"), FUNCTIONS)
def test_environment_names_are_the_settings_fields(
    stack: str, function: str, settings: type[BaseModel] | type[ApiSettings]
) -> None:
    read = _environment_names(settings)

    assert set(_variables(stack, function)) - (POWERTOOLS_VARIABLES - read) == read


def test_each_function_names_its_own_service_in_one_metrics_namespace() -> None:
    services = {
        function: (
            _variables(stack, function)["POWERTOOLS_SERVICE_NAME"],
            _variables(stack, function)["POWERTOOLS_METRICS_NAMESPACE"],
        )
        for stack, function, _ in FUNCTIONS
    }

    # The core stack's dashboard shows the metrics by these names (tests/infra/test_dashboard.py).
    assert services == {
        "ApiFunction": ("conveyor-api", "Conveyor"),
        "WorkerFunction": ("conveyor-worker", "Conveyor"),
        "SweeperFunction": ("conveyor-sweeper", "Conveyor"),
    }


def _import(export: str) -> dict[str, Any]:
    return {"Fn::ImportValue": {"Fn::Sub": f"${{CoreStackName}}-{export}"}}


def test_lease_is_the_worker_timeout_and_the_queue_waits_for_it() -> None:
    core = load_template("core")
    worker = load_template("worker")["Resources"]["WorkerFunction"]["Properties"]

    # One number, from core, for the timeout, the lease and (via the parameter) the visibility bound.
    assert worker["Timeout"] == _import("WorkerTimeoutSeconds")
    assert worker["Environment"]["Variables"]["JOB_LEASE_SECONDS"] == _import("WorkerTimeoutSeconds")
    queue = core["Resources"]["JobsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] == {"Ref": "QueueVisibilityTimeoutSeconds"}
    assert default(core, "QueueVisibilityTimeoutSeconds") >= 6 * default(core, "WorkerTimeoutSeconds")


def test_the_worker_timeout_gives_the_longest_time_budget_its_run_and_the_records_calls() -> None:
    # The alarm ends a run past its budget TIMED_OUT only if the function is still alive then; with a shorter
    # timeout Lambda kills the invocation first, and the run's whole batch comes back after the visibility
    # timeout (docs/design.md, Time budgets).
    longest = max(job_type.time_budget for job_type in load_contract().job_types.values())

    assert default(load_template("core"), "WorkerTimeoutSeconds") > (longest + RECORD_CALLS).total_seconds()


def test_the_api_and_the_sweeper_budget_their_aws_calls_by_their_deployed_timeouts() -> None:
    # Lambda tells a function its timeout only through an invocation's context, after the clients are made, so
    # each service keeps the number its calls are budgeted by (docs/design.md, Timeouts and retry budgets).
    api = load_template("api")["Resources"]["ApiFunction"]["Properties"]
    sweeper = load_template("worker")["Resources"]["SweeperFunction"]["Properties"]

    assert api["Timeout"] == API_TIMEOUT_SECONDS
    assert sweeper["Timeout"] == SWEEPER_TIMEOUT_SECONDS


def test_a_job_waits_as_long_as_sqs_can_keep_its_message_and_the_sweeper_knows_how_long() -> None:
    core = load_template("core")
    worker = load_template("worker")
    queues = {name: core["Resources"][name]["Properties"] for name in ("JobsQueue", "JobsDeadLetterQueue")}
    sweeper = worker["Resources"]["SweeperFunction"]["Properties"]["Environment"]["Variables"]

    # 14 days, SQS's longest: a backlog may wait that long before any job of it can fail MESSAGE_EXPIRED.
    assert default(core, "MessageRetentionSeconds") == 1_209_600
    # SQS keeps a message's first enqueue time when it moves it to the DLQ: both queues keep it as long.
    assert {name: props["MessageRetentionPeriod"] for name, props in queues.items()} == {
        name: {"Ref": "MessageRetentionSeconds"} for name in queues
    }
    assert core["Outputs"]["MessageRetentionSeconds"]["Value"] == {"Ref": "MessageRetentionSeconds"}
    assert sweeper["MESSAGE_RETENTION_SECONDS"] == {
        "Fn::ImportValue": {"Fn::Sub": "${CoreStackName}-MessageRetentionSeconds"}
    }


def test_the_sweeper_acts_on_a_watched_job_only_after_its_workers_timeout() -> None:
    core = load_template("core")
    worker = load_template("worker")

    # A watched job's sweep_at is its lease expiry, and the lease is the worker function's timeout: any grace
    # above the functions' clock skew means that worker is gone. A minute is far above it.
    assert default(worker, "SweepGraceSeconds") >= 60
    assert default(core, "WorkerTimeoutSeconds") + default(worker, "SweepGraceSeconds") < 600


def test_worker_and_redrive_policy_count_receives_from_one_parameter() -> None:
    core = load_template("core")
    worker = load_template("worker")["Resources"]

    redrive = core["Resources"]["JobsQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert core["Outputs"]["MaxReceiveCount"]["Value"] == {"Ref": "MaxReceiveCount"}
    for function in ("WorkerFunction", "SweeperFunction"):
        variables = worker[function]["Properties"]["Environment"]["Variables"]
        assert variables["MAX_RECEIVE_COUNT"] == _import("MaxReceiveCount")


def test_worker_and_sweeper_keep_finished_jobs_for_one_retention_period_from_core() -> None:
    core = load_template("core")
    worker = load_template("worker")["Resources"]
    api = load_template("api")["Resources"]

    # One parameter, next to the table whose time to live reads the expiry; issue 7's S3 lifecycle reuses it.
    assert core["Parameters"]["JobRetentionDays"] | {"Description": ""} == {
        "Type": "Number",
        "Default": 30,
        "MinValue": 1,
        "MaxValue": 36500,
        "Description": "",
    }
    assert core["Outputs"]["JobRetentionDays"] == {
        "Value": {"Ref": "JobRetentionDays"},
        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-JobRetentionDays"}},
    }
    for function in ("WorkerFunction", "SweeperFunction"):
        variables = worker[function]["Properties"]["Environment"]["Variables"]
        assert variables["JOB_RETENTION_DAYS"] == _import("JobRetentionDays")
    # A cancel ends a QUEUED job in the API, with the same expiry.
    api_variables = api["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert api_variables["JOB_RETENTION_DAYS"] == _import("JobRetentionDays")
    assert core["Resources"]["JobsTable"]["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


def test_worker_and_api_import_from_the_core_stack_make_deploys() -> None:
    with (INFRA / "core" / "samconfig.toml").open("rb") as config:
        core_stack = tomllib.load(config)["default"]["deploy"]["parameters"]["stack_name"]

    for stack in ("worker", "api"):
        assert load_template(stack)["Parameters"]["CoreStackName"]["Default"] == core_stack
        assert _samconfig_overrides(stack)["CoreStackName"] == core_stack


def _samconfig_overrides(stack: str) -> dict[str, str]:
    with (INFRA / stack / "samconfig.toml").open("rb") as config:
        overrides: str = tomllib.load(config)["default"]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in overrides.split())


def test_the_repositorys_deployments_store_large_payloads_aside_and_the_template_default_none() -> None:
    parameter = load_template("api")["Parameters"]["PayloadInlineMaxBytes"]

    # The default keeps every payload inline, which workers from before payload_ref run (contracts/README.md).
    assert parameter["Default"] == parameter["MaxValue"] == MAX_STORED_PAYLOAD_BYTES
    assert _samconfig_overrides("api")["PayloadInlineMaxBytes"] == str(PAYLOAD_INLINE_MAX_BYTES) == "4096"
    assert API_PARAMETERS["PayloadInlineMaxBytes"] == str(PAYLOAD_INLINE_MAX_BYTES)
    assert _variables("api", "ApiFunction")["PAYLOAD_INLINE_MAX_BYTES"] == {"Ref": "PayloadInlineMaxBytes"}
