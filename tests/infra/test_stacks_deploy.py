"""The stacks deploy into moto through CloudFormation and build what the code and the local stack expect.

`make dev` and the cross-service suites run on resources deployed the same way (conveyor_local.provision, with
the deployer used here), so these stacks are the ones every other suite exercises. The worker and api stacks
deploy on top of core, as `make deploy-*` would, and their functions' resolved environments must satisfy the
services' settings. moto's CloudFormation ignores TimeToLiveSpecification and Architectures and skips the HTTP
API (ApiGatewayV2) and the alarms, each with a warning: those are checked in the templates instead.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Mapping

import boto3
import pytest
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.stacks import deploy_stack
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings

from tests.infra.grants import resolved
from tests.infra.templates import Template, load_template, resources_of_type, translate

pytestmark = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.{2}(ApiGatewayV2|CloudWatch.{2}Alarm|S3.{2}BucketPolicy):UserWarning"
)


def _deploy(name: str, template: Template, **parameters: str) -> dict[str, str]:
    return deploy_stack(boto3.client("cloudformation"), name, template, parameters).outputs


@pytest.fixture(scope="module")
def core(aws_endpoint: str) -> tuple[str, dict[str, str]]:
    """The core stack's name and outputs; the session's moto server is shared, hence the unique name."""
    name = f"conveyor-core-{uuid.uuid4().hex[:8]}"
    return name, _deploy(name, load_template("core"))


@pytest.fixture(scope="module")
def core_outputs(core: tuple[str, dict[str, str]]) -> dict[str, str]:
    return core[1]


@pytest.fixture(scope="module")
def code_uri(aws_endpoint: str) -> str:
    """An S3 object in place of `sam package`'s upload: moto needs one to create a function, never runs it."""
    bucket = f"conveyor-code-{uuid.uuid4().hex[:8]}"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("placeholder.py", "")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="code.zip", Body=archive.getvalue())
    return f"s3://{bucket}/code.zip"


@pytest.fixture(scope="module")
def services(core: tuple[str, dict[str, str]], code_uri: str) -> dict[str, str]:
    """The worker and api stacks' names, deployed on `core`: once each, as on AWS, where the core stack names
    their functions and a second worker stack on the same core would fail on the first one's names."""
    core_name, _ = core
    names = {stack: f"conveyor-{stack}-{uuid.uuid4().hex[:8]}" for stack in ("worker", "api")}
    for stack, name in names.items():
        _deploy(name, translate(stack, code_uri), CoreStackName=core_name)
    return names


