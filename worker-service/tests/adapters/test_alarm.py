"""The real alarm (SIGALRM through setitimer) stops a job function that never looks at its deadline, in the
main thread, where Lambda's Python runtime calls the handler (docs/design.md, Time budgets)."""

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from conveyor_worker.alarm import OVERRUN_GRACE, signal_alarm
from conveyor_worker.job_types.context import JobTimedOutError

SHORT = timedelta(milliseconds=50)


def _never_called() -> None:
    raise AssertionError("a run the interruption stopped is not an overrun")


def _spins_forever() -> None:
    spins = 0
    while True:
        spins += 1


def test_a_pure_python_loop_that_never_looks_is_interrupted_where_it_stands() -> None:
    with signal_alarm("job-1", SHORT, _never_called) as armed:
        assert armed
        with pytest.raises(JobTimedOutError, match=r"time budget of 0\.05 s"):
            _spins_forever()


def test_a_broad_except_in_the_job_function_does_not_swallow_the_interruption() -> None:
    def swallows_everything() -> None:
        while True:
            with contextlib.suppress(Exception):  # what a careless job function does
                sum(range(1000))

    with pytest.raises(JobTimedOutError), signal_alarm("job-1", SHORT, _never_called):
        swallows_everything()


def test_a_long_wait_is_cut_short() -> None:
    started = time.monotonic()
    with pytest.raises(JobTimedOutError), signal_alarm("job-1", SHORT, _never_called):
        time.sleep(30)
    assert time.monotonic() - started < 5


def test_a_run_within_its_budget_leaves_no_timer_armed_and_the_previous_handler_back() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with signal_alarm("job-1", timedelta(seconds=30), _never_called):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_off_the_main_thread_it_is_not_armed_and_says_so() -> None:
    seen: list[bool] = []

    def run() -> None:
        with signal_alarm("job-1", SHORT, _never_called) as armed:
            seen.append(armed)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert seen == [False]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_run_the_interruption_cannot_reach_is_reported_as_an_overrun_from_another_thread() -> None:
    # Off the main thread nothing interrupts it, as nothing reaches a main thread stuck in a long C call.
    overruns: list[str] = []
    reported = threading.Event()

    def overrun() -> None:
        overruns.append(threading.current_thread().name)
        reported.set()

    def stuck() -> None:
        with signal_alarm("job-1", SHORT, overrun):
            reported.wait(timeout=(SHORT + OVERRUN_GRACE).total_seconds() + 10)

    worker = threading.Thread(target=stuck, name="stuck")
    worker.start()
    worker.join()
    assert len(overruns) == 1
    assert overruns[0] != "stuck"


def test_runs_one_after_another_share_one_watch_thread() -> None:
    # A thread started per run costs the run a wait for the GIL each time (alarm.py, _OverrunWatch).
    for _ in range(20):
        with signal_alarm("job-1", timedelta(seconds=30), _never_called):
            pass
    watches = [thread for thread in threading.enumerate() if thread.name == "conveyor-overrun-watch"]
    assert len(watches) == 1


def test_runs_at_once_are_each_reported_when_they_overrun_and_a_finished_one_is_not() -> None:
    overruns: list[str] = []
    reported = {name: threading.Event() for name in ("late", "later")}

    def stuck(name: str, after: timedelta) -> None:
        def overrun() -> None:
            overruns.append(name)
            reported[name].set()

        with signal_alarm(name, after, overrun):
            reported[name].wait(timeout=(after + OVERRUN_GRACE).total_seconds() + 10)

    runs = [
        threading.Thread(target=stuck, args=("later", SHORT * 4)),
        threading.Thread(target=stuck, args=("late", SHORT)),
    ]
    for run in runs:
        run.start()
    # Watched while the other two wait, and forgotten long before its deadline.
    with signal_alarm("finished", SHORT * 2, _never_called):
        pass
    for run in runs:
        run.join()
    assert overruns == ["late", "later"]


def test_a_run_ending_while_another_overrun_is_reported_is_not_reported_and_the_watch_goes_on() -> None:
    # The watch is held up by a first report until two more runs are overdue: it finds both at once, and while
    # the first of them is reported (without the watch's lock), the second ends in time after all.
    overruns: list[str] = []
    both_due, second_ended, reported = threading.Event(), threading.Event(), threading.Event()

    def stuck(name: str, on_overrun: Callable[[], None], until: threading.Event) -> threading.Thread:
        def run() -> None:
            with signal_alarm(name, SHORT, on_overrun):
                until.wait(timeout=30)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def holding_up() -> None:
        overruns.append("holding up")
        both_due.wait(timeout=30)

    def first() -> None:
        overruns.append("first")
        second_ended.wait(timeout=30)

    def second() -> None:
        with signal_alarm("second", SHORT, _never_called):
            while "first" not in overruns:
                time.sleep(0.001)
        second_ended.set()

    runs = [stuck("holding up", holding_up, both_due)]
    time.sleep(0.01)
    runs += [stuck("first", first, second_ended), threading.Thread(target=second)]
    runs[-1].start()
    time.sleep((SHORT + OVERRUN_GRACE).total_seconds() + 0.5)
    both_due.set()
    for run in runs:
        run.join()

    def later() -> None:
        overruns.append("later")
        reported.set()

    runs = [stuck("later", later, reported)]
    runs[0].join()
    assert overruns == ["holding up", "first", "later"]
