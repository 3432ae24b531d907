"""The worker function's process: its Lambda handler behind the SQS event source emulator.

Started by the orchestrator with the function's environment (see docs/design.md); stops on SIGINT, SIGTERM
or when its stdin closes, after the batch in hand (if any) is finished. Its main thread polls and runs the
handler; a thread waits for the stop signals.
"""

from __future__ import annotations

import argparse
import logging
import threading

from conveyor_local.aws import sqs_client
from conveyor_local.aws_call_log import log_aws_calls
from conveyor_local.config import WORKER_FUNCTION_NAME
from conveyor_local.lambda_runtime import load_handler
from conveyor_local.sqs_event_source import SqsEventSource
from conveyor_local.stop_signals import defer_stop_signals, stop_when_stdin_closes, wait_for_stop_signal

HANDLER = "conveyor_worker.lambda_function.lambda_handler"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--aws-endpoint-url", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--queue-arn", required=True)
    args = parser.parse_args(argv)
    # Warnings and errors only: the emulators log nothing else, and the libraries' INFO lines are noise here.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    defer_stop_signals()
    stop_when_stdin_closes()
    sqs = sqs_client(args.aws_endpoint_url)
    # On AWS the event source mapping receives and deletes with the function's role: these calls are its.
    log_aws_calls("worker", sqs)
    event_source = SqsEventSource(
        sqs,
        load_handler(HANDLER),
        queue_url=args.queue_url,
        queue_arn=args.queue_arn,
        function_name=WORKER_FUNCTION_NAME,
    )
    stop = threading.Event()

    def stop_on_signal() -> None:
        wait_for_stop_signal()
        stop.set()

    threading.Thread(target=stop_on_signal, name="stop-signals", daemon=True).start()
    # The handler runs on the main thread, as Lambda's runtime runs it: the worker's time budgets stop a run
    # with SIGALRM, whose Python handler only the main thread runs.
    event_source.run(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
