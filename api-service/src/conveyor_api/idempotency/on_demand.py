"""The submission ledger, built on the first keyed request: a cold start without one never loads Powertools'
idempotency utility (docs/benchmarks.md, Cold start)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from conveyor_api.models import JobRecord, JobRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger


class OnDemandSubmissionLedger:
    """A DynamoSubmissionLedger on `table_name`, made when a request first needs it."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name
        self._context: Any = None
        self._ledger: DynamoSubmissionLedger | None = None
        self._lock = threading.Lock()

    def register_lambda_context(self, context: Any) -> None:
        """Kept for the ledger to come, and passed on to it once it exists (see DynamoSubmissionLedger)."""
        self._context = context
        if self._ledger is not None:
            self._ledger.register_lambda_context(context)

    def job_for(self, key: str, request: JobRequest, store_job: Callable[[], JobRecord]) -> JobRecord:
        return self._built().job_for(key, request, store_job)

    def _built(self) -> DynamoSubmissionLedger:
        with self._lock:
            if self._ledger is None:
                from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger

                ledger = DynamoSubmissionLedger(self._client, self._table_name)
                ledger.register_lambda_context(self._context)
                self._ledger = ledger
            return self._ledger
