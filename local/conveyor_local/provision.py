"""Conveyor's stacks deployed into moto from infra/'s templates: what `make dev` and the test suites run on.

Nothing here describes a table or a queue: infra/core/template.yaml does, and only it. The resources' names
come back from the core stack's Outputs, and each function's settings from its deployed configuration
(Environment.Variables), so a template that misnames or misses a variable the code reads fails locally as
it would on Lambda. Deploying again on the same moto server updates the stacks in place (or leaves them be).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from conveyor_local.aws import cloudformation_client, dynamodb_client, lambda_client, s3_client, sesv2_client
from conveyor_local.stacks import (
    configure_buckets,
    deploy_stack,
    enable_time_to_live,
    function_environment,
    physical_ids,
    upload_placeholder_code,
)
from conveyor_local.templates import INFRA_DIR, Template, deployable, load_template, stack_name

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

CORE_STACK = "core"
# Both import the core stack's exports (their CoreStackName parameter), so they deploy after it.
SERVICE_STACKS = ("worker", "api")
PLACEHOLDER_CODE_BUCKET = "conveyor-local-code"


@dataclass(frozen=True)
class ProvisionedResources:
    """The core stack's Outputs: what the functions are given and what the tools look at."""

    stack_name: str
    table_name: str
    idempotency_table_name: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str
    files_bucket_name: str
    job_types_parameter_name: str
    """Where the worker stack publishes the job types its worker runs, and the API reads them."""

    @classmethod
    def from_outputs(cls, stack_name: str, outputs: Mapping[str, str]) -> ProvisionedResources:
        return cls(
            stack_name=stack_name,
            table_name=outputs["JobsTableName"],
            idempotency_table_name=outputs["IdempotencyTableName"],
            queue_url=outputs["JobsQueueUrl"],
            queue_arn=outputs["JobsQueueArn"],
            dlq_url=outputs["JobsDeadLetterQueueUrl"],
            dlq_arn=outputs["JobsDeadLetterQueueArn"],
            files_bucket_name=outputs["FilesBucketName"],
            job_types_parameter_name=outputs["JobTypesParameterName"],
        )


def provision_core(
    cloudformation: CloudFormationClient,
    dynamodb: DynamoDBClient,
    s3: S3Client,
    *,
    stack_name: str,
    parameters: Mapping[str, str],
    template: Template | None = None,
) -> ProvisionedResources:
    """The core stack (tables, bucket, queues) from infra/core/template.yaml, or from `template` if given."""
    core = template if template is not None else load_template(CORE_STACK)
    deployed = deploy_stack(cloudformation, stack_name, core, parameters)
    enable_time_to_live(cloudformation, dynamodb, stack_name, core)
    configure_buckets(cloudformation, s3, stack_name, core, parameters)
    return ProvisionedResources.from_outputs(stack_name, deployed.outputs)


@dataclass(frozen=True)
class DeployedFunction:
    """A function as its stack deployed it: its name, its environment and the queues it is triggered by."""

    name: str
    environment: dict[str, str]
    event_source_arns: tuple[str, ...]


def provision_service(
    cloudformation: CloudFormationClient,
    lambda_: LambdaClient,
    *,
    stack: str,
    stack_name: str,
    core_stack_name: str,
    code_uri: str,
    parameters: Mapping[str, str],
    infra_dir: Path = INFRA_DIR,
) -> dict[str, DeployedFunction]:
    """A service stack (worker or api) on the core stack `core_stack_name`, from `infra_dir`'s template; its
    functions by logical id."""
    deploy_stack(
        cloudformation,
        stack_name,
        deployable(stack, code_uri, infra_dir=infra_dir),
        {"CoreStackName": core_stack_name, **parameters},
    )
    functions = {}
    for logical_id, name in physical_ids(cloudformation, stack_name, "AWS::Lambda::Function").items():
        mappings = lambda_.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        for mapping in mappings:
            # Left enabled, moto itself would receive a batch on every SendMessage to the queue and try to run
            # the function (it cannot without Docker), counting a receive on each message that the worker's
            # MAX_RECEIVE_COUNT then misses. The local SQS event source emulator plays the mapping's part.
            if mapping.get("State") != "Disabled":
                lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
        functions[logical_id] = DeployedFunction(
            name=name,
            environment=function_environment(lambda_, name),
            event_source_arns=tuple(mapping["EventSourceArn"] for mapping in mappings),
        )
    return functions


@dataclass(frozen=True)
class LocalSystem:
    core: ProvisionedResources
    functions: dict[str, DeployedFunction]
    """Every service stack's functions, by logical id (ApiFunction, WorkerFunction, SweeperFunction)."""
    stack_names: tuple[str, ...]


def _verify_email_senders(endpoint_url: str, functions: Iterable[DeployedFunction]) -> None:
    """Verifies the domain of each function's EMAIL_SENDER in SES, as the account's owner does in AWS before
    deploying a worker stack with a sender (docs/deploy.md, Email): moto refuses an unverified sender."""
    senders = {f.environment["EMAIL_SENDER"] for f in functions if f.environment.get("EMAIL_SENDER")}
    ses = sesv2_client(endpoint_url)
    for sender in sorted(senders):
        domain = sender.rpartition("@")[2]
        try:
            ses.create_email_identity(EmailIdentity=domain)
        except ses.exceptions.AlreadyExistsException:
            continue


def provision_system(
    endpoint_url: str,
    parameters: Mapping[str, Mapping[str, str]],
    infra_dirs: Mapping[str, Path] | None = None,
) -> LocalSystem:
    """core, then worker and api on it, under the stack names `make deploy-*` gives them.

    `parameters` holds each stack's parameter values by stack (`core`, `worker`, `api`); the rest keep the
    templates' defaults. `infra_dirs` names, by service stack, another checkout's infra/ to deploy that
    stack's template from (an older release's, as its owner deploys it); the core stack is always this one's.
    """
    cloudformation = cloudformation_client(endpoint_url)
    core_stack_name = stack_name(CORE_STACK)
    s3 = s3_client(endpoint_url)
    core = provision_core(
        cloudformation,
        dynamodb_client(endpoint_url),
        s3,
        stack_name=core_stack_name,
        parameters=parameters.get(CORE_STACK, {}),
    )
    code_uri = upload_placeholder_code(s3, PLACEHOLDER_CODE_BUCKET)
    lambda_ = lambda_client(endpoint_url)
    functions: dict[str, DeployedFunction] = {}
    for stack in SERVICE_STACKS:
        functions.update(
            provision_service(
                cloudformation,
                lambda_,
                stack=stack,
                stack_name=stack_name(stack),
                core_stack_name=core_stack_name,
                code_uri=code_uri,
                parameters=parameters.get(stack, {}),
                infra_dir=(infra_dirs or {}).get(stack, INFRA_DIR),
            )
        )
    _verify_email_senders(endpoint_url, functions.values())
    return LocalSystem(
        core=core,
        functions=functions,
        stack_names=(core_stack_name, *(stack_name(stack) for stack in SERVICE_STACKS)),
    )
