"""The stacks deploy into moto through CloudFormation and build what the code and the local stack expect.

local/conveyor_local/provision.py creates the core resources by API calls for `make dev` and the
cross-service suites; both are compared on one moto server, so neither can drift from the other unnoticed.
The worker and api stacks then deploy on top of core, as `make deploy-*` would, and their functions' resolved
environments must satisfy the services' settings. moto's CloudFormation ignores TimeToLiveSpecification and
Architectures and skips the HTTP API (ApiGatewayV2) and the alarms, each with a warning: those are checked in
the templates instead.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import pytest
from conveyor_api.settings import Settings as ApiSettings
from conveyor_local.provision import provision
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings

from tests.infra.templates import Template, load_template, resources_of_type, translate

pytestmark = pytest.mark.filterwarnings(
    "ignore:Tried to parse AWS.{2}(ApiGatewayV2|CloudWatch.{2}Alarm):UserWarning"
)


def _deploy(name: str, template: Template, **parameters: str) -> dict[str, str]:
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1})
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


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


def _table_shape(description: dict[str, Any]) -> dict[str, Any]:
    return {
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": sorted(description["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": [
            {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
            for index in description.get("GlobalSecondaryIndexes", [])
        ],
    }


def test_tables_have_the_layout_provision_creates(core_outputs: dict[str, str]) -> None:
    dynamodb = boto3.client("dynamodb")
    local = provision(
        dynamodb,
        boto3.client("sqs"),
        table_name=f"jobs-{uuid.uuid4().hex[:8]}",
        queue_name=f"jobs-{uuid.uuid4().hex[:8]}",
        dlq_name=f"dlq-{uuid.uuid4().hex[:8]}",
        idempotency_table_name=f"keys-{uuid.uuid4().hex[:8]}",
        visibility_timeout_seconds=360,
        max_receive_count=3,
    )

    for deployed, provisioned in [
        (core_outputs["JobsTableName"], local.table_name),
        (core_outputs["IdempotencyTableName"], local.idempotency_table_name),
    ]:
        assert _table_shape(dynamodb.describe_table(TableName=deployed)["Table"]) == _table_shape(
            dynamodb.describe_table(TableName=provisioned)["Table"]
        )


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

    # `expiration` is where Powertools writes a key's expiry; `expires_at` is reserved for finished jobs.
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
    core: tuple[str, dict[str, str]], code_uri: str, stack: str, functions: dict[str, SettingsReader]
) -> None:
    core_name, outputs = core
    name = f"conveyor-{stack}-{uuid.uuid4().hex[:8]}"
    _deploy(name, translate(stack, code_uri), CoreStackName=core_name)

    deployed = _functions(name)
    assert set(deployed) == set(functions)
    for logical_id, read_settings in functions.items():
        environment = _function_environment(deployed[logical_id])
        read_settings(environment)
        assert environment["JOBS_TABLE_NAME"] == outputs["JobsTableName"]
        assert environment["JOBS_QUEUE_URL"] == outputs["JobsQueueUrl"]


def test_worker_consumes_the_core_queue(core: tuple[str, dict[str, str]], code_uri: str) -> None:
    core_name, outputs = core
    name = f"conveyor-worker-{uuid.uuid4().hex[:8]}"
    _deploy(name, translate("worker", code_uri), CoreStackName=core_name)
    worker = _functions(name)["WorkerFunction"]

    (mapping,) = boto3.client("lambda").list_event_source_mappings(FunctionName=worker)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == outputs["JobsQueueArn"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
