"""Stopping a job function that runs past its time budget, wherever it is, without its help.

A job function that never looks at its deadline (a pure Python loop, a long wait on a socket) is stopped by
SIGALRM: `signal.setitimer(ITIMER_REAL)` arms it, and its handler raises JobTimedOutError in the interrupted
frame, the way Ctrl-C raises KeyboardInterrupt. Python runs signal handlers only in the main thread, and only
between bytecodes: a wait in a system call is cut short (PEP 475 retries it only when the handler returns),
but a C call that runs long without returning to Python (a regular expression, a compression, a decoder) is
stopped only when it returns. For those there are the function's hard timeout and the claim's safety net
(docs/design.md, Time budgets); image_resize runs its decoder in a child process under a budget of its own.

Lambda's Python runtime calls the handler on the process's main thread, so the alarm is always armed there;
elsewhere (a test calling the handler from a thread) it cannot be, and the run is judged by the clock after
it returns.
"""

import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from types import FrameType

from conveyor_worker.job_types.context import JobTimedOutError

Alarm = Callable[[str, timedelta, Callable[[], None]], AbstractContextManager[bool]]
"""Arms an interruption of the code it wraps once the given time has passed, raising JobTimedOutError for the
named job, and the call of the last argument, on another thread, should the block still run OVERRUN_GRACE
later; the context's value says whether the interruption could be armed. Disarmed on leaving the block."""

_logger = logging.getLogger(__name__)

OVERRUN_GRACE = timedelta(seconds=1)
"""How long after the deadline a run that has not stopped counts as one the interruption cannot reach: a
signal handler runs within microseconds of the main thread's return to Python."""


@contextmanager
def signal_alarm(job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
    key = _OVERRUNS.watch(time.monotonic() + (after + OVERRUN_GRACE).total_seconds(), on_overrun)
    try:
        with _interrupt(job_id, after) as armed:
            yield armed
    finally:
        _OVERRUNS.forget(key)


class _OverrunWatch:
    """One daemon thread for the process, not one per run: starting a thread waits for the new thread to
    take the GIL, which costs a switch interval or more (5 ms each) when other threads are busy (measured:
    33 ms per run beside three busy threads; the alarm with this watch, 0.6 ms). A thread, not the signal,
    because the main thread is the one that may be stuck; it runs only while the stuck call lets go of the
    GIL, as blocking C calls do. Daemon, so that it never keeps a process alive."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: dict[object, tuple[float, Callable[[], None]]] = {}
        self._asleep_until = math.inf
        self._thread: threading.Thread | None = None

    def watch(self, at: float, on_overrun: Callable[[], None]) -> object:
        """Calls `on_overrun` on the watch thread at `at` (time.monotonic) unless forgotten before."""
        key = object()
        with self._changed:
            self._due[key] = (at, on_overrun)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="conveyor-overrun-watch", daemon=True)
                self._thread.start()
            # Only a sooner deadline wakes it: one run after another, each due after the one before, costs
            # the watch a single wake-up each, when the earlier one falls due, never one on the run's path.
            if at < self._asleep_until:
                self._changed.notify()
        return key

    def forget(self, key: object) -> None:
        with self._changed:
            self._due.pop(key, None)

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                overdue = [key for key, (at, _) in self._due.items() if at <= now]
                for key in overdue:
                    # Forgotten while an earlier report ran without the lock: it ended in time after all.
                    due = self._due.pop(key, None)
                    if due is None:
                        continue
                    _, on_overrun = due
                    self._changed.release()
                    try:
                        on_overrun()
                    except Exception:  # the watch serves every later run too
                        _logger.exception("an overrun's report failed")
                    finally:
                        self._changed.acquire()
                self._asleep_until = min((at for at, _ in self._due.values()), default=math.inf)
                timeout = self._asleep_until - time.monotonic()
                self._changed.wait(None if timeout == math.inf else max(timeout, 0))
                # Awake until it waits again; a watch added meanwhile is seen before then.
                self._asleep_until = -math.inf


_OVERRUNS = _OverrunWatch()


def _new_watch_in_child() -> None:
    # A forked child has none of its parent's threads, and the condition may have been held when it forked.
    global _OVERRUNS
    _OVERRUNS = _OverrunWatch()


os.register_at_fork(after_in_child=_new_watch_in_child)


@contextmanager
def _interrupt(job_id: str, after: timedelta) -> Iterator[bool]:
    if threading.current_thread() is not threading.main_thread():
        yield False
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise JobTimedOutError(job_id, after)

    previous = signal.signal(signal.SIGALRM, interrupt)
    # A budget of zero or less would disarm the timer instead of firing at once.
    signal.setitimer(signal.ITIMER_REAL, max(after.total_seconds(), 1e-6))
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def no_alarm(job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
    """For a processor whose runs are judged by its clock alone: tests on a fake or simulated clock."""
    yield False
