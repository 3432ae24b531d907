"""The scheduled sweeper: one sweep of the `sweep` index per invocation (docs/design.md, The sweeper)."""

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3

from conveyor_worker.clock import Clock, system_clock
from conveyor_worker.jobs.sweep import Sweeper
from conveyor_worker.log_lines import service_logger
from conveyor_worker.metrics.emf import EmfMetrics
from conveyor_worker.queue.sqs import SqsDeadLetterQueue, SqsJobsQueue
from conveyor_worker.settings import SweeperSettings
from conveyor_worker.store.dynamo import DynamoSweepStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_sqs.client import SQSClient

SweeperHandler = Callable[[dict[str, Any], Any], dict[str, int]]

JOBS_PER_SHARD_PER_RUN = 100
"""Bounds a run to 16 shards of 100 jobs (one UpdateItem and at most one SendMessage each), so that a large
backlog is worked off over several runs instead of in one that outlasts the function's timeout."""
SCAN_SEGMENTS = 1440
"""The expiry scan reads the table in this many segments, one per run: run every minute (the worker
template's schedule), it reads the whole table once a day, each run a 1/1440th of it (docs/design.md)."""


def build_handler(
    settings: SweeperSettings,
    *,
    dynamodb_client: "DynamoDBClient | None" = None,
    sqs_client: "SQSClient | None" = None,
    clock: Clock | None = None,
    scan_segments: int = SCAN_SEGMENTS,
) -> SweeperHandler:
    """A Lambda handler for the sweeper's schedule; it ignores the event and returns the sweep's counts.

    The clients default to boto3's, configured by the standard AWS environment variables; `scan_segments`
    replaces SCAN_SEGMENTS (a test that must see the whole table in one run passes 1). The logger's service
    name and the metrics' namespace and `service` dimension come from POWERTOOLS_SERVICE_NAME and
    POWERTOOLS_METRICS_NAMESPACE.
    """
    logger = service_logger()
    metrics = EmfMetrics(logger)
    sqs = sqs_client or boto3.client("sqs")
    sweeper = Sweeper(
        store=DynamoSweepStore(dynamodb_client or boto3.client("dynamodb"), settings.jobs_table_name),
        queue=SqsJobsQueue(sqs, settings.jobs_queue_url),
        dead_letters=SqsDeadLetterQueue(sqs, settings.jobs_dead_letter_queue_url),
        clock=clock or system_clock,
        grace=timedelta(seconds=settings.sweep_grace_seconds),
        max_attempts=settings.max_receive_count,
        jobs_per_shard=JOBS_PER_SHARD_PER_RUN,
        message_retention=timedelta(seconds=settings.message_retention_seconds),
        scan_segments=scan_segments,
        retention=timedelta(days=settings.job_retention_days),
        logger=logger,
        metrics=metrics,
    )

    def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
        try:
            return sweeper.sweep().as_dict()
        finally:
            metrics.flush()  # once per run, even one a DynamoDB or SQS error ended early

    return handler
