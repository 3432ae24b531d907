"""Where each kind of output goes. Human: readable text and tables on stdout, notes and errors on stderr.
--json: the API's documents exactly as JSON on stdout, and errors as problem documents on stderr."""

import json
import os
from typing import Any

import click
from rich.console import Console, RenderableType

from conveyor_cli.displays import BatchBar, ChangeLines, JobDisplay, LiveBar, NoBar, Quiet
from conveyor_cli.errors import CliError, Problem, cli_problem
from conveyor_cli.render import record_view

# A pipe or a file has no width: rich would wrap tables at 80 columns, splitting ids and times.
_PIPE_WIDTH = 240


def _console(*, stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PIPE_WIDTH
    return console


class Output:
    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        # Consoles find sys.stdout and sys.stderr when they print, so a test's captured streams get the text.
        self._stdout = _console(stderr=False)
        self._stderr = _console(stderr=True)

    def document(self, document: Any) -> None:
        click.echo(json.dumps(document, ensure_ascii=False))

    def show(self, renderable: RenderableType) -> None:
        self._stdout.print(renderable)

    def note(self, text: str) -> None:
        """A line for people, on stderr; nothing under --json."""
        if not self.as_json:
            click.echo(text, err=True)

    def record(self, record: dict[str, Any]) -> None:
        if self.as_json:
            self.document(record)
        else:
            self.show(record_view(record))

    def error(self, error: CliError) -> None:
        self._problem(error.problem, f"conveyor: {error.message}")

    def usage_error(self, error: click.UsageError) -> None:
        """Only under --json: otherwise click shows it, with the usage line."""
        self._problem(cli_problem("usage", "Usage error", error.format_message()), "")

    def follower(self, job_id: str) -> JobDisplay:
        """A live bar for a person at a terminal; otherwise a line per change, or nothing under --json."""
        if self._stderr.is_terminal:
            return LiveBar(self._stderr, job_id)
        return Quiet() if self.as_json else ChangeLines()

    def batch_progress(self, total: int) -> BatchBar | NoBar:
        """A bar of the jobs sent so far, for a person at a terminal (not under --json); nothing elsewhere."""
        if self._stderr.is_terminal and not self.as_json:
            return BatchBar(self._stderr, total)
        return NoBar()

    def _problem(self, problem: Problem, text: str) -> None:
        if self.as_json:
            click.echo(json.dumps(problem, ensure_ascii=False), err=True)
        else:
            # click, not rich: an error's text is never wrapped, and loses its colour outside a terminal.
            click.secho(text, err=True, fg="red")