def test_queue_sends_to_its_dead_letter_queue_after_max_receive_count(core_outputs: dict[str, str]) -> None:
    sqs = boto3.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=core_outputs["JobsQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]

    assert attributes["QueueArn"] == core_outputs["JobsQueueArn"]
    assert int(attributes["VisibilityTimeout"]) == int(core_outputs["QueueVisibilityTimeoutSeconds"])
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == core_outputs["JobsDeadLetterQueueArn"]
    assert int(redrive["maxReceiveCount"]) == int(core_outputs["MaxReceiveCount"])


def test_jobs_and_keys_expire_by_their_ttl_attributes() -> None:
    tables = dict(resources_of_type(load_template("core"), "AWS::DynamoDB::Table"))

    # `expiration` is where Powertools writes a key's expiry; `expires_at` is where the worker and the sweeper
    # write a finished job's (docs/design.md, Retention).
    assert tables["IdempotencyTable"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }
    assert tables["JobsTable"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    for table in tables.values():
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["SSESpecification"] == {"SSEEnabled": True}


def test_queues_are_encrypted_and_only_the_jobs_queue_may_redrive_into_the_dlq() -> None:
    queues = dict(resources_of_type(load_template("core"), "AWS::SQS::Queue"))

    assert all(queue["SqsManagedSseEnabled"] is True for queue in queues.values())
    # The DLQ names the jobs queue's ARN by its QueueName (a reference would be circular): they must agree.
    assert queues["JobsQueue"]["QueueName"] == {"Fn::Sub": "${AWS::StackName}-jobs"}
    assert queues["JobsDeadLetterQueue"]["RedriveAllowPolicy"] == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [
            {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-jobs"}
        ],
    }


SettingsReader = Callable[[Mapping[str, str]], object]
"""A service's `Settings.from_env`: raises unless the environment is complete and valid."""


def _function_environment(function_name: str) -> dict[str, str]:
    configuration = boto3.client("lambda").get_function_configuration(FunctionName=function_name)
    # moto hands back numbers where Lambda hands back strings; the settings read strings.
    return {name: str(value) for name, value in configuration["Environment"]["Variables"].items()}


def _functions(stack: str) -> dict[str, str]:
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    return {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for resource in resources
        # moto lists the resources it skipped (the HTTP API) without a type.
        if resource.get("ResourceType") == "AWS::Lambda::Function"
    }


@pytest.mark.parametrize(
    ("stack", "functions"),
    [
        ("worker", {"WorkerFunction": WorkerSettings.from_env, "SweeperFunction": SweeperSettings.from_env}),
        ("api", {"ApiFunction": ApiSettings.from_env}),
    ],
)
def test_stack_deploys_on_core_with_environments_the_settings_accept(
    core_outputs: dict[str, str], services: dict[str, str], stack: str, functions: dict[str, SettingsReader]
) -> None:
    deployed = _functions(services[stack])
    assert set(deployed) == set(functions)
    for logical_id, read_settings in functions.items():
        environment = _function_environment(deployed[logical_id])
        read_settings(environment)
        assert environment["JOBS_TABLE_NAME"] == core_outputs["JobsTableName"]
        assert environment["JOBS_QUEUE_URL"] == core_outputs["JobsQueueUrl"]
    if stack == "api":
        # Deployed without a user pool (the template's defaults): no sign-in (test_sign_in_and_listing.py).
        assert environment["AUTH_MODE"] == "none"
        # And without an origin secret: no edge in front, every request served (docs/design.md, Per-client
        # limits at the edge).
        assert "ORIGIN_SECRET" not in environment


def test_worker_consumes_the_core_queue(core_outputs: dict[str, str], services: dict[str, str]) -> None:
    worker = _functions(services["worker"])["WorkerFunction"]

    (mapping,) = boto3.client("lambda").list_event_source_mappings(FunctionName=worker)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == core_outputs["JobsQueueArn"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_worker_stack_publishes_its_job_types_where_the_api_reads_them(
    core_outputs: dict[str, str], services: dict[str, str]
) -> None:
    api = _function_environment(_functions(services["api"])["ApiFunction"])
    template = load_template("worker")
    # Deployed with the defaults: no sender, so no send_email.
    published = resolved(template, template["Resources"]["WorkerJobTypesParameter"]["Properties"]["Value"])

    parameter = boto3.client("ssm").get_parameter(Name=api["JOB_TYPES_PARAMETER_NAME"])["Parameter"]

    assert api["JOB_TYPES_PARAMETER_NAME"] == core_outputs["JobTypesParameterName"]
    assert (parameter["Type"], parameter["Value"]) == ("String", published)
    assert parameter["ARN"] == core_outputs["JobTypesParameterArn"]


def test_core_dashboard_shows_the_functions_deployed_on_it(
    core: tuple[str, dict[str, str]], services: dict[str, str]
) -> None:
    core_name, _ = core
    resources = boto3.client("cloudformation").describe_stack_resources(StackName=core_name)["StackResources"]
    (dashboard,) = (
        r["PhysicalResourceId"] for r in resources if r.get("ResourceType") == "AWS::CloudWatch::Dashboard"
    )
    body = json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=dashboard)["DashboardBody"])

    shown = {
        metric[3]
        for widget in body["widgets"]
        for metric in widget["properties"]["metrics"]
        if metric[0] == "AWS/Lambda" and metric[2] == "FunctionName"
    }
    assert shown == {name for stack in services.values() for name in _functions(stack).values()}
