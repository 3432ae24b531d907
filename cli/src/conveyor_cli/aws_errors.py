"""SQS's errors as the CLI's: the same exit codes as the API's answers of the same kind.

Imported only by the dlq commands: botocore takes a while to import, which the HTTP commands need not pay.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from conveyor_cli.errors import CliError, cli_problem
from conveyor_cli.exit_codes import ExitCode, for_http_status

_MISSING_QUEUE_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
_REFUSED_IDENTITY_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidSecurity",
    }
)


@contextmanager
def aws_errors() -> Iterator[None]:
    """Inside the block, an AWS error ends the command as a CliError."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise as_cli_error(error) from error


def as_cli_error(error: BotoCoreError | ClientError) -> CliError:
    # botocore reads the region from AWS_DEFAULT_REGION (or a profile), not from AWS_REGION.
    hint = " Set AWS_DEFAULT_REGION to the queue's region." if isinstance(error, NoRegionError) else ""
    return CliError(
        f"SQS: {error}{hint}",
        problem=cli_problem("aws-error", "The AWS request failed", str(error), **_details(error)),
        exit_code=exit_code_of(error),
    )


def exit_code_of(error: BotoCoreError | ClientError) -> ExitCode:
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
        if code in _MISSING_QUEUE_CODES:
            return ExitCode.NOT_FOUND
        if code in _REFUSED_IDENTITY_CODES:
            return ExitCode.UNAUTHORISED
        return for_http_status(status)
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return ExitCode.UNAUTHORISED
    if isinstance(error, NoRegionError):
        return ExitCode.USAGE
    return ExitCode.UNAVAILABLE  # no connection, a timeout, an unreadable answer


def _details(error: BotoCoreError | ClientError) -> dict[str, str]:
    if isinstance(error, ClientError):
        return {"aws_error_code": str(error.response.get("Error", {}).get("Code", ""))}
    return {}
