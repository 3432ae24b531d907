"""The core stack's dashboard shows the queue and every function, by the names the function stacks deploy.

The worker and api stacks import the core stack's exports, so core cannot reference their functions; it names
them instead (its *FunctionName outputs), and those stacks import the names as their FunctionName. These tests
substitute the dashboard's Fn::Sub as CloudFormation would and check both sides of that contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra.templates import SAM_STACKS, load_template, resources_of_type

CORE_STACK_NAME = "conveyor-core"
REGION = "eu-west-1"
# Each function by its stack and logical id, with the core output that names it.
FUNCTIONS = {
    ("api", "ApiFunction"): "ApiFunctionName",
    ("worker", "WorkerFunction"): "WorkerFunctionName",
    ("worker", "SweeperFunction"): "SweeperFunctionName",
}
# What each function's widgets must show: invocations, errors and throttles as sums, its duration's p95 and
# maximum, and its concurrent executions at their peak.
FUNCTION_METRICS = {
    ("Invocations", "Sum"),
    ("Errors", "Sum"),
    ("Throttles", "Sum"),
    ("Duration", "p95"),
    ("Duration", "Maximum"),
    ("ConcurrentExecutions", "Maximum"),
}


def _substitute(template_string: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in variables, f"${{{name}}} is not substituted"
        return variables[name]

    return re.sub(r"\$\{([^}]+)\}", value, template_string)


def _resolve(value: Any) -> str:
    """A core-stack value as CloudFormation would resolve it; a resource's reference or attribute stays as its
    logical id or `LogicalId.Attribute`."""
    pseudo = {
        "AWS::StackName": CORE_STACK_NAME,
        "AWS::Region": REGION,
        "AWS::Partition": "aws",
        "AWS::AccountId": "123456789012",
    }
    if isinstance(value, str):
        return value
    if "Ref" in value:
        reference: str = value["Ref"]
        return pseudo.get(reference, reference)
    if "Fn::GetAtt" in value:
        return ".".join(value["Fn::GetAtt"])
    assert isinstance(value["Fn::Sub"], str), value
    return _substitute(value["Fn::Sub"], pseudo)


def _dashboard() -> dict[str, Any]:
    (dashboard,) = (d for _, d in resources_of_type(load_template("core"), "AWS::CloudWatch::Dashboard"))
    body, variables = dashboard["DashboardBody"]["Fn::Sub"]
    resolved = {name: _resolve(value) for name, value in variables.items()}
    # CloudWatch rejects a body that is not JSON only at deploy time.
    parsed: dict[str, Any] = json.loads(_substitute(body, {"AWS::Region": REGION, **resolved}))
    return parsed


def _metrics(dashboard: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str], str]]:
    """(namespace, metric, dimensions, statistic) of every metric on the dashboard."""
    for widget in dashboard["widgets"]:
        properties = widget["properties"]
        for namespace, metric, *rest in properties["metrics"]:
            options = rest.pop() if rest and isinstance(rest[-1], dict) else {}
            dimensions = dict(zip(rest[::2], rest[1::2], strict=True))
            yield namespace, metric, dimensions, options.get("stat", properties.get("stat"))


def _function_name(stack: str, logical_id: str) -> str:
    """The FunctionName a function stack deploys with, on the core stack CORE_STACK_NAME."""
    exports = {
        _resolve(output["Export"]["Name"]): _resolve(output["Value"])
        for output in load_template("core")["Outputs"].values()
    }
    function_name = load_template(stack)["Resources"][logical_id]["Properties"]["FunctionName"]
    imported: str = function_name["Fn::ImportValue"]["Fn::Sub"]
    return exports[imported.replace("${CoreStackName}", CORE_STACK_NAME)]


def test_every_function_of_the_function_stacks_is_named_by_the_core_stack() -> None:
    functions = {
        (stack, logical_id)
        for stack in SAM_STACKS
        for logical_id, _ in resources_of_type(load_template(stack), "AWS::Serverless::Function")
    }

    assert functions == set(FUNCTIONS)
    for (stack, logical_id), output in FUNCTIONS.items():
        function_name = load_template(stack)["Resources"][logical_id]["Properties"]["FunctionName"]
        assert function_name == {"Fn::ImportValue": {"Fn::Sub": f"${{CoreStackName}}-{output}"}}


def test_function_names_are_distinct_and_valid() -> None:
    names = [_function_name(stack, logical_id) for stack, logical_id in FUNCTIONS]

    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name), name


@pytest.mark.parametrize(("stack", "logical_id"), list(FUNCTIONS))
def test_dashboard_shows_each_function_by_its_deployed_name(stack: str, logical_id: str) -> None:
    name = _function_name(stack, logical_id)

    shown = {
        (metric, statistic)
        for namespace, metric, dimensions, statistic in _metrics(_dashboard())
        if namespace == "AWS/Lambda" and dimensions == {"FunctionName": name}
    }
    assert shown == FUNCTION_METRICS


def test_dashboard_shows_the_queue_and_its_dead_letters() -> None:
    shown = {
        (metric, dimensions["QueueName"])
        for namespace, metric, dimensions, _ in _metrics(_dashboard())
        if namespace == "AWS/SQS"
    }

    assert shown == {
        ("ApproximateNumberOfMessagesVisible", "JobsQueue.QueueName"),
        ("ApproximateNumberOfMessagesNotVisible", "JobsQueue.QueueName"),
        ("ApproximateAgeOfOldestMessage", "JobsQueue.QueueName"),
        ("ApproximateNumberOfMessagesVisible", "JobsDeadLetterQueue.QueueName"),
    }


def test_dashboard_widgets_fit_the_grid_without_overlapping() -> None:
    cells: set[tuple[int, int]] = set()
    for widget in _dashboard()["widgets"]:
        assert widget["properties"]["region"] == REGION
        assert widget["x"] >= 0
        assert widget["x"] + widget["width"] <= 24
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not area & cells, widget["properties"]["title"]
        cells |= area


# What each function reports through Powertools' EMF (namespace Conveyor, one dimension: `service`, the
# function's POWERTOOLS_SERVICE_NAME), with the statistics its widgets show.
CUSTOM_METRICS = {
    ("conveyor-api", "JobsSubmitted", "Sum"),
    ("conveyor-worker", "JobsClaimed", "Sum"),
    ("conveyor-worker", "JobsSucceeded", "Sum"),
    ("conveyor-worker", "JobsFailed", "Sum"),
    ("conveyor-worker", "JobsRetried", "Sum"),
    ("conveyor-worker", "DuplicateDeliveriesSkipped", "Sum"),
    ("conveyor-worker", "DuplicateDeliveriesDeferred", "Sum"),
    ("conveyor-worker", "OrphanMessagesDropped", "Sum"),
    ("conveyor-worker", "QueueWait", "p95"),
    ("conveyor-worker", "QueueWait", "Maximum"),
    ("conveyor-worker", "RunTime", "p95"),
    ("conveyor-worker", "RunTime", "Maximum"),
    ("conveyor-sweeper", "JobsResent", "Sum"),
    ("conveyor-sweeper", "OverdueJobsFailed", "Sum"),
    ("conveyor-sweeper", "DeadLettersRescued", "Sum"),
    ("conveyor-sweeper", "StrandedJobsFailed", "Sum"),
    ("conveyor-sweeper", "OrphanMessagesDropped", "Sum"),
}


def test_dashboard_shows_every_custom_metric_by_its_functions_service() -> None:
    shown = {
        (dimensions["service"], metric, statistic)
        for namespace, metric, dimensions, statistic in _metrics(_dashboard())
        if namespace == "Conveyor"
    }
    services = {
        load_template(stack)["Resources"][logical_id]["Properties"]["Environment"]["Variables"][
            "POWERTOOLS_SERVICE_NAME"
        ]
        for stack, logical_id in FUNCTIONS
    }

    assert shown == CUSTOM_METRICS
    assert {service for service, _, _ in shown} == services
    for namespace, _, dimensions, _ in _metrics(_dashboard()):
        if namespace == "Conveyor":
            assert set(dimensions) == {"service"}
