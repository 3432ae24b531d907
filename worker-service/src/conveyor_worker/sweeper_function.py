"""The sweeper's Lambda entry point: settings and clients are built once, in the init phase."""

import boto3

from conveyor_worker.aws_call_budget import SWEEPER_TIMEOUT_SECONDS, call_budget
from conveyor_worker.handlers.sweeper import build_handler
from conveyor_worker.log_lines import service_logger
from conveyor_worker.settings import SweeperSettings

_config = call_budget(SWEEPER_TIMEOUT_SECONDS).config()

# Powertools' Loggers of one service share one handler and its keys: the request id and cold start of the
# invocation, which this one adds, are on every line the sweeper's own Logger writes.
lambda_handler = service_logger().inject_lambda_context(clear_state=True)(
    build_handler(
        SweeperSettings.from_env(),
        dynamodb_client=boto3.client("dynamodb", config=_config),
        sqs_client=boto3.client("sqs", config=_config),
    )
)
