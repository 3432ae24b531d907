"""The submission ledger, built on the first keyed request: a cold start without one never loads Powertools'
idempotency utility (docs/benchmarks.md, Cold start)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from conveyor_api.jobs.submit_once import KeyUse
from conveyor_api.models import JobRecord, JobRequest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger


class OnDemandSubmissionLedger:
    """A DynamoSubmissionLedger on `table_name`, made when a request first needs it."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name
        self._ledger: DynamoSubmissionLedger | None = None
        self._lock = threading.Lock()

    def claim(self, key: str, request: JobRequest, *, time_left: timedelta | None) -> KeyUse:
        return self._built().claim(key, request, time_left=time_left)

    def bind(self, key: str, request: JobRequest, job: JobRecord) -> None:
        self._built().bind(key, request, job)

    def release(self, key: str, request: JobRequest) -> None:
        self._built().release(key, request)

    def _built(self) -> DynamoSubmissionLedger:
        with self._lock:
            if self._ledger is None:
                from conveyor_api.idempotency.dynamo import DynamoSubmissionLedger

                self._ledger = DynamoSubmissionLedger(self._client, self._table_name)
            return self._ledger
