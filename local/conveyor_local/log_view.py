"""How a line of a function's output shows in the `make dev` terminal.

The functions log JSON (Powertools). A record with `job_id` and `status` is a job transition and becomes one
compact line, e.g. `17:05:09 worker  3f2b8c1e…  SUCCEEDED    text_transform  12 ms`, with whichever of the
keys `job_type`, `attempt`, `error_code` and `duration_ms` it has. A CloudWatch EMF metrics document (the
functions print one per invocation that counted something) becomes one line too, e.g.
`17:05:09 worker  metrics   JobsClaimed=2 JobsSucceeded=2 QueueWait=12ms,30ms RunTime=8ms,9ms`: counts
summed, each measurement listed with its unit. Other JSON records (a job's lines that are not transitions
among them) show their level and message (and exception, if any); anything else is shown as it is.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

_LABEL_WIDTH = 7  # fits "worker", the longest process name
_LOUD_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})
_UNIT_SUFFIXES = {"Milliseconds": "ms", "Seconds": "s", "Microseconds": "µs", "Bytes": " B", "Percent": "%"}


def render_line(process: str, line: str, now: datetime) -> str | None:
    """The terminal line for one output line of `process`, or None to leave it out."""
    prefix = f"{now:%H:%M:%S} {process:<{_LABEL_WIDTH}}"
    record = _json_object(line)
    if record is None:
        return f"{prefix} | {line}"
    if "_aws" in record:
        metrics = _metrics(record)
        return f"{prefix} {'metrics':<9} {metrics}" if metrics is not None else f"{prefix} | {line}"
    if "job_id" in record and "status" in record:
        return f"{prefix} {_transition(record)}"
    text = f"{prefix} {record.get('level', '-'):<8} {record.get('message', line)}"
    if record.get("exception"):
        text += "\n" + "\n".join(f"    {row}" for row in str(record["exception"]).splitlines())
    return text


def _json_object(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _transition(record: dict[str, Any]) -> str:
    parts = [f"{str(record['job_id'])[:8]}…", f"{record['status']!s:<11}"]
    if "job_type" in record:
        parts.append(str(record["job_type"]))
    if "attempt" in record:
        parts.append(f"attempt {record['attempt']}")
    if "error_code" in record:
        parts.append(str(record["error_code"]))
    if "duration_ms" in record:
        parts.append(f"{record['duration_ms']} ms")
    if record.get("level") in _LOUD_LEVELS:
        parts.append(f"({record['level']}: {record.get('message', '')})")
    return "  ".join(parts)


def _metrics(document: dict[str, Any]) -> str | None:
    """`Name=value` for each metric of an EMF document, in its order; None if it is not one."""
    try:
        definitions = [
            metric for directive in document["_aws"]["CloudWatchMetrics"] for metric in directive["Metrics"]
        ]
        return " ".join(
            _metric(document, str(metric["Name"]), metric.get("Unit", "None")) for metric in definitions
        )
    except (KeyError, TypeError, ValueError):
        return None


def _metric(document: dict[str, Any], name: str, unit: str) -> str:
    raw = document[name]
    values = [float(value) for value in (raw if isinstance(raw, list) else [raw])]
    if unit in {"Count", "None"}:
        return f"{name}={_number(sum(values))}"
    suffix = _UNIT_SUFFIXES.get(unit, f" {unit}")
    return f"{name}=" + ",".join(f"{_number(value)}{suffix}" for value in values)


def _number(value: float) -> str:
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
