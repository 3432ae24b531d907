"""An in-memory JobStore and SweepStore holding items in job-item's plain JSON form.

tests/adapters/test_job_store_behaviour.py runs the same suite against this and the moto-backed DynamoJobStore
and DynamoSweepStore, so every condition here is checked against DynamoDB's behaviour. Every item a write
leaves is checked against contracts' job-item schema, so every domain test also proves that the worker's and
the sweeper's writes keep items valid for the API to read (listing keys, progress, the sweep index's keys).
"""

import copy
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
from conveyor_worker.contract import check, load_contract
from conveyor_worker.jobs.errors import (
    CancelRequestedError,
    JobNotClaimableError,
    JobNotDueError,
    JobNotFoundError,
    LeaseLostError,
    OverdueJobChangedError,
)
from conveyor_worker.jobs.newer import WaitingJob
from conveyor_worker.jobs.sweep import JobAsRead, OverdueJob, OverdueJobs, StopMarks, StrandedJob
from conveyor_worker.models.job_item import JobError, JobItem, JobProgress, JobStatus
from conveyor_worker.models.job_outcome import JobFailed, JobOutcome, JobSucceeded
from conveyor_worker.models.listing import OwnerListing
from conveyor_worker.models.sweep_index import sweep_shard

from .items import PENDING_ONLY


def _checked(write: Callable[..., Any]) -> Callable[..., Any]:
    """A write, successful or refused, never turns a valid job item into an invalid one. (A test may put an
    item the contract refuses, e.g. of a job type this worker lacks, to see the worker cope with it.)"""

    @functools.wraps(write)
    def checked_write(self: "FakeJobStore", key: Any, *args: Any, **kwargs: Any) -> Any:
        job_id = key if isinstance(key, str) else key.job_id
        was_valid = job_id in self._items and self._is_valid(job_id)
        try:
            return write(self, key, *args, **kwargs)
        finally:
            if was_valid:
                item = self._items[job_id]
                check(load_contract().job_item, f"job {job_id} after {write.__name__}", item)
                self._valid[job_id] = copy.deepcopy(item)

    return checked_write


