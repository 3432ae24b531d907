"""An in-memory JobStore and SweepStore holding items in job-item's plain JSON form.

tests/store/test_job_store.py runs the same suite against this and the moto-backed DynamoJobStore and
DynamoSweepStore, so every condition here is checked against DynamoDB's behaviour.
"""

import copy
from datetime import datetime
from typing import Any

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.models.job_item import JobError, JobItem, JobStatus
from conveyor_worker.models.job_outcome import JobFailed, JobOutcome, JobSucceeded
from conveyor_worker.processing.errors import JobNotClaimableError, JobNotFoundError, LeaseLostError
from conveyor_worker.sweeping.errors import OverdueJobChangedError
from conveyor_worker.sweeping.ports import OverdueJob, OverdueJobs
from testkit.items import PENDING_ONLY


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

    def complete(
        self, job_id: str, *, claim_token: str, outcome: JobOutcome, now: datetime, expires_at: datetime
    ) -> None:
        item = self._held_item(job_id, claim_token)
        if isinstance(outcome, JobFailed):
            _fail(item, outcome.error, now, expires_at)
            return
        if isinstance(outcome, JobSucceeded):
            item.update(status="SUCCEEDED", result=outcome.result_json)
        else:
            item.update(status="SUCCEEDED", result_ref=outcome.result_ref)
        _finish(item, now, expires_at)

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        item = self._held_item(job_id, claim_token)
        item.update(
            lease_expires_at=to_epoch_ms(now), sweep_at=to_epoch_ms(now), updated_at=to_timestamp(now)
        )

    def record_refused_completion(self, job_id: str) -> None:
        item = self._items.get(job_id)
        if item is None:
            raise JobNotFoundError(job_id)
        item["refused_completions"] = item.get("refused_completions", 0) + 1

    def overdue_jobs(self, shard: int, *, before: datetime, limit: int) -> OverdueJobs:
        # The sparse index holds only the items that have both of its key attributes.
        indexed = [item for item in self._items.values() if "sweep_shard" in item and "sweep_at" in item]
        overdue = sorted(
            (
                item
                for item in indexed
                if item["sweep_shard"] == shard and item["sweep_at"] < to_epoch_ms(before)
            ),
            key=lambda item: int(item["sweep_at"]),
        )
        return OverdueJobs([_as_overdue(item) for item in overdue[:limit]], left_over=len(overdue[limit:]))

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        _fail(self._unchanged_item(job), error, now, expires_at)

    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        item = self._unchanged_item(job)
        item.update(sweep_at=to_epoch_ms(now), sweeps=item.get("sweeps", 0) + 1, updated_at=to_timestamp(now))

    def _unchanged_item(self, job: OverdueJob) -> dict[str, Any]:
        item = self._items.get(job.job_id)
        if item is None or item.get("sweep_at") != job.sweep_at or item["status"] != job.status:
            raise OverdueJobChangedError(job.job_id)
        return item

    def _held_item(self, job_id: str, claim_token: str) -> dict[str, Any]:
        item = self._items.get(job_id)
        if item is None or item["status"] != "IN_PROGRESS" or item.get("claim_token") != claim_token:
            raise LeaseLostError(job_id)
        return item


def _fail(item: dict[str, Any], error: JobError, now: datetime, expires_at: datetime) -> None:
    item.update(status="FAILED", error=error.model_dump())
    _finish(item, now, expires_at)


def _finish(item: dict[str, Any], now: datetime, expires_at: datetime) -> None:
    item.update(
        finished_at=to_timestamp(now), updated_at=to_timestamp(now), expires_at=to_epoch_seconds(expires_at)
    )
    for name in PENDING_ONLY:
        item.pop(name, None)


def _as_overdue(item: dict[str, Any]) -> OverdueJob:
    return OverdueJob(
        job_id=item["job_id"],
        job_type=item["job_type"],
        status=JobStatus(item["status"]),
        created_at=item["created_at"],
        attempts=item["attempts"],
        sweeps=item.get("sweeps", 0),
        sweep_at=item["sweep_at"],
    )
