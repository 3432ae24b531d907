"""The HTTP API (API Gateway HTTP API, payload format 2.0): each route is one call into the jobs domain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

import botocore.session
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from botocore.config import Config

from conveyor_api.files.s3 import S3FileLinks, S3Payloads, S3Uploads
from conveyor_api.http.caller import read_caller
from conveyor_api.http.errors import ListingDisabledError, MethodNotAllowedError, RouteNotFoundError
from conveyor_api.http.idempotency_key import IDEMPOTENCY_KEY_HEADER, read_idempotency_key
from conveyor_api.http.json_body import read_json_body
from conveyor_api.http.openapi import CREATE_UPLOAD, GET_HEALTH, GET_JOB, LIST_JOBS, SUBMIT_JOB, Operation
from conveyor_api.http.origin import through_edge_only
from conveyor_api.http.problems import register_problem_responses
from conveyor_api.http.query_string import query_parameters
from conveyor_api.http.routing import MethodTable
from conveyor_api.idempotency.on_demand import OnDemandSubmissionLedger
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing import JobLister, list_jobs, validate_job_list_query
from conveyor_api.jobs.payloads import PayloadPlacement, PayloadStore
from conveyor_api.jobs.request_validation import validate_job_request
from conveyor_api.jobs.sources import Uploads, check_sources
from conveyor_api.jobs.status import JobReader, get_job_record
from conveyor_api.jobs.submit import JobPublisher, JobWriter, submit_job
from conveyor_api.jobs.submit_once import SubmissionLedger, submit_job_once
from conveyor_api.jobs.uploads import issue_upload_ticket, validate_upload_request
from conveyor_api.metrics.emf import EmfJobMetrics
from conveyor_api.models.contract_document import JsonDocument
from conveyor_api.queue.sqs import SqsJobPublisher
from conveyor_api.settings import Settings
from conveyor_api.store.dynamo import DynamoJobStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

logger = Logger()

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
RouteFunction = Callable[..., Response[str]]


class JobStore(JobReader, JobWriter, JobLister, Protocol):
    """Where jobs are kept: the API writes new ones, reads them back, and lists an owner's."""


def build_handler(
    settings: Settings,
    *,
    dynamodb_client: DynamoDBClient | None = None,
    sqs_client: SQSClient | None = None,
    s3_client: S3Client | None = None,
    client_config: Config | None = None,
) -> Handler:
    """A Lambda handler for API Gateway HTTP API events, serving the resources `settings` name.

    The clients it makes wait for AWS as `client_config` says (the Lambda entry point's is aws_call_budget's),
    else as botocore's defaults do.
    """
    # The clients boto3.client makes, without importing boto3 and its s3transfer at each cold start
    # (docs/hand-written.md, The API's models and clients).
    session = botocore.session.get_session()
    dynamodb = dynamodb_client or cast(
        "DynamoDBClient", session.create_client("dynamodb", config=client_config)
    )
    sqs = sqs_client or cast("SQSClient", session.create_client("sqs", config=client_config))
    # SigV4, which regions opened since 2014 require of presigned URLs too; virtual-hosted addressing names
    # the bucket's regional endpoint on AWS, and falls back to path style for an endpoint such as moto's.
    s3_config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    if client_config is not None:
        s3_config = client_config.merge(s3_config)
    s3 = s3_client or cast("S3Client", session.create_client("s3", config=s3_config))
    return handler_for(
        settings,
        store=DynamoJobStore(dynamodb, settings.jobs_table_name),
        publisher=SqsJobPublisher(sqs, settings.jobs_queue_url),
        ledger=OnDemandSubmissionLedger(dynamodb, settings.idempotency_table_name),
        links=S3FileLinks(s3, settings.files_bucket_name),
        uploads=S3Uploads(s3, settings.files_bucket_name),
        payloads=S3Payloads(s3, settings.files_bucket_name),
    )


