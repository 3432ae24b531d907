"""Processing one job message: claim, run, complete (docs/design.md, Failure classes in the worker)."""

import json
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from conveyor_worker.alarm import Alarm
from conveyor_worker.clock import Clock, from_epoch_ms
from conveyor_worker.contract import ContractViolationError, check
from conveyor_worker.job_types import JobType
from conveyor_worker.job_types.context import (
    FileStore,
    FileTooLargeError,
    JobCancelledError,
    JobContext,
    JobTimedOutError,
    Mailer,
    NoMailer,
    NoSuchFileError,
    result_key,
)
from conveyor_worker.job_types.errors import PermanentJobError
from conveyor_worker.jobs.backoff import Backoff
from conveyor_worker.jobs.errors import (
    JobAttemptFailedError,
    JobHeldElsewhereError,
    JobNotClaimableError,
    JobNotFoundError,
    JobNotStartedError,
    JobNotStoredYetError,
    LeaseLostError,
    UnknownJobTypeError,
)
from conveyor_worker.jobs.messages import is_orphan_age, until_orphan_age
from conveyor_worker.jobs.metrics import JobMetrics
from conveyor_worker.jobs.progress import ProgressReporter, ProgressStore
from conveyor_worker.models.job_item import JobError, JobItem, JobStatus
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.models.job_outcome import JobFailed, JobOutcome, JobSucceeded, JobSucceededWithResultRef
from conveyor_worker.models.listing import OwnerListing


class JobStore(ProgressStore, Protocol):
    """The jobs table, with the conditional writes of docs/design.md (Job lifecycle), progress among them."""

    def claim(
        self, job_id: str, *, claim_token: str, now: datetime, lease_expires_at: datetime, watch: bool
    ) -> JobItem:
        """Takes a QUEUED job, or an IN_PROGRESS one whose lease expired before `now`; returns the item after.

        With `watch`, the claim enters the job in the sweep index at its lease expiry (docs/design.md, The
        sweeper): this claim's message is on its last receive, so if the worker dies, no message is left in
        the jobs queue. Without, the claim takes the job out of the index if it was in it.
        The claim removes any progress of an earlier attempt. It leaves the listing keys as they were (one
        write cannot build them from the item's `owner`): see `set_listing_status`.
        Raises JobNotFoundError when there is no such job, JobNotClaimableError when it is held or finished.
        """
        ...

    def watch_held(self, job_id: str, *, claim_token: str, until: datetime) -> None:
        """Enters a job held by the claim `claim_token` in the sweep index at `until` (that claim's lease
        expiry), as a claim with `watch` does; raises LeaseLostError unless that claim still holds it."""
        ...

    def set_listing_status(self, job_id: str, *, claim_token: str, listing: OwnerListing) -> None:
        """Makes an owned job's listing keys name IN_PROGRESS, the status a claim gave it; raises
        LeaseLostError unless the job is IN_PROGRESS under `claim_token`."""
        ...

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
        """Records the outcome, finished at `now`, and when the finished item may be deleted (`expires_at`,
        in the same write), with the listing keys of the new status when the job has an owner (`listing`),
        and removes the progress; raises LeaseLostError unless the job is IN_PROGRESS under `claim_token`."""
        ...

    def mark_budget_exceeded(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        """Records that the attempt of `claim_token` was still running at `now`, past its time budget (kept
        if already recorded); raises LeaseLostError like `complete`."""
        ...

    def release(self, job_id: str, *, claim_token: str, now: datetime) -> None:
        """Ends the lease at `now` so a retry can claim again; raises LeaseLostError like `complete`."""
        ...

    def start_effect(self, job_id: str, *, claim_token: str, now: datetime) -> bool:
        """Records `effect_started_at` = `now` unless the item has it: True if this wrote it, False if an
        earlier attempt had (JobContext.start_effect); raises LeaseLostError like `complete`."""
        ...

    def abandon_effect(self, job_id: str, *, claim_token: str) -> None:
        """Removes `effect_started_at`; raises LeaseLostError like `complete`."""
        ...

    def record_refused_completion(self, job_id: str) -> None:
        """Counts one more refused completion on the job; raises JobNotFoundError if there is no such job."""
        ...

    def is_cancel_requested(self, job_id: str) -> bool:
        """Whether the job's item has cancel_requested_at: one strongly consistent GetItem, on a job
        function's explicit check (JobContext.check_cancelled)."""
        ...


class MessageVisibility(Protocol):
    """The jobs queue's hold on a message being processed."""

    def postpone(self, receipt_handle: str, delay_seconds: int) -> None:
        """Makes the received message visible again in `delay_seconds`, not after the queue's timeout."""
        ...


_MAX_ERROR_MESSAGE = 2000  # job-error.schema.json's maxLength
CANCELLED = "CANCELLED"
"""The error code of a job ended because a cancel was asked for (job-error)."""
TIMED_OUT = "TIMED_OUT"
"""The error code of a job whose attempt ran past its job type's time budget (job-error)."""

NOT_STORED_PAUSES_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.8)
"""Pauses between claims of a job that is not stored yet: the API stores it right after sending its message,
so it almost always exists within the first pause; 1.55 s in all."""
NOT_STORED_RETRY_SECONDS = 5
"""The shortest wait before a message whose job is still not stored comes back (see `_not_stored`)."""
_MAX_VISIBILITY_SECONDS = 43_200
"""SQS refuses a longer visibility timeout."""

