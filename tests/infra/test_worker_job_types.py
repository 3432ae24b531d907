"""The worker stack publishes the job types its deployed worker runs, and the api stack reads that parameter
(docs/design.md, Which job types the deployed worker runs)."""

from __future__ import annotations

import json
from typing import Any

import conveyor_worker.job_types
import pytest
from conveyor_worker.job_types import discover_job_functions
from conveyor_worker.jobs.messages import CONTRACT_MAJOR

from tests.infra.grants import grants
from tests.infra.templates import resources_of_type, translate
from tests.support import contract

PARAMETER = "WorkerJobTypesParameter"


def _published_parameter() -> dict[str, Any]:
    template = translate("worker")
    assert [logical_id for logical_id, _ in resources_of_type(template, "AWS::SSM::Parameter")] == [PARAMETER]
    resource: dict[str, Any] = template["Resources"][PARAMETER]
    return resource


def _values() -> dict[bool, Any]:
    """The published list of a stack that sends email (EmailSender given), and of one that does not."""
    condition, sending, not_sending = _published_parameter()["Properties"]["Value"]["Fn::If"]
    assert condition == "SendsEmail"
    return {True: json.loads(sending), False: json.loads(not_sending)}


@pytest.mark.parametrize("sends_email", [True, False])
def test_the_published_list_is_a_worker_job_types_document(sends_email: bool) -> None:
    assert list(contract.validator("worker-job-types").iter_errors(_values()[sends_email])) == []


@pytest.mark.parametrize("sends_email", [True, False])
def test_the_published_list_names_exactly_the_job_types_the_deployed_worker_runs(sends_email: bool) -> None:
    value = _values()[sends_email]
    runs = set(discover_job_functions(conveyor_worker.job_types))
    # Without a sender every send_email job would fail EMAIL_NOT_CONFIGURED: the API refuses them instead.
    expected = runs if sends_email else runs - {"send_email"}

    assert sorted(value["job_types"]) == sorted(expected)
    assert value["contract_major"] == CONTRACT_MAJOR


def test_the_list_is_written_only_after_the_worker_function_and_its_event_source() -> None:
    template = translate("worker")
    mappings = [name for name, _ in resources_of_type(template, "AWS::Lambda::EventSourceMapping")]
    depends_on = _published_parameter()["DependsOn"]

    assert set(depends_on) >= {"WorkerFunction", *mappings}
    assert mappings


def test_the_worker_stack_writes_the_parameter_the_api_reads_and_may_read_only_it() -> None:
    properties = _published_parameter()["Properties"]
    api = translate("api")
    ((_, function),) = resources_of_type(api, "AWS::Lambda::Function")
    environment = function["Environment"]["Variables"]

    assert properties["Name"] == environment["JOB_TYPES_PARAMETER_NAME"]
    assert grants(api, "ApiRole")["ssm:GetParameter"] == {"JobTypesParameterArn"}
