"""A function's process that dies is started again, as Lambda starts a new execution environment, with a line
saying so; one that keeps dying at start-up waits longer before each new start instead of spinning."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator

import pytest
from conveyor_local.child_process import RESTART_DELAYS_SECONDS, STEADY_SECONDS, ChildProcess
from conveyor_local.console import Console

from tests.support.contract import REPO_ROOT
from tests.support.waiting import wait_for

TOY = "tests.local.toy_function"
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal:
    """What the orchestrator's console printed, as one would read it."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.console = Console(out=self.out, err=self.err)

    def lines(self) -> list[str]:
        return [*self.out.getvalue().splitlines(), *self.err.getvalue().splitlines()]


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def toy(terminal: Terminal, clock: FakeClock) -> Iterator[ChildProcess]:
    child = ChildProcess.start("toy", TOY, [], ENVIRONMENT, terminal.console, clock=clock)
    yield child
    child.stop()


def _started_lines(terminal: Terminal) -> int:
    return sum("toy function started" in line for line in terminal.lines())


def test_a_killed_process_is_started_again_at_once_with_a_line_saying_so(
    toy: ChildProcess, terminal: Terminal, clock: FakeClock
) -> None:
    wait_for(lambda: _started_lines(terminal) == 1, timeout=30, what="the toy to start")
    first = toy.process
    clock.now += STEADY_SECONDS  # it ran steadily before it died

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    toy.keep_running()

    assert toy.process is not first
    assert toy.exit_code() is None
    assert toy.restarts == 1
    assert (
        "conveyor: the toy process was killed by SIGKILL; starting a new one, "
        "as Lambda starts a new execution environment"
    ) in terminal.lines()
    wait_for(lambda: _started_lines(terminal) == 2, timeout=30, what="the new toy to start")


def test_a_running_process_is_left_alone(toy: ChildProcess, clock: FakeClock) -> None:
    running = toy.process
    clock.now += 3600

    toy.keep_running()

    assert (toy.process, toy.restarts) == (running, 0)


def test_stopping_after_a_restart_stops_the_new_process(toy: ChildProcess, clock: FakeClock) -> None:
    clock.now += STEADY_SECONDS
    toy.process.kill()
    toy.process.wait(timeout=10)
    toy.keep_running()

    toy.stop()

    assert toy.exit_code() is not None


def test_a_process_that_keeps_dying_at_start_up_waits_longer_before_each_new_start(
    terminal: Terminal, clock: FakeClock
) -> None:
    child = ChildProcess.start("toy", TOY, ["--die", "3"], ENVIRONMENT, terminal.console, clock=clock)
    try:
        waits: list[float] = []
        for _ in range(3):
            child.process.wait(timeout=30)
            clock.now += 0.5  # died within its first seconds
            child.keep_running()
            restarts = child.restarts
            due = RESTART_DELAYS_SECONDS[len(waits)]
            clock.now += due - 0.01
            child.keep_running()
            assert child.restarts == restarts  # not yet
            clock.now += 0.01
            child.keep_running()
            assert child.restarts == restarts + 1
            waits.append(due)
    finally:
        child.stop()

    assert waits == [1.0, 2.0, 4.0]
    assert [line for line in terminal.lines() if line.startswith("conveyor:")] == [
        f"conveyor: the toy process exited (3); starting a new one in {wait:g} s, "
        "as Lambda starts a new execution environment"
        for wait in waits
    ]
