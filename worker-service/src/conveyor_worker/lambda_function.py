"""The Lambda entry point: settings and clients are built once, in the init phase, and reused while warm."""

import boto3

from conveyor_worker.aws_call_budget import call_budget
from conveyor_worker.handlers.sqs import build_handler
from conveyor_worker.log_lines import service_logger
from conveyor_worker.settings import Settings

_settings = Settings.from_env()
# The lease is the function's timeout (docs/design.md, The lease invariant).
_config = call_budget(_settings.job_lease_seconds).config()

# Powertools' Loggers of one service share one handler and its keys: the request id and cold start of the
# invocation, which this one adds, are on every line the handler's own Logger writes, as on the API's.
lambda_handler = service_logger().inject_lambda_context(clear_state=True)(
    build_handler(
        _settings,
        dynamodb_client=boto3.client("dynamodb", config=_config),
        sqs_client=boto3.client("sqs", config=_config),
        s3_client=boto3.client("s3", config=_config),
    )
)
