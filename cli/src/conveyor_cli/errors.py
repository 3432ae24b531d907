"""What ends a command early.

Each error carries its exit code, a sentence for people, and the problem document (RFC 9457) that `--json`
prints on stderr: the API's own, or one the CLI writes, whose type is `urn:conveyor:cli:<kind>`."""

from typing import Any

from conveyor_cli.exit_codes import ExitCode, for_http_status

Problem = dict[str, Any]


class CliError(Exception):
    def __init__(self, message: str, *, problem: Problem, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.exit_code = exit_code


def cli_problem(kind: str, title: str, detail: str, **extensions: Any) -> Problem:
    """A problem the CLI found itself (no HTTP status: no answer said it)."""
    return {"type": f"urn:conveyor:cli:{kind}", "title": title, "detail": detail, **extensions}


class ApiError(CliError):
    """The API answered with an error status."""

    def __init__(self, status: int, problem: Problem) -> None:
        super().__init__(
            describe_problem(status, problem), problem=problem, exit_code=for_http_status(status)
        )
        self.status = status


class UnreachableError(CliError):
    """No answer: no connection, a timeout, a broken exchange."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"cannot reach {url}: {reason}",
            problem=cli_problem("unreachable", "The API could not be reached", f"{url}: {reason}"),
            exit_code=ExitCode.UNAVAILABLE,
        )


class InvalidAnswerError(CliError):
    """A success status with a body that is not what the contract says (is --api-url a Conveyor API?)."""

    def __init__(self, url: str, what: str) -> None:
        detail = f"{url} answered {what}; is --api-url the URL of a Conveyor API?"
        super().__init__(
            detail,
            problem=cli_problem("invalid-answer", "The answer is not the API's", detail),
            exit_code=ExitCode.UNAVAILABLE,
        )


class TimedOutError(CliError):
    """--timeout passed before the job ended."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(
            f"timed out: {detail}",
            problem=cli_problem("timed-out", "Timed out waiting for the job", detail, **extensions),
            exit_code=ExitCode.TIMED_OUT,
        )


def describe_problem(status: int, problem: Problem) -> str:
    """`404 Job not found: <detail> (urn:…)`, then one line per violation, each with its JSON pointer."""
    title = str(problem.get("title") or "Error")
    detail = str(problem.get("detail") or "")
    kind = problem.get("type")
    text = f"{status} {title}" + (f": {detail}" if detail and detail != title else "")
    if isinstance(kind, str) and kind != "about:blank":
        text += f" ({kind})"
    for violation in problem.get("errors") or []:
        if isinstance(violation, dict):
            where = violation.get("pointer") or "(the whole body)"
            text += f"\n  {where}: {violation.get('message', '')}"
    return text
