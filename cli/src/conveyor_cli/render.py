"""How records, pages of jobs and dead letters look to people: rich renderables, built from the documents.

Every text that comes from the API or a queue goes in as `Text`, never as console markup, so a progress
message or a payload cannot restyle the terminal.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from rich.console import RenderableType
from rich.json import JSON
from rich.table import Table
from rich.text import Text

STATUS_STYLES = {"QUEUED": "cyan", "IN_PROGRESS": "yellow", "SUCCEEDED": "green", "FAILED": "red"}


def status_text(status: Any) -> Text:
    return Text(str(status), style=STATUS_STYLES.get(str(status), ""))


def progress_text(progress: Any) -> str:
    """`40%  resizing`, or "" without a report."""
    if not isinstance(progress, Mapping):
        return ""
    message = str(progress.get("message") or "")
    return f"{progress.get('percent', 0)}%" + (f"  {message}" if message else "")


def error_text(error: Any) -> str:
    if not isinstance(error, Mapping):
        return ""
    return f"{error.get('code', '?')}: {error.get('message', '')}"


def record_view(record: Mapping[str, Any]) -> RenderableType:
    """The record's fields, one per line; those without a value left out."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows: list[tuple[str, RenderableType | None]] = [
        ("Job", Text(str(record.get("job_id")))),
        ("Type", Text(str(record.get("job_type")))),
        ("Status", status_text(record.get("status"))),
        ("Created", _text(record.get("created_at"))),
        ("Runs at", _text(record.get("run_at"))),
        ("Started", _text(record.get("started_at"))),
        ("Finished", _finished(record)),
        ("Attempts", Text(str(record.get("attempts", 0)))),
        ("Progress", _progress(record.get("progress"))),
        ("Result", None if record.get("result") is None else JSON.from_data(record["result"], indent=2)),
        ("Result URL", _text(record.get("result_url"))),
        ("Error", Text(error_text(record.get("error")), style="red") if record.get("error") else None),
    ]
    for label, value in rows:
        if value is not None:
            grid.add_row(label, value)
    return grid


def job_table(jobs: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("JOB ID", no_wrap=True)
    table.add_column("TYPE")
    table.add_column("STATUS", no_wrap=True)
    table.add_column("CREATED (UTC)")
    table.add_column("PROGRESS / ERROR", overflow="fold")
    for job in jobs:
        error = job.get("error")
        note = (
            str(error.get("code", "")) if isinstance(error, Mapping) else progress_text(job.get("progress"))
        )
        table.add_row(
            Text(str(job.get("job_id"))),
            Text(str(job.get("job_type"))),
            status_text(job.get("status")),
            Text(_short_time(job.get("created_at"))),
            Text(note),
        )
    return table


def dead_letter_table(letters: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("JOB ID", no_wrap=True)
    table.add_column("TYPE")
    table.add_column("SUBMITTED (UTC)")
    table.add_column("RECEIVES", justify="right")
    table.add_column("SENT (UTC)")
    for letter in letters:
        job_id = letter.get("job_id")
        table.add_row(
            Text(str(job_id)) if job_id else Text(f"(not a job message: {letter.get('body', '')!s:.40})"),
            Text(str(letter.get("job_type") or "")),
            Text(_short_time(letter.get("submitted_at"))),
            Text(str(letter.get("receive_count", ""))),
            Text(_short_time(letter.get("sent_at"))),
        )
    return table


def duration_text(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _text(value: Any) -> Text | None:
    return None if value is None else Text(str(value))


def _finished(record: Mapping[str, Any]) -> Text | None:
    finished = record.get("finished_at")
    if finished is None:
        return None
    started, ended = _time(record.get("started_at")), _time(finished)
    ran = f"  (ran {duration_text((ended - started).total_seconds())})" if started and ended else ""
    return Text(f"{finished}{ran}")


def _progress(progress: Any) -> Text | None:
    if not isinstance(progress, Mapping):
        return None
    updated = progress.get("updated_at")
    return Text(progress_text(progress) + (f"  (reported {updated})" if updated else ""))


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _short_time(value: Any) -> str:
    """`2026-11-24 17:29:37`: the table's width goes to the ids; --json has the exact times."""
    when = _time(value)
    return when.strftime("%Y-%m-%d %H:%M:%S") if when else str(value or "")
