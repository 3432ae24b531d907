"""The jobs table in DynamoDB: every state change is a single conditional UpdateItem call.

DynamoJobStore is the worker's view (claim, complete, release); DynamoSweepStore the sweeper's (the sparse
`sweep` index and the writes fenced on what it showed).
"""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from conveyor_worker.clock import to_epoch_ms, to_epoch_seconds, to_timestamp
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

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, QueryInputTypeDef, ScanInputTypeDef

# A new attempt starts without the progress of the one before it.
_CLAIM = (
    "SET #status = :in_progress, #attempts = #attempts + :one, #claim_token = :token,"
    " #lease_expires_at = :lease_expires_at,"
    " #started_at = if_not_exists(#started_at, :now), #updated_at = :now"
)
# A claim on its message's last receive enters the job in the sweep index at its lease expiry: if this worker
# dies, SQS moves the message to the DLQ and only the sweeper can still end the job. Any other claim takes the
# job out of the index (an entry left by an earlier attempt, or by an API that predates send-first
# submission): its message is in hand. REMOVE of an absent attribute writes nothing to the index.
_CLAIM_WATCHED = _CLAIM + ", #sweep_shard = :shard, #sweep_at = :lease_expires_at REMOVE #progress"
_CLAIM_UNWATCHED = _CLAIM + " REMOVE #progress, #sweep_shard, #sweep_at"
# No claim starts a job before its run_at (docs/design.md, Run later). Timestamps are RFC 3339 UTC with
# milliseconds, so their text sorts as time.
_CLAIMABLE = (
    "attribute_exists(#job_id) AND (attribute_not_exists(#run_at) OR #run_at <= :now) AND"
    " (#status = :queued OR (#status = :in_progress AND #lease_expires_at < :now_ms))"
)
_HELD_BY_TOKEN = "#status = :in_progress AND #claim_token = :token"
# A finished job leaves the sparse sweep index by losing its key attributes (docs/design.md, The sweeper), and
# gets the expiry the table's time to live reads, in the same write (docs/design.md, Retention).
# Progress belongs to the running attempt only, so it goes too.
_FINISH = ", #finished_at = :now, #updated_at = :now, #expires_at = :expires_at"
_LEAVE_PENDING = " REMOVE #lease_expires_at, #sweep_shard, #sweep_at, #progress"
_SUCCEED = "SET #status = :succeeded, #result = :result" + _FINISH
# A result too large for the item is named by its key in the files bucket (the claim-check rule).
_SUCCEED_WITH_RESULT_REF = "SET #status = :succeeded, #result_ref = :result_ref" + _FINISH
_FAIL = "SET #status = :failed, #error = :error" + _FINISH
# An owned job's listing keys follow its status (contracts/README.md, Owners and listing). Written only when
# the item has an owner, since an item without one must not have them.
_SET_LISTING = ", #owner_status = :owner_status, #owner_type_status = :owner_type_status"
_LISTING_UPDATE = "SET #owner_status = :owner_status, #owner_type_status = :owner_type_status"
_PROGRESS_UPDATE = "SET #progress = :progress"
# A progress write is where a running job learns of a cancel: refused once one was asked for, and the refused
# item (ReturnValuesOnConditionCheckFailure) says whether that, or a lost claim, was why.
_HELD_NOT_CANCELLED = _HELD_BY_TOKEN + " AND attribute_not_exists(#cancel_requested_at)"
_CANCEL_CHECK_ATTRIBUTES = ("cancel_requested_at",)
_STOP_MARKS = ("cancel_requested_at", "budget_exceeded_at")
_WATCH_UPDATE = "SET #sweep_shard = :shard, #sweep_at = :until_ms"
_RELEASE_UPDATE = "SET #lease_expires_at = :now_ms, #updated_at = :now"
_BUDGET_EXCEEDED_UPDATE = "SET #budget_exceeded_at = if_not_exists(#budget_exceeded_at, :now)"
# The mark an attempt leaves before an effect outside the job's files (an email): kept across attempts, so a
# later attempt knows an earlier one may have caused it (docs/design.md, Effects that must happen once).
_EFFECT_UPDATE = "SET #effect_started_at = :now"
_HELD_WITHOUT_EFFECT = _HELD_BY_TOKEN + " AND attribute_not_exists(#effect_started_at)"
_ABANDON_EFFECT_UPDATE = "REMOVE #effect_started_at"
_COUNT_REFUSED_COMPLETION = "ADD #refused_completions :one"
_EXISTS = "attribute_exists(#job_id)"

