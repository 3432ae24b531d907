"""One function's process as the orchestrator runs it: started, its output shown live, started again if it
dies (as Lambda starts a new execution environment), stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from conveyor_local.console import Console
from conveyor_local.log_view import render_line

STOP_TIMEOUT_SECONDS = 10.0
STEADY_SECONDS = 10.0
"""A process that ran this long before it died is started again at once; one that dies sooner is failing at
start-up, and each new start waits longer (RESTART_DELAYS_SECONDS) instead of spinning."""
RESTART_DELAYS_SECONDS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
_OUTPUT_DRAIN_SECONDS = 5.0


def describe_exit(exit_code: int) -> str:
    """How a process ended, from its exit code (negative: the signal that killed it)."""
    if exit_code < 0:
        return f"was killed by {signal.Signals(-exit_code).name}"
    return f"exited ({exit_code})"


@dataclass
class ChildProcess:
    name: str
    command: list[str]
    env: dict[str, str]
    console: Console
    process: subprocess.Popen[str]
    pump: threading.Thread
    restarts: int = 0
    """How many times a new process took the place of one that died."""
    clock: Callable[[], float] = time.monotonic
    _started_at: float = 0.0
    _quick_exits: int = 0
    _restart_due: float | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        name: str,
        module: str,
        args: Sequence[str],
        env: Mapping[str, str],
        console: Console,
        *,
        clock: Callable[[], float] = time.monotonic,
        python: str = sys.executable,
    ) -> ChildProcess:
        command = [python, "-m", module, *args]
        process, pump = _spawn(name, command, env, console)
        return cls(
            name=name,
            command=command,
            env=dict(env),
            console=console,
            process=process,
            pump=pump,
            clock=clock,
            _started_at=clock(),
        )

    def exit_code(self) -> int | None:
        """None while it runs."""
        return self.process.poll()

    def keep_running(self) -> None:
        """If the process has died, says so and starts a new one with the same command and environment: at
        once, or after a delay while it keeps dying within STEADY_SECONDS of its start."""
        exit_code = self.process.poll()
        if exit_code is None:
            return
        now = self.clock()
        if self._restart_due is None:
            self._quick_exits = self._quick_exits + 1 if now - self._started_at < STEADY_SECONDS else 0
            delay = 0.0
            if self._quick_exits:
                delay = RESTART_DELAYS_SECONDS[min(self._quick_exits, len(RESTART_DELAYS_SECONDS)) - 1]
            self._restart_due = now + delay
            when = f" in {delay:g} s" if delay else ""
            self.console.error(
                f"conveyor: the {self.name} process {describe_exit(exit_code)}; starting a new one{when}, "
                "as Lambda starts a new execution environment"
            )
        if now >= self._restart_due:
            self._restart_due = None
            self._close_pipes()
            self.process, self.pump = _spawn(self.name, self.command, self.env, self.console)
            self._started_at = now
            self.restarts += 1

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.console.error(f"{self.name} did not stop within {STOP_TIMEOUT_SECONDS:g} s: killing it")
                self.process.kill()
                self.process.wait()
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        # The last lines of a process that died are shown before anything about its successor.
        self.pump.join(_OUTPUT_DRAIN_SECONDS)


def _spawn(
    name: str, command: list[str], env: Mapping[str, str], console: Console
) -> tuple[subprocess.Popen[str], threading.Thread]:
    process = subprocess.Popen(
        command,
        env=dict(env),
        # Never written to: it is the child's lifeline, closed when this process exits (see stop_signals).
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None  # for the type checker: stdout=PIPE
    pump = threading.Thread(
        target=_show_output, args=(name, process.stdout, console), name=f"{name}-output", daemon=True
    )
    pump.start()
    return process, pump


def _show_output(name: str, stream: IO[str], console: Console) -> None:
    for line in stream:
        rendered = render_line(name, line.rstrip("\n"), datetime.now())
        if rendered is not None:
            console.say(rendered)
