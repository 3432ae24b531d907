"""boto3 clients for the local stack's own calls (deploying stacks, the SQS poller, the user pool): moto."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from conveyor_local.config import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient


def _session(region: str) -> boto3.session.Session:
    # Explicit fake credentials: whatever the developer's shell holds, these clients cannot sign for a real
    # account, and they never depend on a profile being configured.
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY, region_name=region
    )


def sqs_client(endpoint_url: str, region: str = REGION) -> SQSClient:
    return _session(region).client("sqs", endpoint_url=endpoint_url)


def dynamodb_client(endpoint_url: str, region: str = REGION) -> DynamoDBClient:
    return _session(region).client("dynamodb", endpoint_url=endpoint_url)


def cloudformation_client(endpoint_url: str, region: str = REGION) -> CloudFormationClient:
    return _session(region).client("cloudformation", endpoint_url=endpoint_url)


def lambda_client(endpoint_url: str, region: str = REGION) -> LambdaClient:
    return _session(region).client("lambda", endpoint_url=endpoint_url)


def s3_client(endpoint_url: str, region: str = REGION) -> S3Client:
    return _session(region).client("s3", endpoint_url=endpoint_url)


def sesv2_client(endpoint_url: str, region: str = REGION) -> SESV2Client:
    return _session(region).client("sesv2", endpoint_url=endpoint_url)


def cognito_idp_client(endpoint_url: str, region: str = REGION) -> CognitoIdentityProviderClient:
    return _session(region).client("cognito-idp", endpoint_url=endpoint_url)