SWEEP_INDEX = "sweep"
_OVERDUE = "#sweep_shard = :shard AND #sweep_at < :before_ms"
_UNCHANGED_SINCE_READ = "#sweep_at = :seen_sweep_at AND #status = :seen_status"
# A re-sent job leaves the index: its new message is in the queue, where it may wait as long as any other.
_RESEND_UPDATE = (
    "SET #sweeps = if_not_exists(#sweeps, :zero) + :one, #updated_at = :now REMOVE #sweep_shard, #sweep_at"
)
# A job whose every message has expired: nothing is waiting for it. `updated_at` only grows, and every write
# that sends a message (the API's submission, the sweeper's re-send) sets it at or after the send, so an old
# `updated_at` dates every message the job ever had. A job to run later has no message before its run_at
# (or one whose delay ends then), so its waiting counts from that (docs/design.md, Run later).
_STRANDED = (
    "#updated_at < :updated_before AND (attribute_not_exists(#run_at) OR #run_at < :updated_before) AND"
    " (#status = :queued OR (#status = :in_progress AND #lease_expires_at < :now_ms))"
)
_STRANDED_ATTRIBUTES = ("job_id", "job_type", "status", "updated_at", "owner")
_PENDING_ATTRIBUTES = (
    "job_id",
    "job_type",
    "status",
    "created_at",
    "updated_at",
    "lease_expires_at",
    "sweep_at",
)
# A job whose dead message goes back to the jobs queue: its last message is now this one.
# A job waiting for a newer worker is dated as a rescued one: the expiry scan counts from its last message.
_WAITING_UPDATE = "SET #updated_at = :now"
_QUEUED = "#status = :queued"
_RESCUE_UPDATE = "SET #sweeps = if_not_exists(#sweeps, :zero) + :one, #updated_at = :now"
_UNCHANGED_SINCE_SCAN = "#status = :seen_status AND #updated_at = :seen_updated_at"

_deserializer = TypeDeserializer()


def _read_attributes(
    client: "DynamoDBClient", table_name: str, job_id: str, names: tuple[str, ...]
) -> "Mapping[str, AttributeValueTypeDef]":
    """The job's attributes of `names` that it has (none when there is no such job): a strongly consistent
    GetItem, billed on the whole item."""
    response = client.get_item(
        TableName=table_name,
        Key={"job_id": {"S": job_id}},
        ConsistentRead=True,
        ProjectionExpression=", ".join(f"#{name}" for name in names),
        ExpressionAttributeNames=_names(*(f"#{name}" for name in names)),
    )
    return response.get("Item", {})


