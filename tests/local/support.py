"""Helpers shared by the local stack's tests."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from conveyor_local.aws import s3_client
from conveyor_local.provision import ProvisionedResources, provision_core

from tests.support.stack import core_template_for_tests

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient


def unique_name(prefix: str) -> str:
    """A resource name no other test uses, so tests can share one moto server."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def core_stack(
    cloudformation: CloudFormationClient,
    dynamodb: DynamoDBClient,
    *,
    visibility_timeout_seconds: int,
    max_receive_count: int,
) -> ProvisionedResources:
    """A core stack of its own (tables, queue, DLQ), with the cross-service suites' short timeouts."""
    return provision_core(
        cloudformation,
        dynamodb,
        s3_client(cloudformation.meta.endpoint_url),
        stack_name=unique_name("conveyor-test"),
        parameters={
            "QueueVisibilityTimeoutSeconds": str(visibility_timeout_seconds),
            "MaxReceiveCount": str(max_receive_count),
        },
        template=core_template_for_tests(),
    )
