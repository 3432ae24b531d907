"""Every stack passes cfn-lint; every SAM stack becomes plain CloudFormation offline, as `sam deploy` does."""

from __future__ import annotations

import importlib.util

import pytest
from cfnlint.api import lint_file

from tests.infra.templates import SAM_STACKS, STACKS, resources_of_type, template_path, translate


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_finds_nothing(stack: str) -> None:
    matches = lint_file(template_path(stack))

    assert [str(match) for match in matches] == []


@pytest.mark.parametrize("stack", SAM_STACKS)
def test_sam_template_translates_to_arm64_python_functions_with_real_handlers(stack: str) -> None:
    functions = dict(resources_of_type(translate(stack), "AWS::Lambda::Function"))

    assert functions
    for properties in functions.values():
        assert properties["Runtime"] == "python3.12"
        assert properties["Architectures"] == ["arm64"]
        # The handler's module must exist in the service, or every invocation fails at init.
        module, _, _ = properties["Handler"].rpartition(".")
        assert importlib.util.find_spec(module) is not None, properties["Handler"]


def test_worker_event_source_reports_batch_item_failures_within_a_concurrency_cap() -> None:
    ((_, mapping),) = resources_of_type(translate("worker"), "AWS::Lambda::EventSourceMapping")

    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == {"Ref": "BatchSize"}
    assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "MaximumBatchingWindowInSeconds"}
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "MaximumConcurrency"}}


def test_sweeper_runs_every_minute() -> None:
    rules = dict(resources_of_type(translate("worker"), "AWS::Events::Rule"))

    assert [rule["ScheduleExpression"] for rule in rules.values()] == ["rate(1 minute)"]
