"""One sweep: the pending jobs that lost their message, found by evidence, sent again or ended FAILED.

docs/design.md, The sweeper: every accepted job ends. A job that only waits in the queue is never touched:
age alone is not evidence that a message is gone.
"""

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum, auto
from typing import Protocol

from aws_lambda_powertools import Logger

from conveyor_worker.clock import Clock, to_epoch_ms
from conveyor_worker.contract import ContractViolationError, check, load_contract
from conveyor_worker.jobs.errors import MalformedMessageError, NewerJobError, OverdueJobChangedError
from conveyor_worker.jobs.messages import is_orphan_age, parse_job_message
from conveyor_worker.jobs.metrics import SweepMetrics
from conveyor_worker.models.job_item import JobError, JobStatus
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.models.sweep_index import SWEEP_SHARDS


@dataclass(frozen=True)
class OverdueJob:
    """A pending job as the sparse `sweep` index shows it: only the attributes the index projects."""

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    attempts: int
    sweeps: int
    """Re-sends so far; 0 while the item has no `sweeps` attribute."""
    sweep_at: int
    """Epoch milliseconds. With `status` it fences the sweeper's write: a job that changed is left alone."""
    owner: str | None = None
    """The job's owner, in a deployment with sign-in: failing the job rewrites its listing keys."""


@dataclass(frozen=True)
class StopMarks:
    cancel_requested: bool
    """The item has cancel_requested_at."""
    budget_exceeded: bool
    """The item has budget_exceeded_at: its worker saw the attempt run past its time budget."""


@dataclass(frozen=True)
class StrandedJob:
    """A pending job none of whose messages can still exist, as the expiry scan read it."""

    job_id: str
    job_type: str
    status: JobStatus
    updated_at: str
    """With `status` it fences the sweeper's write: a job that changed since the scan is left alone."""
    owner: str | None = None


@dataclass(frozen=True)
class JobAsRead:
    """A job whose message was found in the DLQ, as the sweeper read it before deciding what to do."""

    job_id: str
    job_type: str
    status: JobStatus
    created_at: str
    updated_at: str
    """With `status` it fences the sweeper's write: a job that changed since the read is left alone."""
    lease_expires_at: int | None
    """Epoch milliseconds; None while QUEUED."""
    watched: bool
    """In the sweep index, whose entries the sweeper settles on their own."""


@dataclass(frozen=True)
class DeadLetter:
    body: str
    receipt_handle: str


@dataclass(frozen=True)
class OverdueJobs:
    jobs: Sequence[OverdueJob]
    """Oldest `sweep_at` first."""
    left_over: int
    """Overdue jobs of the shard beyond the limit, left for the next sweep."""


class SweepStore(Protocol):
    """The jobs table's `sweep` index and the sweeper's conditional writes (docs/design.md, The sweeper)."""

    def overdue_jobs(self, shard: int, *, before: datetime, limit: int) -> OverdueJobs:
        """At most `limit` pending jobs of index partition `shard` whose sweep_at is earlier than `before`."""
        ...

    def fail_overdue(self, job: OverdueJob, *, error: JobError, now: datetime, expires_at: datetime) -> None:
        """Ends the job FAILED at `now`, to be deleted after `expires_at`, takes it out of the index, removes
        its progress and, when it has an owner, makes its listing keys name FAILED; raises
        OverdueJobChangedError if it changed."""
        ...

    def stop_marks(self, job_id: str) -> StopMarks:
        """What the job's item says of why its attempt may have stopped (one strongly consistent GetItem): the
        `sweep` index projects neither mark."""
        ...

    def mark_resent(self, job: OverdueJob, *, now: datetime) -> None:
        """Takes the job out of the index and counts one more re-send (its message was just sent again);
        raises OverdueJobChangedError if it changed."""
        ...

    def read_job(self, job_id: str) -> JobAsRead | None:
        """The job as it is now (a strongly consistent read), or None when there is no such job."""
        ...

    def mark_rescued(self, job: JobAsRead, *, now: datetime) -> None:
        """Counts one more re-send and dates the job's last message at `now`; raises OverdueJobChangedError if
        it changed since `pending_job` read it."""
        ...

    def stranded_jobs(
        self, segment: int, *, segments: int, updated_before: datetime, now: datetime
    ) -> Sequence[StrandedJob]:
        """The jobs of table segment `segment` (of `segments`) that are QUEUED, or IN_PROGRESS with a lease
        that expired before `now`, and were last written before `updated_before`."""
        ...

    def fail_stranded(
        self, job: StrandedJob, *, error: JobError, now: datetime, expires_at: datetime
    ) -> None:
        """Ends the job FAILED like `fail_overdue`; raises OverdueJobChangedError if it changed since the
        scan."""
        ...


