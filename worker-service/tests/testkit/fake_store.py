"""An in-memory JobStore holding items in job-item's plain JSON form.

tests/store/test_job_store.py runs the same suite against this and the moto-backed DynamoJobStore, so
every condition here is checked against DynamoDB's behaviour.
"""

import copy
from datetime import datetime
from typing import Any

from conveyor_worker.clock import to_epoch_ms, to_timestamp
from conveyor_worker.models.job_item import JobItem
from conveyor_worker.models.job_outcome import JobOutcome, JobSucceeded
from conveyor_worker.processing.errors import JobNotClaimableError, JobNotFoundError, LeaseLostError


class FakeJobStore:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}

    def put(self, item: dict[str, Any]) -> None:
        self._items[item["job_id"]] = copy.deepcopy(item)

    def get(self, job_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self._items.get(job_id))

    def claim(self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime) -> JobItem:
        item = self._items.get(job_id)
        if item is None:
            raise JobNotFoundError(job_id)
        lease_expired = "lease_expires_at" in item and item["lease_expires_at"] < to_epoch_ms(now)
        if not (item["status"] == "QUEUED" or (item["status"] == "IN_PROGRESS" and lease_expired)):
            raise JobNotClaimableError(job_id, item["status"])
        item.update(
            status="IN_PROGRESS",
            attempts=item["attempts"] + 1,
            claim_token=claim_token,
            lease_expires_at=to_epoch_ms(lease_expires_at),
            sweep_at=to_epoch_ms(lease_expires_at),
            updated_at=to_timestamp(now),
        )
        item.setdefault("started_at", to_timestamp(now))
        return JobItem.model_validate(item)

    def complete(self, job_id: str, *, claim_token: str, outcome: JobOutcome, now: datetime) -> None:
        item = self._held_item(job_id, claim_token)
        if isinstance(outcome, JobSucceeded):
            item.update(status="SUCCEEDED", result=outcome.result_json)
        else:
            item.update(status="FAILED", error=outcome.error.model_dump())
        item.update(finished_at=to_timestamp(now), updated_at=to_timestamp(now))
        for pending_only in ("lease_expires_at", "sweep_shard", "sweep_at"):
            del item[pending_only]

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        item = self._held_item(job_id, claim_token)
        item.update(
            lease_expires_at=to_epoch_ms(now), sweep_at=to_epoch_ms(now), updated_at=to_timestamp(now)
        )

    def _held_item(self, job_id: str, claim_token: str) -> dict[str, Any]:
        item = self._items.get(job_id)
        if item is None or item["status"] != "IN_PROGRESS" or item.get("claim_token") != claim_token:
            raise LeaseLostError(job_id)
        return item
