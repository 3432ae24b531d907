"""The sweeper's Lambda entry point: settings and clients are built once, in the init phase."""

from conveyor_worker.handlers.sweeper import build_handler
from conveyor_worker.settings import SweeperSettings

lambda_handler = build_handler(SweeperSettings.from_env())
