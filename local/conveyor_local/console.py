"""The orchestrator's terminal output: whole lines, flushed at once, from any thread."""

from __future__ import annotations

import sys
import threading
from typing import TextIO


class Console:
    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
        self._out = out
        self._err = err
        # Log pumps of two processes print concurrently; a line must never be split by another.
        self._lock = threading.Lock()

    def say(self, text: str = "") -> None:
        with self._lock:
            # Flushed line by line: a parent reading our stdout through a pipe (a test) sees it live.
            print(text, file=self._out, flush=True)

    def error(self, text: str) -> None:
        with self._lock:
            print(text, file=self._err, flush=True)
