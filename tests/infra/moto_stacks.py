"""Stacks in the session's moto server, through CloudFormation as `sam deploy` would create them."""

from __future__ import annotations

import json
import uuid

import boto3

from tests.infra.templates import Template


def deploy(name: str, template: Template, **parameters: str) -> dict[str, str]:
    """Create the stack, wait for it, and return its outputs."""
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
    )
    cloudformation.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1})
    (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def deploy_outputs_only(prefix: str, outputs: dict[str, str]) -> str:
    """A stand-in stack with the given outputs (and one bucket, since a stack needs a resource); its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    deploy(
        name,
        {
            "Resources": {"Placeholder": {"Type": "AWS::S3::Bucket"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        },
    )
    return name
