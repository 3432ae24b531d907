"""The jobs domain's metrics as CloudWatch embedded metric format (EMF) lines on stdout: Powertools' Metrics,
which CloudWatch Logs turns into metrics without an API call."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

JOBS_SUBMITTED = "JobsSubmitted"


class EmfJobMetrics:
    """Counts into Powertools' metric set until `flush`, which writes them as one EMF line.

    Dimensions: only Powertools' default `service`, so each metric is one CloudWatch series per deployment.
    """

    def __init__(self, *, namespace: str, service: str) -> None:
        self._metrics = Metrics(namespace=namespace, service=service)

    def job_submitted(self) -> None:
        self._metrics.add_metric(name=JOBS_SUBMITTED, unit=MetricUnit.Count, value=1)

    def flush(self) -> None:
        """Writes what the invocation counted, if anything; an invocation that counted nothing writes nothing
        (Powertools would warn about an empty set)."""
        try:
            if self._metrics.metric_set:
                self._metrics.flush_metrics()
        finally:
            # Powertools keeps the set when metrics are disabled (POWERTOOLS_METRICS_DISABLED or
            # POWERTOOLS_DEV): a warm process must not carry one invocation's counts into the next.
            self._metrics.clear_metrics()
