"""Work run in a forked child under a budget: its outcome comes back to the parent, and a child that spends
more CPU or wall-clock time than its budget, or dies, is gone once the parent hears of it."""

import faulthandler
import os
import signal
import time
from typing import NoReturn

import pytest

from conveyor_worker.cpu_budget import Budget, BudgetExceededError, ChildDiedError, Report, run_within_budget
from conveyor_worker.job_types.errors import PermanentJobError

ROOMY = Budget(cpu_seconds=10, wall_seconds=60)


class Reports:
    def __init__(self) -> None:
        self.received: list[tuple[int, str]] = []

    def __call__(self, percent: int, message: str) -> None:
        self.received.append((percent, message))

    def child_pid(self) -> int:
        """The pid a child reported as its first message."""
        return int(self.received[0][1])


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_work_runs_in_another_process_and_what_it_returns_comes_back_whole() -> None:
    body = os.urandom(5_000_000)  # far more than a pipe holds at once

    pid, returned = run_within_budget(lambda report: (os.getpid(), body), ROOMY, report=Reports())

    assert pid != os.getpid()
    assert returned == body
    assert_gone(pid)


def test_reports_reach_the_parent_in_order_before_the_outcome() -> None:
    reports = Reports()

    def work(report: Report) -> str:
        report(10, "first")
        report(60, "second")
        return "done"

    assert run_within_budget(work, ROOMY, report=reports) == "done"
    assert reports.received == [(10, "first"), (60, "second")]


def test_a_permanent_job_error_raised_in_the_child_is_raised_in_the_parent_with_its_code() -> None:
    def work(report: Report) -> None:
        raise PermanentJobError("CORRUPT_IMAGE", "the file does not decode")

    with pytest.raises(PermanentJobError) as raised:
        run_within_budget(work, ROOMY, report=Reports())

    assert (raised.value.code, raised.value.message) == ("CORRUPT_IMAGE", "the file does not decode")
    assert "raised in the child process" in raised.value.__notes__[0]


def test_an_exception_that_cannot_cross_the_pipe_arrives_as_a_runtime_error_naming_it() -> None:
    class Unpicklable(Exception):
        pass

    def work(report: Report) -> None:
        raise Unpicklable("a class of the test's own: pickle cannot find it by name")

    with pytest.raises(RuntimeError, match="Unpicklable: a class of the test's own"):
        run_within_budget(work, ROOMY, report=Reports())


def test_a_child_that_spends_its_cpu_budget_is_stopped_by_the_kernel() -> None:
    reports = Reports()

    def spin(report: Report) -> NoReturn:
        report(0, str(os.getpid()))
        while True:
            pass

    with pytest.raises(BudgetExceededError) as exceeded:
        run_within_budget(spin, Budget(cpu_seconds=1, wall_seconds=60), report=reports)

    assert (exceeded.value.clock, exceeded.value.seconds) == ("CPU", 1)
    assert_gone(reports.child_pid())


def test_waiting_costs_no_cpu_budget() -> None:
    def wait(report: Report) -> str:
        time.sleep(1.5)
        return "woke"

    assert run_within_budget(wait, Budget(cpu_seconds=1, wall_seconds=60), report=Reports()) == "woke"


def test_a_child_still_running_at_its_wall_clock_budget_is_killed() -> None:
    reports = Reports()

    def wait(report: Report) -> None:
        report(0, str(os.getpid()))
        time.sleep(60)

    with pytest.raises(BudgetExceededError) as exceeded:
        run_within_budget(wait, Budget(cpu_seconds=10, wall_seconds=0.5), report=reports)

    assert (exceeded.value.clock, exceeded.value.seconds) == ("wall-clock", 0.5)
    assert_gone(reports.child_pid())


@pytest.mark.parametrize(
    "killed_by", [signal.SIGSEGV, signal.SIGKILL], ids=["a-decoders-crash", "the-out-of-memory-killer"]
)
def test_a_child_killed_by_a_signal_is_a_death_that_names_it(killed_by: signal.Signals) -> None:
    def crash(report: Report) -> None:
        faulthandler.disable()  # pytest's, inherited: it would print the child's stack first
        os.kill(os.getpid(), killed_by)

    with pytest.raises(ChildDiedError, match=f"signal {killed_by.name}") as died:
        run_within_budget(crash, ROOMY, report=Reports())

    assert died.value.exitcode == -killed_by


def test_an_error_of_the_parents_report_stops_the_child() -> None:
    pids: list[int] = []

    def refuse(percent: int, message: str) -> None:
        pids.append(int(message))
        raise ValueError("percent must be from 0 to 100")

    def work(report: Report) -> None:
        report(0, str(os.getpid()))
        time.sleep(60)

    with pytest.raises(ValueError, match="percent must be"):
        run_within_budget(work, ROOMY, report=refuse)

    assert_gone(pids[0])
