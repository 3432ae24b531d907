"""JobMetrics and SweepMetrics over Powertools' Metrics: CloudWatch EMF documents printed to stdout, which
CloudWatch Logs turns into metrics; no API call (docs/design.md, Observability).

The namespace (POWERTOOLS_METRICS_NAMESPACE, `Conveyor`) and the one dimension, `service`
(POWERTOOLS_SERVICE_NAME: `conveyor-worker`, `conveyor-sweeper`), come from the function's environment, which
the templates set. The names below are the dashboard's: renaming one breaks it.
"""

from datetime import timedelta

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

JOBS_CLAIMED = "JobsClaimed"
JOBS_SUCCEEDED = "JobsSucceeded"
JOBS_FAILED = "JobsFailed"
JOBS_RETRIED = "JobsRetried"
DUPLICATE_DELIVERIES_SKIPPED = "DuplicateDeliveriesSkipped"
DUPLICATE_DELIVERIES_DEFERRED = "DuplicateDeliveriesDeferred"
ORPHAN_MESSAGES_DROPPED = "OrphanMessagesDropped"
QUEUE_WAIT = "QueueWait"
RUN_TIME = "RunTime"
JOBS_RESENT = "JobsResent"
OVERDUE_JOBS_FAILED = "OverdueJobsFailed"
STRANDED_JOBS_FAILED = "StrandedJobsFailed"
DEAD_LETTERS_RESCUED = "DeadLettersRescued"
NEWER_JOBS_WAITING = "NewerJobsWaiting"

_ONE_MS = timedelta(milliseconds=1)


class EmfMetrics:
    """Collects one invocation's metrics and prints them as one EMF document when flushed.

    Its own provider, not Powertools' default one: Metrics instances otherwise share their metrics through
    class attributes, so two handlers in one process (tests, the local stack's tools) would mix them.
    """

    def __init__(self, logger: Logger) -> None:
        self._metrics = Metrics(provider=AmazonCloudWatchEMFProvider())
        self._logger = logger
        self._warned_no_namespace = False

    def job_claimed(self, *, queue_wait: timedelta | None) -> None:
        self._count(JOBS_CLAIMED)
        if queue_wait is not None:
            self._milliseconds(QUEUE_WAIT, queue_wait)

    def job_succeeded(self, *, run_time: timedelta) -> None:
        self._count(JOBS_SUCCEEDED)
        self._milliseconds(RUN_TIME, run_time)

    def job_failed(self, *, run_time: timedelta) -> None:
        self._count(JOBS_FAILED)
        self._milliseconds(RUN_TIME, run_time)

    def job_retried(self) -> None:
        self._count(JOBS_RETRIED)

    def duplicate_delivery_skipped(self) -> None:
        self._count(DUPLICATE_DELIVERIES_SKIPPED)

    def duplicate_delivery_deferred(self) -> None:
        self._count(DUPLICATE_DELIVERIES_DEFERRED)

    def orphan_message_dropped(self) -> None:
        self._count(ORPHAN_MESSAGES_DROPPED)

    def newer_job_waiting(self) -> None:
        self._count(NEWER_JOBS_WAITING)

    def job_resent(self) -> None:
        self._count(JOBS_RESENT)

    def overdue_job_failed(self) -> None:
        self._count(OVERDUE_JOBS_FAILED)

    def dead_letter_rescued(self) -> None:
        self._count(DEAD_LETTERS_RESCUED)

    def stranded_job_failed(self) -> None:
        self._count(STRANDED_JOBS_FAILED)

    def flush(self) -> None:
        """Prints what was collected since the last flush as one EMF line, if anything was; never raises.

        An invocation that collected nothing prints nothing (no empty document, no warning). Without a
        namespace (POWERTOOLS_METRICS_NAMESPACE unset: a test, or a template that lost it) the metrics are
        dropped with one warning per process: metrics must never fail the invocation that did the work, whose
        failure would send its whole batch back to the queue.
        """
        provider = self._metrics.provider
        if not provider.metric_set:
            return
        if provider.namespace is None:
            if not self._warned_no_namespace:
                self._warned_no_namespace = True
                self._logger.warning("metrics dropped: POWERTOOLS_METRICS_NAMESPACE is not set")
            provider.clear_metrics()
            return
        try:
            self._metrics.flush_metrics()
        except Exception:
            self._logger.exception("metrics dropped: they could not be published")
            provider.clear_metrics()

    def _count(self, name: str) -> None:
        self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)

    def _milliseconds(self, name: str, duration: timedelta) -> None:
        self._metrics.add_metric(name=name, unit=MetricUnit.Milliseconds, value=duration / _ONE_MS)
