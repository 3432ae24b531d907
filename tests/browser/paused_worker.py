"""The local stack's worker, stopped (SIGSTOP) for as long as a test needs a job to stay QUEUED for real,
then let go on (SIGCONT): a fleet that stalls, as tests/e2e/test_make_dev.py's backlog test makes one."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conveyor_local.config import SQS_WAIT_TIME_SECONDS

from tests.support.local_stack import LocalStack

WORKER_MODULE = "conveyor_local.worker_process"


@contextmanager
def paused_worker(stack: LocalStack) -> Iterator[None]:
    [worker] = stack.function_pids(WORKER_MODULE)
    os.kill(worker, signal.SIGSTOP)
    try:
        # Its last long poll, already in moto, would still take a message sent before it ends.
        time.sleep(SQS_WAIT_TIME_SECONDS + 0.5)
        yield
    finally:
        os.kill(worker, signal.SIGCONT)
