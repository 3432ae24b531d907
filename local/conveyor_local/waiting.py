"""Waiting for something to become true, with a deadline, and probing HTTP endpoints."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable

_POLL_INTERVAL_SECONDS = 0.05


def wait_until(condition: Callable[[], bool], *, timeout_seconds: float, what: str) -> None:
    """Call `condition` until it returns True; TimeoutError naming `what` once the deadline passes."""
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done within {timeout_seconds:g} s")
        time.sleep(_POLL_INTERVAL_SECONDS)


def http_status(url: str) -> int | None:
    """The status a GET of `url` answers with, or None if nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None