class DynamoJobStore:
    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def claim(
        self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime, watch: bool
    ) -> JobItem:
        update = _CLAIM_WATCHED if watch else _CLAIM_UNWATCHED
        values: dict[str, AttributeValueTypeDef] = {
            ":queued": {"S": JobStatus.QUEUED},
            ":in_progress": {"S": JobStatus.IN_PROGRESS},
            ":one": {"N": "1"},
            ":token": {"S": claim_token},
            ":lease_expires_at": {"N": str(to_epoch_ms(lease_expires_at))},
            ":now": {"S": to_timestamp(now)},
            ":now_ms": {"N": str(to_epoch_ms(now))},
        }
        if watch:
            values[":shard"] = {"N": str(sweep_shard(job_id))}
        try:
            response = self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=update,
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames=_names(update, _CLAIMABLE),
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                # The refused item comes back with the error, so telling "taken" from "missing", and who holds
                # the job until when, costs no read.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            current = refused.response.get("Item")
            if not isinstance(current, dict):
                raise JobNotFoundError(job_id) from refused
            held = {name: _deserializer.deserialize(value) for name, value in current.items()}
            if held["status"] == JobStatus.IN_PROGRESS and held.get("claim_token") == claim_token:
                # botocore sent this claim again after its answer was lost: the first one landed, and the
                # item that refuses the retry is that claim's.
                return JobItem.model_validate(held)
            if held["status"] == JobStatus.QUEUED and "run_at" in held:
                # A QUEUED job is refused only before its run_at.
                raise JobNotDueError(job_id, held["run_at"]) from refused
            lease = held.get("lease_expires_at")
            raise JobNotClaimableError(
                job_id,
                held["status"],
                claim_token=held.get("claim_token"),
                lease_expires_at=None if lease is None else int(lease),
            ) from refused
        # Numbers arrive as Decimal; pydantic turns the integral ones the contract allows into int.
        return JobItem.model_validate(
            {name: _deserializer.deserialize(value) for name, value in response["Attributes"].items()}
        )

    def mark_waiting(self, job_id: str, *, now: datetime) -> WaitingJob:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=_WAITING_UPDATE,
                ConditionExpression=_QUEUED,
                ExpressionAttributeNames=_names(_WAITING_UPDATE, _QUEUED),
                ExpressionAttributeValues={
                    ":now": {"S": to_timestamp(now)},
                    ":queued": {"S": JobStatus.QUEUED},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            return (
                WaitingJob.NOT_QUEUED
                if isinstance(refused.response.get("Item"), dict)
                else WaitingJob.MISSING
            )
        return WaitingJob.WAITING

    def watch_held(self, job_id: str, *, claim_token: str, until: datetime) -> None:
        self._fenced_update(
            job_id,
            claim_token,
            _WATCH_UPDATE,
            {":shard": {"N": str(sweep_shard(job_id))}, ":until_ms": {"N": str(to_epoch_ms(until))}},
        )

    def set_listing_status(self, job_id: str, *, claim_token: str, listing: OwnerListing) -> None:
        self._fenced_update(
            job_id, claim_token, _LISTING_UPDATE, _listing_values(listing, JobStatus.IN_PROGRESS)
        )

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
        written: dict[str, AttributeValueTypeDef]
        if isinstance(outcome, JobFailed):
            update, status = _FAIL, JobStatus.FAILED
            written = _failed_values(outcome.error)
        elif isinstance(outcome, JobSucceeded):
            update, status = _SUCCEED, JobStatus.SUCCEEDED
            written = {":succeeded": {"S": JobStatus.SUCCEEDED}, ":result": {"S": outcome.result_json}}
        else:
            update, status = _SUCCEED_WITH_RESULT_REF, JobStatus.SUCCEEDED
            written = {":succeeded": {"S": JobStatus.SUCCEEDED}, ":result_ref": {"S": outcome.result_ref}}
        if listing is not None:
            update += _SET_LISTING
            written.update(_listing_values(listing, status))
        self._fenced_update(
            job_id, claim_token, update + _LEAVE_PENDING, {**written, **_finished_values(now, expires_at)}
        )

    def record_progress(self, job_id: str, *, claim_token: str, progress: JobProgress) -> None:
        progress_value: AttributeValueTypeDef = {
            "M": {
                "percent": {"N": str(progress.percent)},
                "message": {"S": progress.message},
                "updated_at": {"S": progress.updated_at},
            }
        }
        held = self._held_update(
            job_id, claim_token, _PROGRESS_UPDATE, _HELD_NOT_CANCELLED, {":progress": progress_value}
        )
        if held is not None:
            raise CancelRequestedError(job_id) if "cancel_requested_at" in held else LeaseLostError(job_id)

    def is_cancel_requested(self, job_id: str) -> bool:
        return "cancel_requested_at" in _read_attributes(
            self._client, self._table_name, job_id, _CANCEL_CHECK_ATTRIBUTES
        )

    def mark_budget_exceeded(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        self._fenced_update(job_id, claim_token, _BUDGET_EXCEEDED_UPDATE, {":now": {"S": to_timestamp(now)}})

    def start_effect(self, job_id: str, *, claim_token: str, now: datetime) -> bool:
        # Refused while the claim holds: the mark was there.
        held = self._held_update(
            job_id, claim_token, _EFFECT_UPDATE, _HELD_WITHOUT_EFFECT, {":now": {"S": to_timestamp(now)}}
        )
        return held is None

    def abandon_effect(self, job_id: str, *, claim_token: str) -> None:
        self._fenced_update(job_id, claim_token, _ABANDON_EFFECT_UPDATE, {})

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        self._fenced_update(
            job_id,
            claim_token,
            _RELEASE_UPDATE,
            {":now_ms": {"N": str(to_epoch_ms(now))}, ":now": {"S": to_timestamp(now)}},
        )

    def record_refused_completion(self, job_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=_COUNT_REFUSED_COMPLETION,
                # Without it, ADD would create an item holding nothing but the counter.
                ConditionExpression=_EXISTS,
                ExpressionAttributeNames=_names(_COUNT_REFUSED_COMPLETION, _EXISTS),
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except self._client.exceptions.ConditionalCheckFailedException as missing:
            raise JobNotFoundError(job_id) from missing

    def _held_update(
        self,
        job_id: str,
        claim_token: str,
        update: str,
        condition: str,
        values: "Mapping[str, AttributeValueTypeDef]",
    ) -> dict[str, Any] | None:
        """An update on `condition`, which includes the claim `claim_token` holding the job: None when it was
        made; when refused, the item as it stands if the claim still holds it (the refused item comes back
        through ReturnValuesOnConditionCheckFailure), else LeaseLostError."""
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job_id}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names(update, condition),
                ExpressionAttributeValues={
                    **values,
                    ":in_progress": {"S": JobStatus.IN_PROGRESS},
                    ":token": {"S": claim_token},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            current = refused.response.get("Item")
            held = {} if not isinstance(current, dict) else _plain(current)
            if held.get("status") == JobStatus.IN_PROGRESS and held.get("claim_token") == claim_token:
                return held
            raise LeaseLostError(job_id) from refused
        return None

    def _fenced_update(
        self,
        job_id: str,
        claim_token: str,
        update: str,
        values: "Mapping[str, AttributeValueTypeDef]",
    ) -> None:
        # Refused although held cannot be: holding is the whole condition.
        if self._held_update(job_id, claim_token, update, _HELD_BY_TOKEN, values) is not None:
            raise LeaseLostError(job_id)


class DynamoSweepStore:
    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    def overdue_jobs(self, shard: int, *, before: datetime, limit: int) -> OverdueJobs:
        query: QueryInputTypeDef = {
            "TableName": self._table_name,
            "IndexName": SWEEP_INDEX,
            "KeyConditionExpression": _OVERDUE,
            "ExpressionAttributeNames": _names(_OVERDUE),
            "ExpressionAttributeValues": {
                ":shard": {"N": str(shard)},
                ":before_ms": {"N": str(to_epoch_ms(before))},
            },
        }
        jobs: list[OverdueJob] = []
        start_key: Mapping[str, AttributeValueTypeDef] | None = None
        # A page can end short of its Limit (at 1 MB): pages are read until the limit or the index runs out.
        while True:
            page_query: QueryInputTypeDef = {**query, "Limit": limit - len(jobs)}
            if start_key is not None:
                page_query["ExclusiveStartKey"] = start_key
            page = self._client.query(**page_query)
            jobs += [_overdue_job(item) for item in page["Items"]]
            start_key = page.get("LastEvaluatedKey")
            if start_key is None:
                return OverdueJobs(jobs, left_over=0)
            if len(jobs) >= limit:
                return OverdueJobs(jobs, left_over=self._count(query, start_key))

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        update, values = _FAIL, {**_failed_values(error), **_finished_values(now, expires_at)}
        if job.owner is not None:
            update += _SET_LISTING
            values.update(_listing_values(OwnerListing(job.owner, job.job_type), JobStatus.FAILED))
        self._fenced_on_sweep(job, update + _LEAVE_PENDING, values)

    def stop_marks(self, job_id: str) -> StopMarks:
        found = _read_attributes(self._client, self._table_name, job_id, _STOP_MARKS)
        return StopMarks(
            cancel_requested="cancel_requested_at" in found, budget_exceeded="budget_exceeded_at" in found
        )

    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        self._fenced_on_sweep(
            job, _RESEND_UPDATE, {":now": {"S": to_timestamp(now)}, ":zero": {"N": "0"}, ":one": {"N": "1"}}
        )

    def read_job(self, job_id: str) -> JobAsRead | None:
        response = self._client.get_item(
            TableName=self._table_name,
            Key={"job_id": {"S": job_id}},
            ConsistentRead=True,
            ProjectionExpression=", ".join(f"#{name}" for name in _PENDING_ATTRIBUTES),
            ExpressionAttributeNames=_names(*(f"#{name}" for name in _PENDING_ATTRIBUTES)),
        )
        found = response.get("Item")
        if found is None:
            return None
        plain = {name: _deserializer.deserialize(value) for name, value in found.items()}
        lease = plain.get("lease_expires_at")
        return JobAsRead(
            job_id=plain["job_id"],
            job_type=plain["job_type"],
            status=JobStatus(plain["status"]),
            created_at=plain["created_at"],
            updated_at=plain["updated_at"],
            lease_expires_at=None if lease is None else int(lease),
            watched="sweep_at" in plain,
        )

    def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job.job_id}},
                UpdateExpression=_RESCUE_UPDATE,
                ConditionExpression=_UNCHANGED_SINCE_SCAN,
                ExpressionAttributeNames=_names(_RESCUE_UPDATE, _UNCHANGED_SINCE_SCAN),
                ExpressionAttributeValues={
                    ":now": {"S": to_timestamp(now)},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":seen_status": {"S": job.status},
                    ":seen_updated_at": {"S": job.updated_at},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            raise OverdueJobChangedError(job.job_id) from refused

    def stranded_jobs(
        self, segment: int, *, segments: int, updated_before: datetime, now: datetime
    ) -> Sequence[StrandedJob]:
        # A Scan, not a Query: no index holds waiting jobs (entering one costs a write per job). Each run
        # reads one segment of the table, so its cost is the table's size over `segments` (docs/design.md).
        scan: ScanInputTypeDef = {
            "TableName": self._table_name,
            "Segment": segment,
            "TotalSegments": segments,
            "FilterExpression": _STRANDED,
            "ProjectionExpression": ", ".join(f"#{name}" for name in _STRANDED_ATTRIBUTES),
            "ExpressionAttributeNames": _names(_STRANDED, *(f"#{name}" for name in _STRANDED_ATTRIBUTES)),
            "ExpressionAttributeValues": {
                ":updated_before": {"S": to_timestamp(updated_before)},
                ":queued": {"S": JobStatus.QUEUED},
                ":in_progress": {"S": JobStatus.IN_PROGRESS},
                ":now_ms": {"N": str(to_epoch_ms(now))},
            },
        }
        jobs: list[StrandedJob] = []
        while True:
            page = self._client.scan(**scan)
            jobs += [_stranded_job(item) for item in page["Items"]]
            start_key = page.get("LastEvaluatedKey")
            if start_key is None:
                return jobs
            scan["ExclusiveStartKey"] = start_key

    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        update, values = _FAIL, {**_failed_values(error), **_finished_values(now, expires_at)}
        if job.owner is not None:
            update += _SET_LISTING
            values.update(_listing_values(OwnerListing(job.owner, job.job_type), JobStatus.FAILED))
        update += _LEAVE_PENDING
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job.job_id}},
                UpdateExpression=update,
                ConditionExpression=_UNCHANGED_SINCE_SCAN,
                ExpressionAttributeNames=_names(update, _UNCHANGED_SINCE_SCAN),
                ExpressionAttributeValues={
                    **values,
                    ":seen_status": {"S": job.status},
                    ":seen_updated_at": {"S": job.updated_at},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            raise OverdueJobChangedError(job.job_id) from refused

    def _count(self, query: "QueryInputTypeDef", start_key: "Mapping[str, AttributeValueTypeDef]") -> int:
        # COUNT pages return no items: reporting the backlog costs index reads, never the jobs' attributes.
        count = 0
        next_key: Mapping[str, AttributeValueTypeDef] | None = start_key
        while next_key is not None:
            count_page: QueryInputTypeDef = {**query, "Select": "COUNT", "ExclusiveStartKey": next_key}
            page = self._client.query(**count_page)
            count += page["Count"]
            next_key = page.get("LastEvaluatedKey")
        return count

    def _fenced_on_sweep(
        self, job: OverdueJob, update: str, values: "Mapping[str, AttributeValueTypeDef]"
    ) -> None:
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"job_id": {"S": job.job_id}},
                UpdateExpression=update,
                ConditionExpression=_UNCHANGED_SINCE_READ,
                ExpressionAttributeNames=_names(update, _UNCHANGED_SINCE_READ),
                ExpressionAttributeValues={
                    **values,
                    ":seen_sweep_at": {"N": str(job.sweep_at)},
                    ":seen_status": {"S": job.status},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException as refused:
            raise OverdueJobChangedError(job.job_id) from refused


def _plain(item: "Mapping[str, AttributeValueTypeDef]") -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _overdue_job(index_item: "Mapping[str, AttributeValueTypeDef]") -> OverdueJob:
    plain = {name: _deserializer.deserialize(value) for name, value in index_item.items()}
    return OverdueJob(
        job_id=plain["job_id"],
        job_type=plain["job_type"],
        status=JobStatus(plain["status"]),
        created_at=plain["created_at"],
        attempts=int(plain["attempts"]),
        sweeps=int(plain.get("sweeps", 0)),
        sweep_at=int(plain["sweep_at"]),
        owner=plain.get("owner"),
    )


def _stranded_job(item: "Mapping[str, AttributeValueTypeDef]") -> StrandedJob:
    plain = {name: _deserializer.deserialize(value) for name, value in item.items()}
    return StrandedJob(
        job_id=plain["job_id"],
        job_type=plain["job_type"],
        status=JobStatus(plain["status"]),
        updated_at=plain["updated_at"],
        owner=plain.get("owner"),
    )


def _failed_values(error: JobError) -> "dict[str, AttributeValueTypeDef]":
    return {
        ":failed": {"S": JobStatus.FAILED},
        ":error": {"M": {"code": {"S": error.code}, "message": {"S": error.message}}},
    }


def _listing_values(listing: OwnerListing, status: JobStatus) -> "dict[str, AttributeValueTypeDef]":
    return {
        ":owner_status": {"S": listing.owner_status(status)},
        ":owner_type_status": {"S": listing.owner_type_status(status)},
    }


def _finished_values(now: datetime, expires_at: datetime) -> "dict[str, AttributeValueTypeDef]":
    # TTL reads epoch seconds only; rounded up, so the item is kept at least the whole retention.
    return {":now": {"S": to_timestamp(now)}, ":expires_at": {"N": str(to_epoch_seconds(expires_at))}}


def _names(*expressions: str) -> dict[str, str]:
    # Every attribute goes through a placeholder: several of ours (status, result, error) are reserved words.
    return {f"#{name}": name for name in re.findall(r"#(\w+)", " ".join(expressions))}
