"""The Lambda entry point: settings and AWS clients are made once, at init, and reused by warm invocations."""

from conveyor_api.aws_call_budget import call_budget
from conveyor_api.handlers.http import build_handler, logger
from conveyor_api.settings import Settings

lambda_handler = logger.inject_lambda_context(clear_state=True)(
    build_handler(Settings.from_env(), client_config=call_budget().config())
)
