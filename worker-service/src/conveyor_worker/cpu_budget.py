"""Work run in a child process under a budget of CPU time, for work whose cost its input decides.

What a decoder costs is set by the bytes it is given: a progressive JPEG of 700 KB kept libjpeg busy for half
a minute (docs/design.md, Hostile images). Inside the worker's own process nothing can stop C code midway: a
Python signal handler runs only between bytecodes, and a thread cannot be killed. A forked child can be:

- the kernel ends it with SIGXCPU once it has used `cpu_seconds` of CPU (RLIMIT_CPU, set in the child at its
  start, when its CPU clock is at zero): the same cost on a busy machine as on an idle one;
- the parent kills it once `wall_seconds` have passed, for a child that waits instead of working (fork copies
  only the calling thread: a lock another thread held at the fork stays held in the child).

multiprocessing.Process with the fork start method and a Pipe is all it takes, and all that works on
Lambda: Lambda has no /dev/shm, so multiprocessing's Queue, Pool and Lock (POSIX semaphores) fail there. fork
is asked for by name, since Python 3.14 makes forkserver Linux's default. The child inherits the work and its
input through the fork, so only progress reports and the outcome are pickled, and it uses nothing of the
parent's but the pipe (never a client: its connections belong to the parent).
"""

import multiprocessing
import pickle
import resource
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, cast

_T = TypeVar("_T")

Report = Callable[[int, str], None]
"""Sends a progress report (percent, message) from the child to the parent's `report`."""

_FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Budget:
    cpu_seconds: int
    """CPU time (user and system) the child may use; RLIMIT_CPU counts whole seconds."""
    wall_seconds: float
    """Time from the fork to the outcome. Above `cpu_seconds`, since a child gets less than a whole CPU where
    it shares one (Lambda gives a function of 1024 MB about 0.58 of a vCPU)."""


class BudgetExceededError(Exception):
    """The child used up its CPU time or its wall-clock time and was stopped."""

    def __init__(self, clock: str, seconds: float) -> None:
        super().__init__(f"more than {seconds:g} s of {clock} time")
        self.clock = clock
        self.seconds = seconds


class ChildDiedError(Exception):
    """The child ended without an outcome: killed by a signal other than the budget's, or exited."""

    def __init__(self, exitcode: int) -> None:
        how = f"signal {signal.Signals(-exitcode).name}" if exitcode < 0 else f"exit status {exitcode}"
        super().__init__(f"the child process ended by {how}")
        self.exitcode = exitcode


def run_within_budget(work: Callable[[Report], _T], budget: Budget, *, report: Report) -> _T:
    """What `work(report)` returns, computed in a forked child; what it raises is raised here, with the
    child's traceback as a note. Raises BudgetExceededError when the child exceeds `budget` and ChildDiedError
    when it dies otherwise; either way it is gone when this returns. `report` runs here, in the parent."""
    receiver, sender = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=_child, args=(work, budget, sender), daemon=True)
    child.start()
    # The parent's copy of the sending end closed, the child's death shows here as the end of the pipe.
    sender.close()
    try:
        return cast(_T, _outcome(child, receiver, budget, report))
    finally:
        receiver.close()
        child.kill()  # nothing to do when it has ended
        child.join()
        child.close()


def _outcome(child: BaseProcess, receiver: Connection, budget: Budget, report: Report) -> Any:
    deadline = time.monotonic() + budget.wall_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not receiver.poll(remaining):
            raise BudgetExceededError("wall-clock", budget.wall_seconds)
        try:
            kind, *content = receiver.recv()
        except EOFError:
            child.join()
            exitcode = cast(int, child.exitcode)
            if exitcode == -signal.SIGXCPU:
                raise BudgetExceededError("CPU", budget.cpu_seconds) from None
            raise ChildDiedError(exitcode) from None
        if kind == "report":
            report(*content)
        elif kind == "returned":
            return content[0]
        else:
            raised, child_traceback = content
            raised.add_note(f"raised in the child process:\n{child_traceback}")
            raise raised


def _child(work: Callable[[Report], Any], budget: Budget, sender: Connection) -> None:
    def send_report(percent: int, message: str) -> None:
        sender.send(("report", percent, message))

    try:
        _limit(budget.cpu_seconds)
        sender.send(("returned", work(send_report)))
    except Exception as raised:
        sender.send(("raised", _picklable(raised), traceback.format_exc()))
    finally:
        sender.close()


def _limit(cpu_seconds: int) -> None:
    # SIGXCPU's default action ends the process; the parent may have set another. The hard limit, a second
    # later, is the kernel's SIGKILL should anything catch SIGXCPU all the same.
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    # SIGXCPU, like a decoder's crash, would otherwise dump the child's memory to a core file.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _picklable(raised: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(raised))
    except Exception:
        return RuntimeError(f"{type(raised).__qualname__}: {raised}")
    return raised
