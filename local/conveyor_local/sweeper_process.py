"""The sweeper function's process: its Lambda handler behind the EventBridge schedule emulator.

Started by the orchestrator with the function's environment (see docs/design.md); stops on SIGINT, SIGTERM
or when its stdin closes.
"""

from __future__ import annotations

import argparse
import logging
import threading

from conveyor_local.aws_call_log import log_aws_calls
from conveyor_local.config import SWEEPER_FUNCTION_NAME, WORKER_TIMEOUT_SECONDS
from conveyor_local.lambda_runtime import load_handler
from conveyor_local.schedule import Schedule
from conveyor_local.stop_signals import defer_stop_signals, stop_when_stdin_closes, wait_for_stop_signal

HANDLER = "conveyor_worker.sweeper_function.lambda_handler"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval-seconds", type=float, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    defer_stop_signals()
    stop_when_stdin_closes()
    log_aws_calls("sweeper")
    schedule = Schedule(
        load_handler(HANDLER),
        function_name=SWEEPER_FUNCTION_NAME,
        interval_seconds=args.interval_seconds,
        timeout_seconds=WORKER_TIMEOUT_SECONDS,
    )
    stop = threading.Event()
    ticker = threading.Thread(target=schedule.run, args=(stop,), name="schedule")
    ticker.start()
    wait_for_stop_signal()
    stop.set()
    ticker.join()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
