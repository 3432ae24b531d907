"""A Powertools Logger that writes to memory, so tests can read the structured lines."""

import io
import json
import logging
import uuid
from typing import Any

from aws_lambda_powertools import Logger


class CapturedLogs:
    def __init__(self) -> None:
        self._stream = io.StringIO()
        # A service name of its own: loggers of the same service share one handler.
        self.logger = Logger(
            service=f"test-{uuid.uuid4().hex[:8]}", logger_handler=logging.StreamHandler(self._stream)
        )

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines()]

    def transitions(self, job_id: str) -> list[dict[str, Any]]:
        """The lines the local stack renders as transitions of this job: those with job_id and status."""
        return [line for line in self.lines() if line.get("job_id") == job_id and "status" in line]


def printed_log_lines(out: str) -> list[dict[str, Any]]:
    """The JSON log lines among what a function printed, without its EMF documents."""
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" not in document]
