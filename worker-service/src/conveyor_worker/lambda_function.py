"""The Lambda entry point: settings and clients are built once, in the init phase, and reused while warm."""

import boto3

from conveyor_worker.aws_call_budget import call_budget
from conveyor_worker.handlers.sqs import build_handler
from conveyor_worker.settings import Settings

_settings = Settings.from_env()
# The lease is the function's timeout (docs/design.md, the lease invariant).
_config = call_budget(_settings.job_lease_seconds).config()

lambda_handler = build_handler(
    _settings,
    dynamodb_client=boto3.client("dynamodb", config=_config),
    sqs_client=boto3.client("sqs", config=_config),
    s3_client=boto3.client("s3", config=_config),
)
