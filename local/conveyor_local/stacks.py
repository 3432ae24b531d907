"""A template deployed into moto with CloudFormation, as `sam deploy` deploys it into AWS, then read back.

moto's CloudFormation is not all of CloudFormation, and the gaps that matter here are filled or checked on
this side: it accepts any parameter value (CloudFormation refuses unknown names, missing values, values
outside MinValue, MaxValue, AllowedValues or AllowedPattern, and values that break an assertion of the
template's Rules: `check_parameters` does the same), and it ignores a table's
TimeToLiveSpecification (`enable_time_to_live` applies the template's) and a bucket's lifecycle rules and
CORS (`configure_buckets` applies them). It skips `AWS::ApiGatewayV2::*`, `AWS::CloudWatch::Alarm` and
`AWS::S3::BucketPolicy` with a warning (tests/infra checks those in the templates), and never runs a
function's code: the local stack serves the HTTP API with its own gateway emulator and runs each handler in a
process of its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, WaiterError

from conveyor_local.intrinsics import Evaluator
from conveyor_local.templates import Template

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import ParameterTypeDef
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

# The IAM roles of the worker and api stacks are named by CloudFormation, which `sam deploy` acknowledges too.
_CAPABILITIES: list[Any] = ["CAPABILITY_IAM"]
_NO_UPDATES = "No updates are to be performed"
# What moto says, on every deploy, of each resource it skips.
_KNOWN_GAPS = (
    r"(Tried to parse|No Moto CloudFormation support for) "
    r"AWS::(ApiGatewayV2::\w+|CloudWatch::Alarm|S3::BucketPolicy)\b"
)


class StackError(RuntimeError):
    """A stack could not be deployed as asked."""


class StackParameterError(StackError):
    """A parameter value that CloudFormation would refuse."""


@dataclass(frozen=True)
class DeployedStack:
    name: str
    outputs: dict[str, str]


def deploy_stack(
    cloudformation: CloudFormationClient,
    name: str,
    template: Template,
    parameters: Mapping[str, str] | None = None,
) -> DeployedStack:
    """Create the stack, or update it to `template` if it exists (a no-op when nothing changed)."""
    given = dict(parameters or {})
    check_parameters(name, template, given)
    body = json.dumps(template)
    values: list[ParameterTypeDef] = [
        {"ParameterKey": key, "ParameterValue": value} for key, value in given.items()
    ]
    try:
        if _exists(cloudformation, name):
            if _update(cloudformation, name, body, values):
                cloudformation.get_waiter("stack_update_complete").wait(
                    StackName=name, WaiterConfig={"Delay": 1}
                )
        else:
            cloudformation.create_stack(
                StackName=name, TemplateBody=body, Parameters=values, Capabilities=_CAPABILITIES
            )
            cloudformation.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1})
    except (ClientError, WaiterError) as error:
        raise StackError(f"the {name} stack did not deploy: {error}") from error
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return DeployedStack(
        name=name, outputs={output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    )


def _exists(cloudformation: CloudFormationClient, name: str) -> bool:
    try:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return False
        raise
    return stack["StackStatus"] != "DELETE_COMPLETE"


def _update(
    cloudformation: CloudFormationClient, name: str, body: str, values: list[ParameterTypeDef]
) -> bool:
    """Whether an update started; CloudFormation refuses one that would change nothing."""
    try:
        cloudformation.update_stack(
            StackName=name, TemplateBody=body, Parameters=values, Capabilities=_CAPABILITIES
        )
    except ClientError as error:
        if _NO_UPDATES in error.response.get("Error", {}).get("Message", ""):
            return False
        raise
    return True


def check_parameters(stack: str, template: Template, parameters: Mapping[str, str]) -> None:
    """Refuse what CloudFormation refuses: unknown names, missing values, values outside declared bounds."""
    declared: dict[str, dict[str, Any]] = template.get("Parameters", {})
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise StackParameterError(f"the {stack} stack has no parameter {', '.join(unknown)}")
    missing = sorted(
        name for name, spec in declared.items() if "Default" not in spec and name not in parameters
    )
    if missing:
        raise StackParameterError(f"the {stack} stack needs a value for {', '.join(missing)}")
    for name, value in parameters.items():
        problem = _parameter_problem(declared[name], value)
        if problem:
            raise StackParameterError(f"the {stack} stack's {name}={value!r} {problem}")
    _check_rules(stack, template, parameters)


def _check_rules(stack: str, template: Template, parameters: Mapping[str, str]) -> None:
    """Each rule's assertions where its RuleCondition holds (or it has none), as CloudFormation checks."""
    evaluator = Evaluator(template, parameters)
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not evaluator.truth(rule["RuleCondition"]):
            continue
        for assertion in rule["Assertions"]:
            if not evaluator.truth(assertion["Assert"]):
                reason = assertion.get("AssertDescription", "its assertion fails")
                raise StackParameterError(f"the {stack} stack's rule {name} refuses the parameters: {reason}")