class JobQueue(Protocol):
    """The jobs queue the workers read."""

    def send(self, message: JobMessage, *, delay_seconds: int = 0) -> None:
        """Sends the message, delivered after `delay_seconds` (at most 900)."""
        ...


class DeadLetterQueue(Protocol):
    """The jobs queue's DLQ, where SQS moves a message after MAX_RECEIVE_COUNT receives."""

    def receive(self, max_messages: int) -> Sequence[DeadLetter]:
        """At most `max_messages` (up to 10) messages, hidden from other receivers for a while."""
        ...

    def delete(self, receipt_handle: str) -> None: ...

    def release(self, receipt_handles: Sequence[str]) -> None:
        """Makes up to 10 received messages visible again at once, not at the visibility timeout's end."""
        ...


class _Fate(Enum):
    """What a sweep did with a dead message."""

    RESCUED = auto()
    DROPPED = auto()
    LEFT = auto()


DEAD_LETTER_RECEIVES = 10
"""ReceiveMessage calls on the DLQ per sweep, of up to 10 messages each: a sweep looks at up to 100 dead
messages, and leaves the rest for the next minute's."""
MESSAGE_EXPIRY_MARGIN = timedelta(hours=1)
"""Beyond the queues' retention: a message's retention counts from its send, a moment after the write that
dates it, and the clocks of the functions and of SQS may differ by a little."""
_ONE_MINUTE_MS = 60_000
_LONGEST_MESSAGE_DELAY_MS = 900_000
"""SQS's longest DelaySeconds: the API enters a job in the index to run later only beyond it."""
LOOKAHEAD = timedelta(minutes=5)
"""How far ahead of a delayed job's run_at (its sweep_at) the sweep sends its message, delayed by the
remainder: a few runs of the every-minute schedule, so that one late or failed run still leaves the message
on time; well under SQS's longest delay, 900 s."""


