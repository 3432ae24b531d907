"""The service's Logger: Powertools' JSON lines, less the keys that its log group already says."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

# `inject_lambda_context` puts these on every line, and each has one value in a whole log group, which is
# named after the function: about 150 bytes of a 480-byte line, and CloudWatch Logs bills every byte of every
# line (docs/design.md, Log lines). The request id and cold start, which vary, stay.
NAMED_BY_THE_LOG_GROUP = frozenset({"function_name", "function_memory_size", "function_arn"})


class _LineFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: LogRecord) -> str:
        kept = {key: value for key, value in log.items() if key not in NAMED_BY_THE_LOG_GROUP}
        return super().serialize(kept)


def service_logger() -> Logger:
    """The Logger every part of the service writes with. Powertools configures a service's output once, for
    the first Logger made in the process, so each of them is made here."""
    return Logger(logger_formatter=_LineFormatter())
