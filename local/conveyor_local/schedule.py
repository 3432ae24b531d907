"""Emulates an EventBridge schedule rule (`rate(...)`) that invokes a Lambda function.

Each tick invokes the handler with a "Scheduled Event". A failed invocation is logged and the schedule goes
on, as on AWS, where the next tick simply runs again.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from conveyor_local.config import ACCOUNT_ID, FUNCTION_MEMORY_MB, REGION
from conveyor_local.lambda_runtime import LambdaContext, LambdaHandler, invoke

logger = logging.getLogger(__name__)


def scheduled_event(rule_name: str, now: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


class Schedule:
    def __init__(
        self, handler: LambdaHandler, *, function_name: str, interval_seconds: float, timeout_seconds: int
    ) -> None:
        self._handler = handler
        self._function_name = function_name
        self._interval_seconds = interval_seconds
        self._timeout_seconds = timeout_seconds

    def tick(self) -> Any:
        """One invocation, now."""
        event = scheduled_event(f"{self._function_name}-schedule", datetime.now(UTC))
        return invoke(
            self._handler,
            event,
            LambdaContext(self._function_name, FUNCTION_MEMORY_MB, self._timeout_seconds),
        )

    def run(self, stop: threading.Event) -> None:
        """Tick every interval until `stop` is set."""
        while not stop.wait(self._interval_seconds):
            try:
                self.tick()
            except Exception:
                logger.exception("%s failed; the schedule goes on", self._function_name)
