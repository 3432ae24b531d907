"""One sweep: every pending job whose grace period has passed is sent again, or ended FAILED.

docs/design.md, The sweeper: every accepted job ends.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from aws_lambda_powertools import Logger

from conveyor_worker.clock import Clock
from conveyor_worker.contract import ContractViolationError, check, load_contract
from conveyor_worker.models.job_item import JobError, JobStatus
from conveyor_worker.models.job_message import JobMessage
from conveyor_worker.sweeping.errors import OverdueJobChangedError
from conveyor_worker.sweeping.ports import JobQueue, OverdueJob, SweepMetrics, SweepStore

SWEEP_SHARDS = 16
"""sweep_shard takes the values 0..15 (contracts/v1/job-item.schema.json)."""


@dataclass
class SweepSummary:
    overdue: int = 0
    """Overdue jobs this sweep looked at: resent + failed + skipped."""
    resent: int = 0
    failed: int = 0
    skipped: int = 0
    """Jobs that changed under the sweep (someone else acted) or whose message the contract refuses."""
    left_for_next_run: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Sweeper:
    """Acts on each overdue job at most once per sweep, and only if the job is still as the index showed it.

    A DynamoDB or SQS error ends the sweep: the jobs it did not reach wait for the next one, a minute later.
    """

    def __init__(
        self,
        *,
        store: SweepStore,
        queue: JobQueue,
        clock: Clock,
        grace: timedelta,
        max_resends: int,
        max_attempts: int,
        jobs_per_shard: int,
        retention: timedelta,
        logger: Logger,
        metrics: SweepMetrics,
    ) -> None:
        """`max_attempts` is MAX_RECEIVE_COUNT; `jobs_per_shard` bounds one sweep's work on each shard, so a
        large backlog is worked off over several runs instead of outlasting the function's timeout;
        `retention` is how long a job the sweeper fails is kept after it (JOB_RETENTION_DAYS)."""
        self._store = store
        self._queue = queue
        self._clock = clock
        self._grace = grace
        self._max_resends = max_resends
        self._max_attempts = max_attempts
        self._jobs_per_shard = jobs_per_shard
        self._retention = retention
        self._logger = logger
        self._metrics = metrics

    def sweep(self) -> SweepSummary:
        cutoff = self._clock() - self._grace
        summary = SweepSummary()
        for shard in range(SWEEP_SHARDS):
            found = self._store.overdue_jobs(shard, before=cutoff, limit=self._jobs_per_shard)
            summary.overdue += len(found.jobs)
            summary.left_for_next_run += found.left_over
            for job in found.jobs:
                self._settle(job, summary)
        # A sweep runs every minute and almost always finds nothing; only one that acted is worth a log line.
        log = self._logger.info if summary.overdue else self._logger.debug
        log("sweep finished", extra=summary.as_dict())
        return summary

    def _settle(self, job: OverdueJob, summary: SweepSummary) -> None:
        # Every line about the job carries its id as the correlation id, as the worker's lines do; a line
        # about the whole sweep carries none.
        self._logger.set_correlation_id(job.job_id)
        try:
            self._settle_one(job, summary)
        finally:
            self._logger.set_correlation_id(None)

    def _settle_one(self, job: OverdueJob, summary: SweepSummary) -> None:
        error = self._reason_to_fail(job)
        try:
            if error is not None:
                self._fail(job, error)
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

    def _reason_to_fail(self, job: OverdueJob) -> JobError | None:
        if job.status is JobStatus.IN_PROGRESS and job.attempts >= self._max_attempts:
            return JobError(
                code="RETRIES_EXHAUSTED",
                message=f"the worker stopped during its last attempt ({job.attempts} of {self._max_attempts})"
                " and recorded no outcome",
            )
        if job.sweeps >= self._max_resends:
            return JobError(
                code="UNDELIVERABLE",
                message=f"the job stayed pending although its message was sent {1 + job.sweeps} times",
            )
        return None

    def _fail(self, job: OverdueJob, error: JobError) -> None:
        now = self._clock()
        self._store.fail_overdue(job, error=error, now=now, expires_at=now + self._retention)
        self._logger.info(
            f"job {JobStatus.FAILED}",
            extra={
                **_about(job),
                "status": JobStatus.FAILED.value,
                "error_code": error.code,
                "error_message": error.message,
            },
        )

    def _resend(self, job: OverdueJob) -> bool:
        """False when the job's message would break the contract, and so was not sent."""
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
        # The fenced write comes first, so of two sweepers only the one whose write holds sends the message.
        self._store.mark_resent(job, now=self._clock())
        self._queue.send(message)
        self._logger.info("message re-sent by the sweeper", extra={**_about(job), "sweeps": job.sweeps + 1})
        return True


def _about(job: OverdueJob) -> dict[str, str]:
    return {"job_id": job.job_id, "job_type": job.job_type}
