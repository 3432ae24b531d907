"""The cold-start benchmark imports each handler module with an environment of its own, which must hold every
setting the functions read at import: a missing one would make the benchmark time an init that fails."""

from __future__ import annotations

from conveyor_api.settings import Settings as ApiSettings
from conveyor_worker.settings import Settings as WorkerSettings
from conveyor_worker.settings import SweeperSettings

from bench.cold_start import FUNCTION_ENVIRONMENT


def test_the_environment_configures_every_function() -> None:
    ApiSettings.from_env(FUNCTION_ENVIRONMENT)
    WorkerSettings.from_env(FUNCTION_ENVIRONMENT)
    SweeperSettings.from_env(FUNCTION_ENVIRONMENT)
