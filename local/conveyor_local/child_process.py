"""One function's process as the orchestrator runs it: started, its output shown live, stopped."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from conveyor_local.console import Console
from conveyor_local.log_view import render_line

STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class ChildProcess:
    name: str
    process: subprocess.Popen[str]
    pump: threading.Thread
    console: Console

    @classmethod
    def start(
        cls, name: str, module: str, args: Sequence[str], env: Mapping[str, str], console: Console
    ) -> ChildProcess:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
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
        return cls(name=name, process=process, pump=pump, console=console)

    def exit_code(self) -> int | None:
        """None while it runs."""
        return self.process.poll()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.console.error(f"{self.name} did not stop within {STOP_TIMEOUT_SECONDS:g} s: killing it")
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.pump.join()


def _show_output(name: str, stream: IO[str], console: Console) -> None:
    for line in stream:
        rendered = render_line(name, line.rstrip("\n"), datetime.now())
        if rendered is not None:
            console.say(rendered)