class FakeJobStore:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._valid: dict[str, dict[str, Any]] = {}
        """A copy of each item as last found valid: validity depends on the content alone, and comparing it
        costs microseconds where validating costs milliseconds (a simulated backlog writes 20,000 times)."""
        self.claims = 0
        """Claim calls, refused ones included: each is an UpdateItem, which DynamoDB bills refused or not."""
        self.watched_claims: list[tuple[str, int]] = []
        """(job id, sweep_at) of every claim that entered its job in the sweep index."""
        self.cancel_checks = 0
        """GetItem calls of is_cancel_requested."""
        self.scanned_segments: list[tuple[int, int]] = []
        """(segment, segments) of every expiry scan."""
        self.segment_of: Callable[[str, int], int] | None = None
        """Which scan segment holds a job: DynamoDB hashes keys its own way, so a test chooses; by default
        every job is in whichever segment is scanned."""

    def _is_valid(self, job_id: str) -> bool:
        item = self._items[job_id]
        if self._valid.get(job_id) == item:
            return True
        if not load_contract().job_item.is_valid(item):
            return False
        self._valid[job_id] = copy.deepcopy(item)
        return True

    def put(self, item: dict[str, Any]) -> None:
        self._items[item["job_id"]] = copy.deepcopy(item)

    def get(self, job_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self._items.get(job_id))

    def all_items(self) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(self._items)

    @_checked
    def claim(
        self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime, watch: bool
    ) -> JobItem:
        self.claims += 1
        item = self._items.get(job_id)
        if item is None:
            raise JobNotFoundError(job_id)
        lease_expired = "lease_expires_at" in item and item["lease_expires_at"] < to_epoch_ms(now)
        if item["status"] == "QUEUED" and item.get("run_at", "") > to_timestamp(now):
            raise JobNotDueError(job_id, item["run_at"])
        if not (item["status"] == "QUEUED" or (item["status"] == "IN_PROGRESS" and lease_expired)):
            raise JobNotClaimableError(
                job_id,
                item["status"],
                claim_token=item.get("claim_token"),
                lease_expires_at=item.get("lease_expires_at"),
            )
        item.update(
            status="IN_PROGRESS",
            attempts=item["attempts"] + 1,
            claim_token=claim_token,
            lease_expires_at=to_epoch_ms(lease_expires_at),
            updated_at=to_timestamp(now),
        )
        if watch:
            item.update(sweep_shard=sweep_shard(job_id), sweep_at=to_epoch_ms(lease_expires_at))
            self.watched_claims.append((job_id, item["sweep_at"]))
        else:
            item.pop("sweep_shard", None)
            item.pop("sweep_at", None)
        item.setdefault("started_at", to_timestamp(now))
        item.pop("progress", None)
        return JobItem.model_validate(item)

    def mark_waiting(self, job_id: str, *, now: datetime) -> WaitingJob:
        item = self._items.get(job_id)
        if item is None:
            return WaitingJob.MISSING
        if item["status"] != "QUEUED":
            return WaitingJob.NOT_QUEUED
        item["updated_at"] = to_timestamp(now)
        return WaitingJob.WAITING

    @_checked
    def watch_held(self, job_id: str, *, claim_token: str, until: datetime) -> None:
        item = self._held_item(job_id, claim_token)
        item.update(sweep_shard=sweep_shard(job_id), sweep_at=to_epoch_ms(until))

    @_checked
    def set_listing_status(self, job_id: str, *, claim_token: str, listing: OwnerListing) -> None:
        item = self._held_item(job_id, claim_token)
        _set_listing(item, listing, JobStatus.IN_PROGRESS)

    @_checked
    def complete(
        self,
        job_id: str,
        *,
        claim_token: str,
        outcome: JobOutcome,
        now: datetime,
        expires_at: datetime,
        listing: OwnerListing | None,
    ) -> None:
        item = self._held_item(job_id, claim_token)
        if isinstance(outcome, JobFailed):
            _fail(item, outcome.error, now, expires_at, listing)
            return
        if isinstance(outcome, JobSucceeded):
            item.update(status="SUCCEEDED", result=outcome.result_json)
        else:
            item.update(status="SUCCEEDED", result_ref=outcome.result_ref)
        _finish(item, now, expires_at, listing)

    @_checked
    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        item = self._held_item(job_id, claim_token)
        if "cancel_requested_at" in item:
            raise CancelRequestedError(job_id)
        item["progress"] = progress.model_dump()

    @_checked
    def start_effect(self, job_id: str, *, claim_token: str, now: datetime) -> bool:
        item = self._held_item(job_id, claim_token)
        if "effect_started_at" in item:
            return False
        item["effect_started_at"] = to_timestamp(now)
        return True

    @_checked
    def abandon_effect(self, job_id: str, *, claim_token: str) -> None:
        self._held_item(job_id, claim_token).pop("effect_started_at", None)

    def mark_budget_exceeded(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        self._held_item(job_id, claim_token).setdefault("budget_exceeded_at", to_timestamp(now))

    def stop_marks(self, job_id: str) -> StopMarks:
        item = self._items.get(job_id, {})
        return StopMarks("cancel_requested_at" in item, "budget_exceeded_at" in item)

    def is_cancel_requested(self, job_id: str) -> bool:
        self.cancel_checks += 1
        return "cancel_requested_at" in self._items.get(job_id, {})

    def request_cancel(self, job_id: str, at: str) -> None:
        """As the API's cancel of a running job: cancel_requested_at, kept if already set."""
        self._items[job_id].setdefault("cancel_requested_at", at)

    @_checked
    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        item = self._held_item(job_id, claim_token)
        item.update(lease_expires_at=to_epoch_ms(now), updated_at=to_timestamp(now))

    @_checked
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

    @_checked
    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        listing = None if job.owner is None else OwnerListing(job.owner, job.job_type)
        _fail(self._unchanged_item(job), error, now, expires_at, listing)

    @_checked
    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        item = self._unchanged_item(job)
        item.update(sweeps=item.get("sweeps", 0) + 1, updated_at=to_timestamp(now))
        item.pop("sweep_shard")
        item.pop("sweep_at")

    def read_job(self, job_id: str) -> JobAsRead | None:
        item = self._items.get(job_id)
        if item is None:
            return None
        return JobAsRead(
            job_id=job_id,
            job_type=item["job_type"],
            status=JobStatus(item["status"]),
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            lease_expires_at=item.get("lease_expires_at"),
            watched="sweep_at" in item,
        )

    @_checked
    def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
        item = self._items.get(job.job_id)
        if item is None or item["status"] != job.status or item["updated_at"] != job.updated_at:
            raise OverdueJobChangedError(job.job_id)
        item.update(sweeps=item.get("sweeps", 0) + 1, updated_at=to_timestamp(now))

    def stranded_jobs(
        self, segment: int, *, segments: int, updated_before: datetime, now: datetime
    ) -> list[StrandedJob]:
        self.scanned_segments.append((segment, segments))
        cutoff, now_ms = to_timestamp(updated_before), to_epoch_ms(now)
        return [
            _as_stranded(item)
            for item in self._items.values()
            if item["updated_at"] < cutoff
            and item.get("run_at", "") < cutoff
            and (
                item["status"] == "QUEUED"
                or (item["status"] == "IN_PROGRESS" and item["lease_expires_at"] < now_ms)
            )
            and (self.segment_of is None or self.segment_of(item["job_id"], segments) == segment)
        ]

    @_checked
    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        item = self._items.get(job.job_id)
        if item is None or item["status"] != job.status or item["updated_at"] != job.updated_at:
            raise OverdueJobChangedError(job.job_id)
        listing = None if job.owner is None else OwnerListing(job.owner, job.job_type)
        _fail(item, error, now, expires_at, listing)

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


def _fail(
    item: dict[str, Any], error: JobError, now: datetime, expires_at: datetime, listing: OwnerListing | None
) -> None:
    item.update(status="FAILED", error=error.model_dump())
    _finish(item, now, expires_at, listing)


def _finish(item: dict[str, Any], now: datetime, expires_at: datetime, listing: OwnerListing | None) -> None:
    item.update(
        finished_at=to_timestamp(now), updated_at=to_timestamp(now), expires_at=to_epoch_seconds(expires_at)
    )
    for name in (*PENDING_ONLY, "progress"):
        item.pop(name, None)
    if listing is not None:
        _set_listing(item, listing, JobStatus(item["status"]))


def _set_listing(item: dict[str, Any], listing: OwnerListing, status: JobStatus) -> None:
    item.update(
        owner_status=listing.owner_status(status), owner_type_status=listing.owner_type_status(status)
    )


def _as_stranded(item: dict[str, Any]) -> StrandedJob:
    return StrandedJob(
        job_id=item["job_id"],
        job_type=item["job_type"],
        status=JobStatus(item["status"]),
        updated_at=item["updated_at"],
        owner=item.get("owner"),
    )


def _as_overdue(item: dict[str, Any]) -> OverdueJob:
    return OverdueJob(
        job_id=item["job_id"],
        job_type=item["job_type"],
        status=JobStatus(item["status"]),
        created_at=item["created_at"],
        attempts=item["attempts"],
        sweeps=item.get("sweeps", 0),
        sweep_at=item["sweep_at"],
        owner=item.get("owner"),
    )