def handler_for(
    settings: Settings,
    *,
    store: JobStore,
    publisher: JobPublisher,
    ledger: SubmissionLedger,
    links: FileLinks,
    uploads: Uploads,
    payloads: PayloadStore,
) -> Handler:
    """The same handler over any store, publisher, ledger, links, uploads and payloads, such as the unit
    tests'."""
    app = APIGatewayHttpResolver(
        cors=CORSConfig(
            allow_origin=settings.cors_allow_origin,
            allow_headers=[IDEMPOTENCY_KEY_HEADER],
            expose_headers=["Location", "Retry-After"],
        )
    )
    methods = MethodTable()
    register_problem_responses(app, logger)
    # Before every route, and before the answer to a path no route serves: a refusal does no work.
    app.use([through_edge_only(settings.origin_secret)])
    metrics = EmfJobMetrics(
        namespace=settings.powertools_metrics_namespace, service=settings.powertools_service_name
    )
    placement = PayloadPlacement(payloads, settings.payload_inline_max_bytes)

    def route(operation: Operation) -> Callable[[RouteFunction], RouteFunction]:
        methods.add(operation.method, operation.rule)
        return app.route(operation.rule, operation.method)

    def caller() -> str | None:
        """The signed-in caller, or None without sign-in; 401 with sign-in and no caller."""
        return read_caller(app.current_event, settings.auth_mode)

    @route(SUBMIT_JOB)
    def submit() -> Response[str]:
        owner = caller()
        idempotency_key = read_idempotency_key(app.current_event)
        request = validate_job_request(read_json_body(app.current_event))
        # Before anything is written, the Idempotency-Key's record included: a refusal changes nothing.
        check_sources(request, owner=owner, uploads=uploads)
        if idempotency_key is None:
            record = submit_job(
                request,
                owner=owner,
                writer=store,
                publisher=publisher,
                payloads=placement,
                links=links,
                metrics=metrics,
            )
        else:
            record = submit_job_once(
                idempotency_key,
                request,
                owner=owner,
                ledger=ledger,
                store=store,
                publisher=publisher,
                payloads=placement,
                links=links,
                metrics=metrics,
                time_left=_time_left(app.lambda_context),
            )
        logger.set_correlation_id(record.job_id)
        accepted = {"job_id": record.job_id, "job_type": record.job_type, "status": record.status}
        logger.info("job accepted", extra=accepted)
        return _json_response(202, record, headers={"Location": f"/jobs/{record.job_id}"})

    @route(LIST_JOBS)
    def listing() -> Response[str]:
        owner = _listing_owner(caller())
        query = validate_job_list_query(query_parameters(app.current_event))
        page = list_jobs(query, owner=owner, lister=store, links=links)
        return _json_response(200, page)

    @route(GET_JOB)
    def status(job_id: str) -> Response[str]:
        # Every line about the job carries its id, problems included, from before the first domain call.
        logger.set_correlation_id(job_id)
        record = get_job_record(job_id, owner=caller(), reader=store, links=links)
        return _json_response(200, record)

    @route(CREATE_UPLOAD)
    def upload() -> Response[str]:
        owner = caller()  # the upload records its caller, whose jobs alone may name it
        request = validate_upload_request(read_json_body(app.current_event))
        ticket = issue_upload_ticket(request, owner=owner, links=links)
        logger.info("upload ticket issued", extra={"source_key": ticket.source_key})
        return _json_response(200, ticket)

    @route(GET_HEALTH)
    def health() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body='{"status":"ok"}')

    _answer_unknown_routes(app, methods)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.set_correlation_id(event.get("requestContext", {}).get("requestId"))
        try:
            return app.resolve(event, context)
        finally:
            # Once per invocation, whatever it answered: a job stored before a failure was still submitted.
            metrics.flush()

    return handle


def _answer_unknown_routes(app: APIGatewayHttpResolver, methods: MethodTable) -> None:
    """A path no route serves is 404; a served path asked with another method is 405, naming the methods."""

    @app.not_found
    def no_route(_: NotFoundError) -> Response[str]:
        allowed = methods.allowed(app.current_event.path)
        method = app.current_event.http_method
        if allowed and method not in allowed:
            raise MethodNotAllowedError(method, allowed)
        raise RouteNotFoundError(methods.routes())


def _time_left(context: Any) -> timedelta | None:
    """How long this invocation may still run: a keyed first use that dies with it holds its key no longer."""
    return None if context is None else timedelta(milliseconds=context.get_remaining_time_in_millis())


def _listing_owner(owner: str | None) -> str:
    """Only a signed-in caller has jobs to list: without sign-in nobody owns one."""
    if owner is None:
        raise ListingDisabledError()
    return owner


def _json_response(
    status: int, document: JsonDocument, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status, content_type="application/json", body=document.to_json(), headers=headers
    )