RECORD_CALLS = timedelta(seconds=2)
"""Beyond its job's run, what a record takes: its claim and its completion (tens of milliseconds each when the
backends answer), and a large result's upload."""

INLINE_RESULT_MAX_BYTES = 65_536
"""A result whose JSON text is longer, in UTF-8 bytes, is stored in the files bucket and the job item keeps
only its key (the claim-check rule, contracts/README.md): items stay far below DynamoDB's 400 KB."""


PAYLOAD_MAX_BYTES = 262_144
"""The API's bound on a payload's stored JSON text, which a payload stored aside (payload_ref) is read
with."""


@dataclass(frozen=True)
class _Claim:
    item: JobItem
    """The job as the claim left it (ALL_NEW): IN_PROGRESS, `attempts` counting this attempt."""
    token: str
    claimed_at: datetime


class JobProcessor:
    """Returns from `process` when the message may be acknowledged and raises when it must be retried."""

    def __init__(
        self,
        *,
        store: JobStore,
        visibility: MessageVisibility,
        files: FileStore,
        job_types: Mapping[str, JobType],
        clock: Clock,
        lease: timedelta,
        max_receive_count: int,
        backoff: Backoff,
        retention: timedelta,
        logger: Logger,
        metrics: JobMetrics,
        sleep: Callable[[float], None],
        alarm: Alarm,
        mailer: Mailer | None = None,
    ) -> None:
        """`files` is the files bucket, which job functions read and write and where large results go;
        `retention` is how long a finished job's item is kept after it finished (JOB_RETENTION_DAYS); `sleep`
        pauses the worker (seconds) while a job whose message came first is being stored; `alarm` stops a job
        function at its deadline (alarm.py); `mailer` sends a job's email (none: a deployment without a
        sender, whose send_email jobs fail EMAIL_NOT_CONFIGURED)."""
        self._mailer = mailer or NoMailer()
        self._store = store
        self._visibility = visibility
        self._files = files
        self._job_types = job_types
        self._clock = clock
        self._lease = lease
        self._max_receive_count = max_receive_count
        self._backoff = backoff
        self._retention = retention
        self._logger = logger
        self._metrics = metrics
        self._sleep = sleep
        self._alarm = alarm

    def process(
        self,
        message: JobMessage,
        *,
        receive_count: int,
        receipt_handle: str,
        time_left: timedelta | None = None,
    ) -> None:
        """`receive_count` is the message's ApproximateReceiveCount and `receipt_handle` the handle of this
        receive, with which a retry is postponed; `time_left` is what remains of the invocation (None: no
        bound), in which the job must be able to finish before it is claimed."""
        if time_left is not None:
            self._start_only_in_time(message, time_left, receipt_handle)
        claim = self._claim(message, receive_count=receive_count, receipt_handle=receipt_handle)
        if claim is None:
            return
        if claim.item.cancel_requested_at is not None:
            # Claimed again after its lease expired (its worker died, or released it after a transient
            # failure) with a cancel asked for meanwhile: ended without running it again.
            self._complete(claim, _failed(CANCELLED, "cancelled; not run again after its last attempt"))
            return
        if claim.item.budget_exceeded_at is not None:
            # Its last attempt's worker saw it run past its budget, then died (Lambda's timeout): another
            # attempt would be given no more time (docs/design.md, Time budgets).
            self._complete(claim, _timed_out_before(self._job_types.get(claim.item.job_type)))
            return
        try:
            outcome = self._run(claim)
        except Exception as transient:  # anything but a PermanentJobError may pass on a later attempt
            self._after_transient_failure(claim, transient, receive_count, receipt_handle)
            raise JobAttemptFailedError(claim.item.job_id, claim.item.attempts) from transient
        self._complete(claim, outcome)

    def _start_only_in_time(self, message: JobMessage, time_left: timedelta, receipt_handle: str) -> None:
        """Raises JobNotStartedError, the message given back at once, when the job's time budget and the
        record's own calls do not fit in `time_left`: the timeout would otherwise end the run midway and
        take the rest of the batch with it, every message back only after the visibility timeout."""
        job_type = self._job_types.get(message.job_type)
        # A job type this worker lacks is not run (Jobs newer than their worker): its record needs only calls.
        time_needed = (job_type.budget if job_type else timedelta(0)) + RECORD_CALLS
        if time_left >= time_needed:
            return
        # Unclaimed, the job stays QUEUED and its attempts untouched. Given back on its last receive, the
        # message goes to the DLQ at the next, where the sweeper finds a pending job's and sends it again.
        self._postpone(receipt_handle, 0, job_id=message.job_id)
        raise JobNotStartedError(message.job_id, time_left, time_needed)

    def _claim(self, message: JobMessage, *, receive_count: int, receipt_handle: str) -> _Claim | None:
        """The claim this message won, or None when the message may be acknowledged without running the job;
        raises when it must come back."""
        # On the last receive SQS moves a message that comes back to the DLQ: the claim makes its job the
        # sweeper's to end if this worker dies (docs/design.md, The sweeper).
        last_receive = receive_count >= self._max_receive_count
        try:
            claim = self._claim_when_stored(message.job_id, watch=last_receive)
        except JobNotFoundError:
            self._not_stored(message, receive_count, receipt_handle)
            return None
        except JobNotClaimableError as taken:
            self._not_claimable(taken, last_receive=last_receive, receipt_handle=receipt_handle)
            return None
        item = claim.item
        self._log_transition(item, JobStatus.IN_PROGRESS, attempt=item.attempts)
        self._metrics.job_claimed(
            queue_wait=_queue_wait(item, claim.claimed_at) if item.attempts == 1 else None
        )
        self._keep_listing_in_progress(claim)
        return claim

    def _claim_when_stored(self, job_id: str, *, watch: bool) -> _Claim:
        # The API sends a job's message before it stores the job, so a worker can receive the message a
        # moment before the job exists: it tries again over about a second before giving the message back.
        for pause in NOT_STORED_PAUSES_SECONDS:
            try:
                return self._claim_now(job_id, watch=watch)
            except JobNotFoundError:
                self._sleep(pause)
        return self._claim_now(job_id, watch=watch)

    def _claim_now(self, job_id: str, *, watch: bool) -> _Claim:
        now = self._clock()
        token = secrets.token_hex(16)
        item = self._store.claim(
            job_id, claim_token=token, now=now, lease_expires_at=now + self._lease, watch=watch
        )
        return _Claim(item, token, now)

    def _not_stored(self, message: JobMessage, receive_count: int, receipt_handle: str) -> None:
        """Raises JobNotStoredYetError while the API that sent the message may still store its job; returns,
        so that the message is acknowledged, once it no longer can."""
        job_id = message.job_id
        now = self._clock()
        if not is_orphan_age(message, now):
            # Its receives are spread so that the last one comes once the message is old enough to judge: an
            # orphan is then acknowledged rather than moved to the DLQ, and a job whose write was only slow
            # runs on an earlier one. (Given back on its last receive, it goes to the DLQ, where the sweeper
            # finds it: it sends a stored job's message back, and drops an orphan.)
            receives_left = max(1, self._max_receive_count - receive_count)
            spread = math.ceil(until_orphan_age(message, now).total_seconds() / receives_left) + 1
            delay_seconds = min(_MAX_VISIBILITY_SECONDS, max(NOT_STORED_RETRY_SECONDS, spread))
            self._logger.info(
                "job not stored yet; its message comes back later",
                extra={"job_id": job_id, "retry_in_seconds": delay_seconds},
            )
            self._postpone(receipt_handle, delay_seconds, job_id=job_id)
            raise JobNotStoredYetError(job_id)
        # The API answered 5xx for it: a client never learnt of this job, and nothing waits for it.
        self._logger.warning(
            "orphan message dropped: its job was never stored",
            extra={"job_id": job_id, "submitted_at": message.submitted_at},
        )
        self._metrics.orphan_message_dropped()

    def _not_claimable(self, taken: JobNotClaimableError, *, last_receive: bool, receipt_handle: str) -> None:
        """Returns when the message may be acknowledged; raises JobHeldElsewhereError when it must come
        back: a message is only ever deleted once its job has ended, or where the sweeper can find the job."""
        job_id = taken.job_id
        if taken.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            # No `status` key: this line is not a transition of the job.
            self._logger.info(
                "duplicate delivery skipped", extra={"job_id": job_id, "current_status": taken.status}
            )
            self._metrics.duplicate_delivery_skipped()
            return
        # Another claim holds the job under a live lease. This message may be the holder's own (SQS delivers a
        # message twice, now and then), so it stays until the lease has expired, in case the holder dies.
        lease_end = from_epoch_ms(taken.lease_expires_at) if taken.lease_expires_at is not None else None
        if last_receive and taken.claim_token is not None and lease_end is not None:
            try:
                # It cannot come back (SQS would move it to the DLQ): the sweeper watches the job instead.
                self._store.watch_held(job_id, claim_token=taken.claim_token, until=lease_end)
            except LeaseLostError:
                # The job changed hands meanwhile. The message goes back, so to the DLQ: kept there, it is
                # evidence and can be redriven, where an acknowledged one would be gone.
                self._logger.info("holder changed while the job was being watched", extra={"job_id": job_id})
            else:
                self._logger.info(
                    "duplicate delivery skipped; the sweeper watches the job", extra={"job_id": job_id}
                )
                self._metrics.duplicate_delivery_skipped()
                return
        remaining = (lease_end or self._clock()) - self._clock()
        delay_seconds = min(_MAX_VISIBILITY_SECONDS, max(0, math.ceil(remaining.total_seconds())) + 1)
        self._logger.info(
            "job held by another claim; its message comes back when that lease has expired",
            extra={"job_id": job_id, "retry_in_seconds": delay_seconds},
        )
        self._postpone(receipt_handle, delay_seconds, job_id=job_id)
        self._metrics.duplicate_delivery_deferred()
        raise JobHeldElsewhereError(job_id, delay_seconds)

    def _keep_listing_in_progress(self, claim: _Claim) -> None:
        listing = OwnerListing.of(claim.item)
        # A re-claim after a lease expiry finds the keys already naming IN_PROGRESS, unless this very write
        # failed the last time.
        if listing is None or listing.is_current(claim.item):
            return
        try:
            self._store.set_listing_status(claim.item.job_id, claim_token=claim.token, listing=listing)
        except LeaseLostError:
            self._logger.info(
                "listing keys not updated: another claim holds the job", extra={"job_id": claim.item.job_id}
            )
        except Exception:
            # Not worth a retry of the job: the listing misses it under IN_PROGRESS until its completion
            # writes the keys anew (the API leaves out any item whose status does not match its keys).
            self._logger.exception(
                "listing keys not updated for IN_PROGRESS", extra={"job_id": claim.item.job_id}
            )

    def _run(self, claim: _Claim) -> JobOutcome:
        item = claim.item
        job_type = self._job_types.get(item.job_type)
        if job_type is None:
            raise UnknownJobTypeError(item.job_type)
        try:
            payload_text = self._payload_text(item)
        except NoSuchFileError:
            # Never written (the API refuses a job whose payload it could not store) or expired by the
            # bucket's lifecycle rule: no attempt can find it.
            return _failed("PAYLOAD_NOT_FOUND", f"the payload stored aside, {item.payload_ref}, is gone")
        except (FileTooLargeError, UnicodeDecodeError) as unreadable:
            return _failed("INVALID_PAYLOAD", f"the payload stored aside is unreadable: {unreadable}")
        if payload_text is None:
            return _failed("INVALID_PAYLOAD", "the job item holds neither payload nor payload_ref")
        try:
            payload = json.loads(payload_text)
        except json.JSONDecodeError as not_json:
            return _failed("INVALID_PAYLOAD", f"the stored payload is not valid JSON text: {not_json}")
        try:
            check(job_type.input_schema, "the payload", payload)
        except ContractViolationError as invalid:
            return _failed("INVALID_PAYLOAD", str(invalid))
        result = self._call(job_type, claim, payload)
        if isinstance(result, JobFailed):
            return result
        try:
            check(job_type.result_schema, "the result", result)
            result_json = _to_json_text(result)
        except (ContractViolationError, TypeError, ValueError) as invalid:
            return _failed("INVALID_RESULT", str(invalid))
        return self._succeeded(item.job_id, result_json)

    def _call(self, job_type: JobType, claim: _Claim, payload: Any) -> dict[str, Any] | JobFailed:
        """The job function's result, or how its run ended the job: stopped at its deadline (the alarm), past
        its budget, cancelled, or failed for good. Anything else it raises is transient and raised."""
        item = claim.item
        progress = ProgressReporter(
            store=self._store,
            job_id=item.job_id,
            claim_token=claim.token,
            clock=self._clock,
            logger=self._logger,
        )
        deadline = self._clock() + job_type.budget
        # The job's owner scopes what it may read: another caller's upload reads as a missing one.
        context = JobContext(
            item.job_id,
            self._files,
            progress.report,
            owner=item.owner,
            cancel_check=lambda: self._store.is_cancel_requested(item.job_id),
            remaining=lambda: deadline - self._clock(),
            mailer=self._mailer,
            effect_start=lambda: self._store.start_effect(
                item.job_id, claim_token=claim.token, now=self._clock()
            ),
            effect_abandon=lambda: self._store.abandon_effect(item.job_id, claim_token=claim.token),
        )
        try:
            with self._alarm(item.job_id, job_type.budget, partial(self._mark_budget_exceeded, claim)):
                result = job_type.run(payload, context)
        except JobTimedOutError:
            return _timed_out(job_type)
        except PermanentJobError as permanent:
            return _failed(permanent.code, permanent.message)
        except JobCancelledError:
            # Ended, not retried: the cancel is what the caller asked for (docs/design.md, Cancel and retry).
            return _failed(CANCELLED, "cancelled while it ran; the job function stopped")
        except Exception:
            # Where the alarm could not interrupt it, a run past its budget is judged when it ends: a retry
            # would be given no more time, so its failure is the budget's, not a transient one.
            if self._clock() > deadline:
                return _timed_out(job_type)
            raise
        if self._clock() > deadline:
            return _timed_out(job_type)
        return result

    def _mark_budget_exceeded(self, claim: _Claim) -> None:
        """Called on another thread when the alarm could not stop the run: the evidence a later claim, or the
        sweeper, ends the job TIMED_OUT by if this worker dies of its timeout."""
        job_id = claim.item.job_id
        self._logger.warning("the run is past its time budget and did not stop", extra={"job_id": job_id})
        try:
            self._store.mark_budget_exceeded(job_id, claim_token=claim.token, now=self._clock())
        except Exception:
            # Without it, a death by the timeout reads as a crash: retried, and in the end RETRIES_EXHAUSTED.
            self._logger.exception("budget overrun not recorded", extra={"job_id": job_id})

    def _payload_text(self, item: JobItem) -> str | None:
        """The payload's JSON text, from the item or, stored aside, from the files bucket. Any error of S3 but
        a missing object (throttling, 5xx, no answer) is raised as it is: transient, so retried."""
        if item.payload is not None or item.payload_ref is None:
            return item.payload
        # The API writes payloads with no owner recorded, so any job may read them: the key is its own job's.
        body = self._files.read(item.payload_ref, max_bytes=PAYLOAD_MAX_BYTES, job_owner=None)
        return body.decode("utf-8")

    def _succeeded(self, job_id: str, result_json: str) -> JobSucceeded | JobSucceededWithResultRef:
        encoded = result_json.encode("utf-8")
        if len(encoded) <= INLINE_RESULT_MAX_BYTES:
            return JobSucceeded(result_json)
        # Written before the completion that names it. If that completion is refused (another claim took the
        # job) or never happens, nothing names the object and the bucket's lifecycle rule deletes it with the
        # other results; a later attempt writes the same key again.
        key = result_key(job_id, "result.json")
        self._files.write(key, encoded, content_type="application/json")
        return JobSucceededWithResultRef(key)

    def _after_transient_failure(
        self, claim: _Claim, transient: Exception, receive_count: int, receipt_handle: str
    ) -> None:
        item = claim.item
        if self._is_last_attempt(item, receive_count):
            last_error = f"{type(transient).__name__}: {transient}"
            self._complete(
                claim,
                _failed(
                    "RETRIES_EXHAUSTED", f"gave up after {item.attempts} attempts; last error: {last_error}"
                ),
            )
            return
        try:
            self._store.release(item.job_id, claim_token=claim.token, now=self._clock())
        except LeaseLostError:
            self._logger.warning(
                "lease lost before its release: another claim holds the job",
                extra={"job_id": item.job_id, "job_type": item.job_type, "attempt": item.attempts},
            )
            return
        self._metrics.job_retried()
        delay_seconds = self._backoff.delay_seconds(item.attempts)
        self._logger.warning(
            "lease released after a transient failure; the job will be retried",
            extra={
                "job_id": item.job_id,
                "job_type": item.job_type,
                "attempt": item.attempts,
                "retry_in_seconds": delay_seconds,
            },
            exc_info=transient,
        )
        self._postpone(receipt_handle, delay_seconds, job_id=item.job_id)

    def _is_last_attempt(self, item: JobItem, receive_count: int) -> bool:
        # Both counts matter: a message the sweeper sent again starts SQS's receive count afresh, while the
        # item's attempts keep counting every claim.
        return receive_count >= self._max_receive_count or item.attempts >= self._max_receive_count

    def _postpone(self, receipt_handle: str, delay_seconds: int, *, job_id: str) -> None:
        try:
            self._visibility.postpone(receipt_handle, delay_seconds)
        except Exception:
            # Not worth failing over: the message still comes back, after the queue's own visibility timeout.
            self._logger.exception(
                "message delay not set; the queue's visibility timeout applies", extra={"job_id": job_id}
            )

    def _complete(self, claim: _Claim, outcome: JobOutcome) -> None:
        item, now = claim.item, self._clock()
        expires_at = now + self._retention
        try:
            self._store.complete(
                item.job_id,
                claim_token=claim.token,
                outcome=outcome,
                now=now,
                expires_at=expires_at,
                listing=OwnerListing.of(item),
            )
        except LeaseLostError:
            self._logger.warning(
                "stale completion dropped: another claim holds the job",
                extra={"job_id": item.job_id, "job_type": item.job_type, "attempt": item.attempts},
            )
            self._record_refused_completion(item)
            return
        run_time = now - claim.claimed_at
        if isinstance(outcome, JobFailed):
            self._log_transition(
                item, JobStatus.FAILED, error_code=outcome.error.code, error_message=outcome.error.message
            )
            self._metrics.job_failed(run_time=run_time)
        else:
            self._log_transition(item, JobStatus.SUCCEEDED, duration_ms=run_time // timedelta(milliseconds=1))
            self._metrics.job_succeeded(run_time=run_time)

    def _record_refused_completion(self, item: JobItem) -> None:
        try:
            self._store.record_refused_completion(item.job_id)
        except Exception:
            # Bookkeeping only: the message is acknowledged whether or not the trace was written.
            self._logger.exception("refused completion not counted", extra={"job_id": item.job_id})

    def _log_transition(self, item: JobItem, status: JobStatus, **details: Any) -> None:
        self._logger.info(
            f"job {status}",
            extra={"job_id": item.job_id, "job_type": item.job_type, "status": status.value, **details},
        )


def _failed(code: str, message: str) -> JobFailed:
    bounded = message if len(message) <= _MAX_ERROR_MESSAGE else message[: _MAX_ERROR_MESSAGE - 1] + "…"
    return JobFailed(JobError(code=code, message=bounded or code))


def _timed_out(job_type: JobType) -> JobFailed:
    return _failed(
        TIMED_OUT,
        f"the run took longer than {job_type.name}'s time budget of {job_type.budget.total_seconds():g} s"
        " and was stopped; it is not retried",
    )


def _timed_out_before(job_type: JobType | None) -> JobFailed:
    budget = f" of {job_type.budget.total_seconds():g} s" if job_type else ""
    return _failed(
        TIMED_OUT,
        f"not run again: its last attempt ran past its time budget{budget} and its worker stopped with it",
    )


def _queue_wait(item: JobItem, claimed_at: datetime) -> timedelta:
    """From the submission (created_at) to the claim; never negative, whatever the clocks' skew."""
    return max(timedelta(0), claimed_at - datetime.fromisoformat(item.created_at))


def _to_json_text(result: dict[str, Any]) -> str:
    # allow_nan=False: a result schema's "number" accepts inf and NaN, but JSON text cannot hold them.
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
