"""What every measurement shares: the repository's paths, the local AWS environment, statistics, sections."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conveyor_local.moto_server import start_moto_server
from conveyor_local.templates import load_template

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / "build"
BENCH_BUILD_DIR = BUILD_DIR / "bench"

# The credentials and region every local client uses (conveyor_local.config's); moto accepts any.
LOCAL_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class Section:
    """One measurement's part of docs/benchmarks.md: its markdown, and its figures for the JSON beside it."""

    title: str
    body: list[str]
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    failed: bool = False
    """A measurement that ran but broke what it checks (the soak losing a job): `make bench` then fails."""
    headline: str = ""
    """One line for the summary at the top of the document."""


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free port, this process's AWS environment aimed at it (as in tests/conftest.py)."""
    server = start_moto_server("127.0.0.1", 0)
    saved = {
        name: os.environ.get(name) for name in [*LOCAL_AWS_ENVIRONMENT, "AWS_ENDPOINT_URL", "AWS_PROFILE"]
    }
    os.environ.update(LOCAL_AWS_ENVIRONMENT, AWS_ENDPOINT_URL=server.endpoint_url)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield server.endpoint_url
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile by linear interpolation between closest ranks (as numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def machine() -> dict[str, Any]:
    """What the figures ran on: they only compare with figures from the same kind of machine."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A markdown table; numbers are written as given (format them before)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


POWERTOOLS_VARIABLES = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")


@contextmanager
def deployed_powertools(stack: str, logical_id: str) -> Iterator[None]:
    """While open, the Powertools settings of infra/<stack>'s function `logical_id` are the environment's: a
    handler built meanwhile names its log lines and publishes its metrics as that function does on Lambda.
    (Here one process builds every function; Powertools reads these variables when a Logger or Metrics is
    made.)"""
    variables = load_template(stack)["Resources"][logical_id]["Properties"]["Environment"]["Variables"]
    with environment({name: str(variables[name]) for name in POWERTOOLS_VARIABLES}):
        yield


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """While open, the environment has `variables`; afterwards each is as it was, or unset again."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