def _parameter_problem(spec: Mapping[str, Any], value: str) -> str | None:
    allowed = [str(option) for option in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        return f"is not one of {', '.join(allowed)}"
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        return f"does not match its AllowedPattern {spec['AllowedPattern']}"
    if spec.get("Type") != "Number":
        return None
    try:
        number = float(value)
    except ValueError:
        return "is not a number"
    if "MinValue" in spec and number < float(spec["MinValue"]):
        return f"is below its MinValue {spec['MinValue']}"
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        return f"is above its MaxValue {spec['MaxValue']}"
    return None


def physical_ids(cloudformation: CloudFormationClient, stack: str, resource_type: str) -> dict[str, str]:
    """The physical id (name, URL, ...) of each of the stack's resources of `resource_type`, by logical id."""
    resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    return {
        resource["LogicalResourceId"]: resource["PhysicalResourceId"]
        for resource in resources
        # moto also lists the resources it skipped (the HTTP API, the alarms), without a type.
        if resource.get("ResourceType") == resource_type
    }


def enable_time_to_live(
    cloudformation: CloudFormationClient, dynamodb: DynamoDBClient, stack: str, template: Template
) -> None:
    """Apply each table's TimeToLiveSpecification from the template, which moto's CloudFormation ignores."""
    for logical_id, table_name in physical_ids(cloudformation, stack, "AWS::DynamoDB::Table").items():
        specification = template["Resources"][logical_id].get("Properties", {}).get("TimeToLiveSpecification")
        if not specification or not specification.get("Enabled"):
            continue
        # Enabling TTL again is an error, hence the look first.
        status = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": specification["AttributeName"]},
            )


def configure_buckets(
    cloudformation: CloudFormationClient,
    s3: S3Client,
    stack: str,
    template: Template,
    parameters: Mapping[str, str],
) -> None:
    """Apply the buckets' LifecycleConfiguration and CorsConfiguration, which moto's CloudFormation skips."""
    for logical_id, bucket in physical_ids(cloudformation, stack, "AWS::S3::Bucket").items():
        properties = template["Resources"][logical_id].get("Properties", {})
        if lifecycle := properties.get("LifecycleConfiguration"):
            rules = [_lifecycle_rule(rule, template, parameters) for rule in lifecycle["Rules"]]
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        if cors := properties.get("CorsConfiguration"):
            s3.put_bucket_cors(
                Bucket=bucket,
                CORSConfiguration={"CORSRules": [_cors_rule(rule) for rule in cors["CorsRules"]]},
            )


def _lifecycle_rule(rule: Mapping[str, Any], template: Template, parameters: Mapping[str, str]) -> Any:
    """CloudFormation's spelling of a lifecycle rule (AWS::S3::Bucket Rule) in S3's API's."""
    translated: dict[str, Any] = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        translated["Expiration"] = {"Days": int(_value(rule["ExpirationInDays"], template, parameters))}
    if "AbortIncompleteMultipartUpload" in rule:
        translated["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return translated


def _cors_rule(rule: Mapping[str, Any]) -> Any:
    names = ("AllowedMethods", "AllowedOrigins", "AllowedHeaders")
    translated = {name: rule[name] for name in names if name in rule}
    if "MaxAge" in rule:
        translated["MaxAgeSeconds"] = rule["MaxAge"]
    return translated


def _value(value: Any, template: Template, parameters: Mapping[str, str]) -> Any:
    """A literal, or a `!Ref` to a parameter: the value deployed, else the template's default."""
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        name = value["Ref"]
        return parameters.get(name, template["Parameters"][name]["Default"])
    return value


def function_environment(lambda_client: LambdaClient, function_name: str) -> dict[str, str]:
    """The environment variables the deployed function was given (Environment.Variables)."""
    configuration = lambda_client.get_function_configuration(FunctionName=function_name)
    variables: Mapping[str, Any] = configuration.get("Environment", {}).get("Variables", {})
    # moto hands back a number where Lambda hands back its text; a process's environment is text either way.
    return {name: str(value) for name, value in variables.items()}


def upload_placeholder_code(s3: S3Client, bucket: str, key: str = "placeholder.zip") -> str:
    """An S3 zip for the functions' CodeUri, in place of `sam package`'s upload of the real code.

    moto needs one to create a function but never runs it: the local stack runs each handler from the
    installed services in a process of its own, so the zip only has to exist.
    """
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("placeholder.py", "# moto never runs this; see conveyor_local.stacks\n")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=archive.getvalue())
    return f"s3://{bucket}/{key}"


def hide_known_gap_warnings() -> None:
    """Silence moto's warnings about the HTTP API and the alarms, which it skips (see above) on every deploy.

    Process-wide: for a program that deploys into an in-process moto server, such as `make dev`. Warnings
    about any other resource type still show.
    """
    warnings.filterwarnings("ignore", message=_KNOWN_GAPS, category=UserWarning)
    logging.getLogger("moto").addFilter(lambda record: not re.match(_KNOWN_GAPS, record.getMessage()))
