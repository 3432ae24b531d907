"""What a person sees while a job is followed: a live rich progress bar on a terminal, a line per change
elsewhere (a log, a pipe), nothing under --json unless a person is watching stderr. And a line per change of
a DLQ redrive's count."""

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from conveyor_cli.render import progress_text


class JobDisplay(Protocol):
    def __enter__(self) -> "JobDisplay": ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...

    def show(self, record: Mapping[str, Any]) -> None: ...


def status_line(record: Mapping[str, Any]) -> str:
    """`IN_PROGRESS  attempt 2`: the status, and the attempt once there is one."""
    status, attempts = str(record.get("status")), record.get("attempts") or 0
    return status + (f"  attempt {attempts}" if status == "IN_PROGRESS" and attempts else "")


class LiveBar:
    """A rich progress bar: the status, the reported percent and message, the time since it started.

    Without a report the bar pulses (QUEUED, or a job type that reports nothing); a SUCCEEDED job fills it.
    """

    def __init__(self, console: Console, job_id: str) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="•"),
            TextColumn("{task.fields[status]}", markup=False),
            BarColumn(),
            TextColumn("{task.fields[percent]}", markup=False, justify="right"),
            TextColumn("{task.fields[message]}", markup=False),
            TimeElapsedColumn(),
            console=console,
        )
        self._job_id = job_id
        self._task: TaskID | None = None

    def __enter__(self) -> "LiveBar":
        self._progress.start()
        self._task = self._progress.add_task(self._job_id, total=None, status="", percent="", message="")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def show(self, record: Mapping[str, Any]) -> None:
        assert self._task is not None, "show() before entering the display"
        progress = record.get("progress")
        status = str(record.get("status"))
        percent: int | None = progress.get("percent") if isinstance(progress, Mapping) else None
        if status == "SUCCEEDED":
            percent = 100
        self._progress.update(
            self._task,
            total=None if percent is None else 100,
            completed=percent or 0,
            status=status_line(record),
            percent="" if percent is None else f"{percent}%",
            message=str(progress.get("message") or "") if isinstance(progress, Mapping) else "",
        )
        if status in ("SUCCEEDED", "FAILED"):
            self._progress.stop_task(self._task)
        self._progress.refresh()


class ChangeLines:
    """One line on stderr each time the status, the attempt or the report changes."""

    def __init__(self) -> None:
        self._last: str | None = None

    def __enter__(self) -> "ChangeLines":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None

    def show(self, record: Mapping[str, Any]) -> None:
        report = progress_text(record.get("progress"))
        line = status_line(record) + (f"  {report}" if report else "")
        if line != self._last:
            click.echo(line, err=True)
            self._last = line


class Quiet:
    def __enter__(self) -> "Quiet":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None

    def show(self, record: Mapping[str, Any]) -> None:
        return None


class MoveProgress:
    """`moved 120 of 500`, through `note`, each time SQS's counts of a message move task change."""

    def __init__(self, note: Callable[[str], None]) -> None:
        self._note = note
        self._last: str | None = None

    def show(self, moved: int, to_move: int | None) -> None:
        line = f"moved {moved}" + ("" if to_move is None else f" of {to_move}")
        if line != self._last:
            self._note(line)
            self._last = line


class BatchBar:
    """A rich progress bar of a batch's jobs: how many were sent, of how many, and for how long."""

    def __init__(self, console: Console, total: int) -> None:
        self._progress = Progress(
            TextColumn("Submitting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("jobs"),
            TimeElapsedColumn(),
            console=console,
        )
        self._task = self._progress.add_task("batch", total=total)

    def __enter__(self) -> "BatchBar":
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._progress.stop()

    def advance(self, jobs: int) -> None:
        self._progress.advance(self._task, jobs)


class NoBar:
    def __enter__(self) -> "NoBar":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None

    def advance(self, jobs: int) -> None:
        return None
