"""How the local stack's processes learn that they must stop (SIGINT from Ctrl-C, or SIGTERM).

Ctrl-C reaches every process of the terminal's group, and the orchestrator then also sends its children
SIGTERM: each process must stop once, cleanly, whatever the number and order of signals.

- A function's process has nothing to interrupt: it blocks the signals before starting any thread and
  collects them synchronously (`defer_stop_signals`, `wait_for_stop_signal`), on its main thread or, in the
  worker's, whose main thread runs the handler as Lambda's runtime does, on a thread of their own; so no
  exception ever lands inside a job, a thread join or a lock.
- The orchestrator's main thread does the start-up work itself, which Ctrl-C must be able to cut short:
  the first signal raises StopRequested there (`raise_on_stop_signals`), later ones do nothing.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived."""


def defer_stop_signals() -> None:
    """Hold SIGINT and SIGTERM pending, in this thread and in every thread it starts from now on."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def wait_for_stop_signal() -> None:
    """Return once SIGINT or SIGTERM arrives; only after defer_stop_signals, or a handler takes it first."""
    # sigwait, not sigtimedwait: macOS has no sigtimedwait.
    signal.sigwait(STOP_SIGNALS)


def raise_on_stop_signals() -> None:
    def _raise(signum: int, _frame: FrameType | None) -> None:
        ignore_stop_signals()
        raise StopRequested(signal.Signals(signum).name)

    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _raise)


def ignore_stop_signals() -> None:
    """While stopping: another stop signal must not cut the (bounded) clean-up short."""
    # A handler that does nothing, not SIG_IGN: a signal already pending when the disposition changes to
    # SIG_IGN makes CPython raise "OSError: Signal 15 ignored due to race condition" in the main thread.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _do_nothing)


def _do_nothing(_signum: int, _frame: FrameType | None) -> None:
    pass


def stop_when_stdin_closes() -> None:
    """Send this process SIGTERM once stdin reaches end of file.

    The orchestrator gives each child a pipe as stdin and never writes to it: it closes when the
    orchestrator exits, however it exits, even by SIGKILL, so no child outlives it holding a port.
    """

    def _watch() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader holds its lock, which
        # makes the interpreter's own shutdown abort with a fatal error.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=_watch, name="stdin-watch", daemon=True).start()
