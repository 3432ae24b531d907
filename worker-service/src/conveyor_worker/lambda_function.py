"""The Lambda entry point: settings and clients are built once, in the init phase, and reused while warm."""

from conveyor_worker.handlers.sqs import build_handler
from conveyor_worker.settings import Settings

lambda_handler = build_handler(Settings.from_env())
