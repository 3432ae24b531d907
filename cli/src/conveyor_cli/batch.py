"""conveyor submit --batch: job requests as JSON lines, sent 25 a request to POST /jobs/batch, each line's
outcome kept with its line number."""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from conveyor_cli.api import ApiClient, Document
from conveyor_cli.errors import ApiError, CliError, Problem, cli_problem, describe_problem
from conveyor_cli.exit_codes import ExitCode, for_http_status

BATCH_SIZE = 25
"""The most jobs POST /jobs/batch takes in one request (contracts/v1/job-batch-request.schema.json)."""


@dataclass(frozen=True)
class Line:
    """A line of the file that holds a job request: its number (from 1) and its JSON, or why it has none."""

    number: int
    request: Any = None
    unreadable: str | None = None


@dataclass(frozen=True)
class LineOutcome:
    number: int
    job: Document | None = None
    """The accepted job's record; None when the line was refused."""
    status: int | None = None
    """The HTTP status of the line's result (202, or its problem's); None for a problem the CLI found."""
    problem: Problem | None = None
    exit_code: ExitCode = ExitCode.OK

    @property
    def accepted(self) -> bool:
        return self.job is not None

    def document(self) -> Document:
        """The line's result as --json prints it: the API's result, with the line's number first."""
        found = {"status": self.status} if self.status is not None else {}
        if self.job is not None:
            return {"line": self.number, **found, "job": self.job, "location": f"/jobs/{self.job['job_id']}"}
        return {"line": self.number, **found, "problem": self.problem}

    def describe(self) -> str:
        """`line 4: 400 Request body does not match the contract: ...`, with each violation's pointer."""
        problem = self.problem or {}
        text = describe_problem(self.status, problem) if self.status else str(problem.get("detail"))
        return f"line {self.number}: {text}"


def read_lines(text: Iterable[str]) -> list[Line]:
    """Every line that is not blank, parsed as JSON; one that is not JSON is kept with the reason."""
    lines = []
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            lines.append(Line(number, json.loads(line)))
        except ValueError as error:
            lines.append(Line(number, unreadable=f"not JSON: {error}"))
    return lines


def submit_lines(api: ApiClient, lines: list[Line], *, sent: Callable[[int], None]) -> Iterator[LineOutcome]:
    """Each line's outcome, in order; `sent(n)` after each request of n jobs. A request that fails as a whole
    (no answer, a 5xx, a refused body) refuses its lines alone: the next ones are still sent."""
    for line in lines:
        if line.unreadable is not None:
            problem = cli_problem("invalid-line", "The line is not a job request", line.unreadable)
            yield LineOutcome(line.number, problem=problem, exit_code=ExitCode.REFUSED)
    readable = [line for line in lines if line.unreadable is None]
    for start in range(0, len(readable), BATCH_SIZE):
        chunk = readable[start : start + BATCH_SIZE]
        try:
            results = api.submit_batch([line.request for line in chunk])
        except CliError as error:
            status = error.status if isinstance(error, ApiError) else None
            for line in chunk:
                yield LineOutcome(
                    line.number, status=status, problem=error.problem, exit_code=error.exit_code
                )
        else:
            yield from (_outcome(line, result) for line, result in zip(chunk, results, strict=True))
        sent(len(chunk))


def _outcome(line: Line, result: Document) -> LineOutcome:
    status = result.get("status")
    if status == 202 and isinstance(result.get("job"), dict):
        return LineOutcome(line.number, job=result["job"], status=202)
    code = status if isinstance(status, int) else 500
    return LineOutcome(
        line.number, status=code, problem=result.get("problem") or {}, exit_code=for_http_status(code)
    )


_SEVERITY = (ExitCode.UNAVAILABLE, ExitCode.UNAUTHORISED, ExitCode.NOT_FOUND, ExitCode.REFUSED)


def exit_code(outcomes: list[LineOutcome]) -> ExitCode:
    """0 when every line was accepted; otherwise the gravest line's: a server or network error first (a retry
    of those lines may succeed), then sign-in, then a refused line (by the API, or not JSON)."""
    codes = {outcome.exit_code for outcome in outcomes}
    return next((code for code in _SEVERITY if code in codes), ExitCode.OK)
