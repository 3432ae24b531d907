"""The local stack's worker, stopped (SIGSTOP) for as long as a test needs a job to stay QUEUED for real,
then let go on (SIGCONT): a fleet that stalls, as tests/e2e/test_make_dev.py's backlog test makes one."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conveyor_local.config import SQS_WAIT_TIME_SECONDS

from tests.support.local_stack import LocalStack

WORKER_MODULE = b"conveyor_local.worker_process"


@contextmanager
def paused_worker(stack: LocalStack) -> Iterator[None]:
    [worker] = _worker_pids(stack)
    os.kill(worker, signal.SIGSTOP)
    try:
        # Its last long poll, already in moto, would still take a message sent before it ends.
        time.sleep(SQS_WAIT_TIME_SECONDS + 0.5)
        yield
    finally:
        os.kill(worker, signal.SIGCONT)


def _worker_pids(stack: LocalStack) -> list[int]:
    """The stack's processes (its process group) running the worker's module."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            command = (Path(entry.path) / "cmdline").read_bytes().split(b"\0")
            group = os.getpgid(int(entry.name))
        except (OSError, ProcessLookupError):  # it ended while we looked
            continue
        if group == stack.process.pid and WORKER_MODULE in command:
            pids.append(int(entry.name))
    return pids