@dataclass
class SweepSummary:
    overdue: int = 0
    """Jobs of the sweep index this sweep looked at: resent + failed + skipped."""
    resent: int = 0
    """Messages sent again, those of delayed jobs coming due (docs/design.md, Run later) among them."""
    failed: int = 0
    skipped: int = 0
    """Jobs that changed under the sweep (someone else acted) or whose message the contract refuses."""
    left_for_next_run: int = 0
    rescued: int = 0
    """Pending jobs whose message was in the DLQ, sent to the jobs queue again."""
    stranded: int = 0
    """Jobs of the scanned segment none of whose messages can still exist, ended FAILED MESSAGE_EXPIRED."""

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Sweeper:
    """Acts on each overdue job at most once per sweep, and only if the job is still as the sweep read it.

    A DynamoDB or SQS error ends the sweep: the jobs it did not reach wait for the next one, a minute later.
    """

    def __init__(
        self,
        *,
        store: SweepStore,
        queue: JobQueue,
        dead_letters: DeadLetterQueue,
        clock: Clock,
        grace: timedelta,
        max_attempts: int,
        jobs_per_shard: int,
        message_retention: timedelta,
        scan_segments: int,
        retention: timedelta,
        logger: Logger,
        metrics: SweepMetrics,
    ) -> None:
        """`max_attempts` is MAX_RECEIVE_COUNT; `jobs_per_shard` bounds one sweep's work on each shard, so a
        large backlog is worked off over several runs instead of outlasting the function's timeout;
        `message_retention` is the longest either queue keeps a message, after which none of a job's messages
        can exist; the expiry scan reads one of `scan_segments` segments of the table per sweep (the segment
        of the sweep's minute: the whole table every `scan_segments` minutes); `retention` is how long a job
        the sweeper fails is kept after it (JOB_RETENTION_DAYS)."""
        self._store = store
        self._queue = queue
        self._dead_letters = dead_letters
        self._clock = clock
        self._grace = grace
        self._max_attempts = max_attempts
        self._jobs_per_shard = jobs_per_shard
        self._message_retention = message_retention
        self._scan_segments = scan_segments
        self._retention = retention
        self._logger = logger
        self._metrics = metrics

    def sweep(self) -> SweepSummary:
        now = self._clock()
        summary = SweepSummary()
        overdue_ms = to_epoch_ms(now - self._grace)
        for shard in range(SWEEP_SHARDS):
            # A delayed job's message is sent ahead of its run_at (sweep_at); any other entry is a watched
            # job, the sweep's only once its sweep_at and the grace have passed.
            found = self._store.overdue_jobs(shard, before=now + LOOKAHEAD, limit=self._jobs_per_shard)
            summary.left_for_next_run += found.left_over
            for job in found.jobs:
                if job.sweep_at >= overdue_ms and not _waits_for_run_at(job):
                    continue
                summary.overdue += 1
                with _correlated_to(self._logger, job.job_id):
                    self._settle(job, summary)
        self._rescue_dead_letters(summary)
        self._fail_stranded(now, summary)
        # A sweep runs every minute and almost always finds nothing; only one that acted is worth a log line.
        log = (
            self._logger.info
            if summary.overdue or summary.rescued or summary.stranded
            else self._logger.debug
        )
        log("sweep finished", extra=summary.as_dict())
        return summary

    def _settle(self, job: OverdueJob, summary: SweepSummary) -> None:
        try:
            if job.status is JobStatus.IN_PROGRESS and job.attempts >= self._max_attempts:
                self._fail(job)
                summary.failed += 1
                self._metrics.overdue_job_failed()
            elif self._resend(job):
                summary.resent += 1
                self._metrics.job_resent()
            else:
                summary.skipped += 1
        except OverdueJobChangedError:
            # The index is read before the write, so its view can be old: the item's newer state wins.
            self._logger.info("overdue job skipped: it changed since the sweep read it", extra=_about(job))
            summary.skipped += 1

    def _fail(self, job: OverdueJob) -> None:
        """The job was claimed on its message's last receive and that attempt never ended: the worker died,
        and SQS moves the message to the DLQ instead of delivering it again. A cancel asked for meanwhile is
        what ends it: the caller asked for that end, and no attempt could have finished it otherwise. One its
        worker saw run past its time budget died of that (docs/design.md, Time budgets)."""
        stopped = f"the worker stopped during its last attempt ({job.attempts} of {self._max_attempts})"
        marks = self._store.stop_marks(job.job_id)
        if marks.cancel_requested:
            error = JobError(code="CANCELLED", message=f"cancelled; {stopped} and recorded no outcome")
        elif marks.budget_exceeded:
            error = JobError(code="TIMED_OUT", message=f"{stopped}, past its time budget")
        else:
            error = JobError(code="RETRIES_EXHAUSTED", message=f"{stopped} and recorded no outcome")
        now = self._clock()
        self._store.fail_overdue(job, error=error, now=now, expires_at=now + self._retention)
        self._log_failed(_about(job), error)

    def _resend(self, job: OverdueJob) -> bool:
        """Sends the job's message once more, then takes the job out of the index; False when the message
        would break the contract, and so was not sent.

        The job is in the index because its message may be gone: dropped as a duplicate on its last receive
        while another claim held the job, or never sent by an API that stored jobs before sending them. A
        second message is harmless (the claim runs a job once); a missing one strands the job. So the message
        goes first: if the write after it fails, the next sweep sends it again rather than never.
        A QUEUED job is in the index from its submission when its run_at was more than 900 s ahead (sweep_at =
        run_at): its message is sent up to LOOKAHEAD early, delayed by the remainder, so it arrives at run_at;
        the write dates the job, so the expiry scan counts from this message.
        """
        message = JobMessage(
            contract_version="1", job_id=job.job_id, job_type=job.job_type, submitted_at=job.created_at
        )
        try:
            check(load_contract().job_message, "the job message", message.model_dump())
        except ContractViolationError:
            # Left pending rather than failed: a job type this sweeper's contract lacks may be a newer one,
            # which a newer worker can run once this sweeper is updated too.
            self._logger.exception(
                "overdue job not re-sent: its message breaks the contract", extra=_about(job)
            )
            return False
        now = self._clock()
        delay_seconds = 0
        if _waits_for_run_at(job):
            delay_seconds = max(0, math.ceil((job.sweep_at - to_epoch_ms(now)) / 1000))
        self._queue.send(message, delay_seconds=delay_seconds)
        self._logger.info(
            "message re-sent by the sweeper",
            extra={**_about(job), "sweeps": job.sweeps + 1, "delay_seconds": delay_seconds},
        )
        self._store.mark_resent(job, now=self._clock())
        return True

    def _rescue_dead_letters(self, summary: SweepSummary) -> None:
        """Sends the message of each pending job found in the DLQ to the jobs queue again.

        A message reaches the DLQ after MAX_RECEIVE_COUNT receives, and not all of them ran its job: a worker
        that died on another record of the batch, a claim DynamoDB refused, receives that met another claim's
        live lease. Its job, still QUEUED (or IN_PROGRESS under a lease long expired, and not watched), has no
        message left in the jobs queue and no worker: that is evidence enough, and the job gets a new message.
        A dead message whose job was never stored, and can no longer be, is an orphan (its API answered 5xx):
        dropped, as the worker drops one. Every other dead message stays, as evidence for whoever reads the
        DLQ: one of an ended job (it ran out of retries, or is a spare copy), one the sweep index already
        watches, and one that is not a job message.
        """
        # The messages a sweep leaves stay hidden while it goes on, so that its next receive finds others;
        # once it is done they are released, so that whoever lists the DLQ (`conveyor dlq list`) sees them at
        # once rather than after the DLQ's visibility timeout, which each sweep's receive would renew.
        left: list[str] = []
        try:
            for _ in range(DEAD_LETTER_RECEIVES):
                letters = self._dead_letters.receive(10)
                for letter in letters:
                    fate = self._rescue(letter)
                    if fate is _Fate.RESCUED:
                        summary.rescued += 1
                        self._metrics.dead_letter_rescued()
                    elif fate is _Fate.LEFT:
                        left.append(letter.receipt_handle)
                if len(letters) < 10:
                    return
        finally:
            for batch in range(0, len(left), 10):
                self._dead_letters.release(left[batch : batch + 10])

    def _rescue(self, letter: DeadLetter) -> _Fate:
        try:
            message = parse_job_message(letter.body)
        except (MalformedMessageError, NewerJobError):
            # A newer job's message is here only from a worker too old to make it wait; a redrive hands it to
            # one that does (jobs/newer.py).
            return _Fate.LEFT
        job = self._store.read_job(message.job_id)
        now = self._clock()
        if job is None:
            if is_orphan_age(message, now):
                self._dead_letters.delete(letter.receipt_handle)
                self._metrics.orphan_message_dropped()
                self._logger.info(
                    "orphan message dropped from the DLQ: its job was never stored", extra=_ids(message)
                )
                return _Fate.DROPPED
            return _Fate.LEFT
        if job.status not in (JobStatus.QUEUED, JobStatus.IN_PROGRESS) or job.watched:
            return _Fate.LEFT
        if job.status is JobStatus.IN_PROGRESS and (job.lease_expires_at or 0) >= to_epoch_ms(now):
            return _Fate.LEFT  # its holder runs it, under a message of its own
        with _correlated_to(self._logger, job.job_id):
            try:
                # The job is dated before the send, so the expiry scan counts the new message's whole life; if
                # the send fails, the dead message is still there for the next sweep.
                self._store.mark_rescued(job, now=now)
            except OverdueJobChangedError:
                self._logger.info(
                    "dead message left: its job changed since the sweep read it", extra=_about(job)
                )
                return _Fate.LEFT
            self._queue.send(message)
            self._dead_letters.delete(letter.receipt_handle)
            self._logger.info("message of a pending job sent again from the DLQ", extra=_about(job))
        return _Fate.RESCUED

    def _fail_stranded(self, now: datetime, summary: SweepSummary) -> None:
        """Ends the jobs of this sweep's table segment that no message can still reach: each message of a job
        was sent no later than the job's `updated_at`, and no queue keeps one longer than
        `message_retention`."""
        segment = to_epoch_ms(now) // _ONE_MINUTE_MS % self._scan_segments
        stranded = self._store.stranded_jobs(
            segment,
            segments=self._scan_segments,
            updated_before=now - self._message_retention - MESSAGE_EXPIRY_MARGIN,
            now=now,
        )
        for job in stranded:
            with _correlated_to(self._logger, job.job_id):
                self._fail_one_stranded(job, summary)

    def _fail_one_stranded(self, job: StrandedJob, summary: SweepSummary) -> None:
        days = self._message_retention / timedelta(days=1)
        error = JobError(
            code="MESSAGE_EXPIRED",
            message=f"the job's message was not processed within the queue's retention of {days:g} days",
        )
        now = self._clock()
        try:
            self._store.fail_stranded(job, error=error, now=now, expires_at=now + self._retention)
        except OverdueJobChangedError:
            self._logger.info("stranded job skipped: it changed since the scan read it", extra=_about(job))
            return
        summary.stranded += 1
        self._metrics.stranded_job_failed()
        self._log_failed(_about(job), error)

    def _log_failed(self, about: dict[str, str], error: JobError) -> None:
        self._logger.info(
            f"job {JobStatus.FAILED}",
            extra={
                **about,
                "status": JobStatus.FAILED.value,
                "error_code": error.code,
                "error_message": error.message,
            },
        )


@contextmanager
def _correlated_to(logger: Logger, job_id: str) -> Iterator[None]:
    # Every line about the job carries its id as the correlation id, as the worker's lines do; a line about
    # the whole sweep carries none.
    logger.set_correlation_id(job_id)
    try:
        yield
    finally:
        logger.set_correlation_id(None)


def _waits_for_run_at(job: OverdueJob) -> bool:
    """A job the API entered in the index to run later: QUEUED, with sweep_at (its run_at) more than SQS's
    longest delay after its submission. (The index does not project run_at. Other QUEUED entries, of APIs
    from before send-first, have sweep_at at the submission.)"""
    submitted_ms = to_epoch_ms(datetime.fromisoformat(job.created_at))
    return job.status is JobStatus.QUEUED and job.sweep_at - submitted_ms > _LONGEST_MESSAGE_DELAY_MS


def _ids(message: JobMessage) -> dict[str, str]:
    return {"job_id": message.job_id, "job_type": message.job_type}


def _about(job: OverdueJob | StrandedJob | JobAsRead) -> dict[str, str]:
    return {"job_id": job.job_id, "job_type": job.job_type}
