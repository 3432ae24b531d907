"""The Lambda entry point: settings and clients are built once, in the init phase, and reused while warm."""

from aws_lambda_powertools import Logger

from conveyor_worker.handlers.sqs import build_handler
from conveyor_worker.settings import Settings

# Powertools' Loggers of one service share one handler and its keys: the request id and cold start of the
# invocation, which this one adds, are on every line the handler's own Logger writes, as on the API's.
lambda_handler = Logger().inject_lambda_context(clear_state=True)(build_handler(Settings.from_env()))
