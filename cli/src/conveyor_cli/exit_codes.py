"""The exit codes scripts can rely on. `conveyor --help` lists them from here, and so does docs/cli.md."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    JOB_FAILED = 1
    USAGE = 2
    REFUSED = 3
    NOT_FOUND = 4
    UNAUTHORISED = 5
    UNAVAILABLE = 6
    TIMED_OUT = 7
    INTERRUPTED = 130


MEANINGS = {
    ExitCode.OK: "success (submit --wait, retry --wait and watch: the job SUCCEEDED)",
    ExitCode.JOB_FAILED: "the job FAILED (submit --wait, retry --wait and watch)",
    ExitCode.USAGE: "usage error: a bad option or argument, a malformed --payload or --api-url, no --api-url",
    ExitCode.REFUSED: "the API (or SQS) refused the request: a 4xx other than 401, 403 and 404",
    ExitCode.NOT_FOUND: "not found: no such job (404), no such queue",
    ExitCode.UNAUTHORISED: "unauthorised or forbidden (401, 403), listing off where there is no sign-in",
    ExitCode.UNAVAILABLE: "server or network error: a 5xx, no connection, an answer that is not the API's",
    ExitCode.TIMED_OUT: "timed out waiting for the job (--timeout)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


def for_http_status(status: int) -> ExitCode:
    """The exit code of an error answer."""
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (401, 403):
        return ExitCode.UNAUTHORISED
    if 400 <= status < 500:
        return ExitCode.REFUSED
    return ExitCode.UNAVAILABLE
