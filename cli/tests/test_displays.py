"""The live progress bar a person sees at a terminal, and the lines written elsewhere."""

import io

import pytest
from fakes import progress, record
from rich.console import Console

from conveyor_cli.displays import BatchBar, ChangeLines, LiveBar


def terminal() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, color_system=None, width=120), screen


def last_frame(screen: io.StringIO) -> str:
    """The bar as last drawn: Live redraws the same line, after cursor movements."""
    frames = [frame.strip() for frame in screen.getvalue().replace("\x1b[2K", "\r").split("\r")]
    return [frame for frame in frames if frame][-1]


def test_the_bar_shows_the_status_the_percent_and_the_message_of_the_report() -> None:
    console, screen = terminal()

    with LiveBar(console, "job-1") as bar:
        bar.show(record("IN_PROGRESS", attempts=2, progress=progress(40, "resizing 2 of 5")))
        frame = last_frame(screen)

    assert frame.startswith(("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"))
    assert "IN_PROGRESS  attempt 2" in frame
    assert "40% resizing 2 of 5" in frame
    assert "━" in frame


def test_without_a_report_the_bar_shows_no_percent() -> None:
    console, screen = terminal()

    with LiveBar(console, "job-1") as bar:
        bar.show(record("QUEUED"))
        frame = last_frame(screen)

    assert "QUEUED" in frame
    assert "%" not in frame


def test_a_succeeded_job_fills_the_bar() -> None:
    console, screen = terminal()

    with LiveBar(console, "job-1") as bar:
        bar.show(record("IN_PROGRESS", progress=progress(70, "almost")))
        bar.show(record("SUCCEEDED"))

    frame = last_frame(screen)
    assert "SUCCEEDED" in frame
    assert "100%" in frame
    assert "almost" not in frame


def test_a_message_is_shown_as_text_not_as_markup() -> None:
    console, screen = terminal()

    with LiveBar(console, "job-1") as bar:
        bar.show(record("IN_PROGRESS", progress=progress(1, "[bold]{task.description}[/bold]")))

    assert "[bold]{task.description}[/bold]" in last_frame(screen)


def test_change_lines_write_a_line_only_when_something_changed(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ChangeLines()
    with lines:
        for shown in (
            record("QUEUED"),
            record("QUEUED"),
            record("IN_PROGRESS"),
            record("IN_PROGRESS", progress=progress(10)),
            record("IN_PROGRESS", progress=progress(10)),
            record("IN_PROGRESS", attempts=2),
            record("FAILED", attempts=2),
        ):
            lines.show(shown)

    assert capsys.readouterr().err.splitlines() == [
        "QUEUED",
        "IN_PROGRESS  attempt 1",
        "IN_PROGRESS  attempt 1  10%",
        "IN_PROGRESS  attempt 2",
        "FAILED",
    ]


def test_the_batch_bar_counts_the_jobs_sent_of_all() -> None:
    console, screen = terminal()

    with BatchBar(console, 60) as bar:
        bar.advance(25)
        bar.advance(25)

    assert "Submitting" in screen.getvalue()
    assert "50/60 jobs" in last_frame(screen)
