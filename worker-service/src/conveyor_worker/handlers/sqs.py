"""The SQS-triggered handler: every record is processed on its own and failures are reported per item."""

import random
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from conveyor_worker import job_types as job_types_package
from conveyor_worker.alarm import signal_alarm
from conveyor_worker.clock import Clock, system_clock
from conveyor_worker.contract import load_contract
from conveyor_worker.files.s3 import S3FileStore
from conveyor_worker.job_types import JobFunction, build_registry, discover_job_functions
from conveyor_worker.jobs.backoff import Backoff, RandomInteger
from conveyor_worker.jobs.errors import (
    JobAttemptFailedError,
    JobHeldElsewhereError,
    JobNotDueError,
    JobNotStartedError,
    JobNotStoredYetError,
    MalformedMessageError,
    NewerJobError,
)
from conveyor_worker.jobs.later import EarlyMessages
from conveyor_worker.jobs.messages import parse_job_message
from conveyor_worker.jobs.newer import NewerJobWaiter
from conveyor_worker.jobs.process import JobProcessor
from conveyor_worker.log_lines import service_logger
from conveyor_worker.mail.ses import CLIENT_CONFIG as SES_CLIENT_CONFIG
from conveyor_worker.mail.ses import SesMailer
from conveyor_worker.metrics.emf import EmfMetrics
from conveyor_worker.queue.sqs import DEFERRALS_ATTRIBUTE, SqsJobsQueue
from conveyor_worker.settings import Settings
from conveyor_worker.store.dynamo import DynamoJobStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_sesv2.client import SESV2Client
    from mypy_boto3_sqs.client import SQSClient

SqsHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def build_handler(
    settings: Settings,
    *,
    job_types: Mapping[str, JobFunction] | None = None,
    dynamodb_client: "DynamoDBClient | None" = None,
    sqs_client: "SQSClient | None" = None,
    s3_client: "S3Client | None" = None,
    sesv2_client: "SESV2Client | None" = None,
    clock: Clock | None = None,
    jitter: RandomInteger = random.randint,
    sleep: Callable[[float], None] = time.sleep,
) -> SqsHandler:
    """A Lambda handler for SQS batches of job messages.

    `job_types` replaces the discovered job functions of the same names (each name must be a contract job
    type); the clients default to boto3's, configured by the standard AWS environment variables (SES's made at
    the first email, sending each request once: mail/ses.py); `jitter`
    draws each retry's delay (docs/design.md, Retries); `sleep` pauses while a job whose message came first is
    being stored. The logger's service name and the metrics' namespace
    and `service` dimension come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE.
    """
    logger = service_logger()
    metrics = EmfMetrics(logger)
    store = DynamoJobStore(dynamodb_client or boto3.client("dynamodb"), settings.jobs_table_name)
    jobs_queue = SqsJobsQueue(sqs_client or boto3.client("sqs"), settings.jobs_queue_url)
    processor = JobProcessor(
        store=store,
        visibility=jobs_queue,
        files=S3FileStore(s3_client or boto3.client("s3"), settings.files_bucket_name),
        job_types=build_registry(
            load_contract(),
            discover_job_functions(job_types_package),
            job_types,
        ),
        clock=clock or system_clock,
        lease=timedelta(seconds=settings.job_lease_seconds),
        max_receive_count=settings.max_receive_count,
        backoff=Backoff(settings.retry_base_delay_seconds, settings.retry_max_delay_seconds, jitter),
        retention=timedelta(days=settings.job_retention_days),
        logger=logger,
        metrics=metrics,
        sleep=sleep,
        alarm=signal_alarm,
        mailer=(
            SesMailer(
                lambda: sesv2_client or boto3.client("sesv2", config=SES_CLIENT_CONFIG),
                settings.email_sender,
                settings.email_configuration_set or None,
            )
            if settings.email_sender
            else None
        ),
    )

    waiter = NewerJobWaiter(
        store=store,
        queue=jobs_queue,
        clock=clock or system_clock,
        draw=jitter,
        logger=logger,
        metrics=metrics,
    )

    early_messages = EarlyMessages(store=store, queue=jobs_queue, clock=clock or system_clock, logger=logger)

    def handle_record(record: SQSRecord, *, invocation: _Invocation) -> None:
        # Every line logged about the record's job carries its id as the correlation id, and no other line.
        logger.set_correlation_id(None)
        try:
            try:
                message = parse_job_message(record.body)
            except NewerJobError as newer:
                logger.set_correlation_id(newer.job_id)
                # Handled: the copy it sends waits, and the original is acknowledged.
                waiter.wait(newer, record.body, deferrals=_deferrals(record))
                return
            logger.set_correlation_id(message.job_id)
            try:
                processor.process(
                    message,
                    receive_count=int(record.attributes.approximate_receive_count),
                    receipt_handle=record.receipt_handle,
                    time_left=invocation.time_left(),
                )
            except JobNotDueError as early:
                # Handled: the copy it sends arrives at the job's run_at, and the original is acknowledged.
                early_messages.send_again(early, record.body)
        except (JobNotStoredYetError, JobHeldElsewhereError, JobNotStartedError) as deferred:
            # The job is fine and the message comes back as planned: worth a line, not a warning.
            logger.info(
                "message returned to the queue",
                extra={"message_id": record.message_id, "reason": str(deferred)},
            )
            raise
        except (MalformedMessageError, JobAttemptFailedError) as expected:
            logger.warning(
                "reported as a batch item failure",
                extra={"message_id": record.message_id, "reason": str(expected)},
            )
            raise
        except Exception:
            logger.exception("reported as a batch item failure", extra={"message_id": record.message_id})
            raise
        finally:
            logger.set_correlation_id(None)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # A processor per invocation holds that batch's results, so concurrent invocations cannot mix them.
        # Returning the failures even when every record failed keeps one response shape for the event
        # source mapping (ReportBatchItemFailures) instead of failing the whole invocation.
        batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        record_handler = partial(handle_record, invocation=_Invocation(context))
        try:
            return dict(process_partial_response(event, record_handler, batch, context))
        finally:
            metrics.flush()  # once per invocation, as Powertools' log_metrics would

    return handler


def _deferrals(record: SQSRecord) -> int:
    attribute = record.message_attributes[DEFERRALS_ATTRIBUTE]
    value = attribute.string_value if attribute is not None else None
    return int(value) if value is not None and value.isdigit() else 0


class _Invocation:
    """What remains of one invocation as each of its records starts. The first record starts whatever its
    job's longest run: no invocation could give it more time (a function whose timeout is shorter than a
    job's longest run still runs it, one a batch); each later one starts only if its job can finish in what
    is left."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._first = True

    def time_left(self) -> timedelta | None:
        if self._first or self._context is None:
            self._first = False
            return None
        return timedelta(milliseconds=self._context.get_remaining_time_in_millis())
