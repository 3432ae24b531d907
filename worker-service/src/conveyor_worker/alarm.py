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

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from types import FrameType

from conveyor_worker.job_types.context import JobTimedOutError

Alarm = Callable[[str, timedelta, Callable[[], None]], AbstractContextManager[bool]]
"""Arms an interruption of the code it wraps once the given time has passed, raising JobTimedOutError for the
named job, and the call of the last argument, on another thread, should the block still run OVERRUN_GRACE
later; the context's value says whether the interruption could be armed. Disarmed on leaving the block."""

OVERRUN_GRACE = timedelta(seconds=1)
"""How long after the deadline a run that has not stopped counts as one the interruption cannot reach: a
signal handler runs within microseconds of the main thread's return to Python."""


@contextmanager
def signal_alarm(job_id: str, after: timedelta, on_overrun: Callable[[], None]) -> Iterator[bool]:
    # A thread, not the signal, because the main thread is the one that may be stuck; daemon, so that it never
    # keeps a process alive. It runs only while the stuck call lets go of the GIL, as blocking C calls do.
    watch = threading.Timer((after + OVERRUN_GRACE).total_seconds(), on_overrun)
    watch.daemon = True
    watch.start()
    try:
        with _interrupt(job_id, after) as armed:
            yield armed
    finally:
        watch.cancel()


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
