"""The HTTP API (API Gateway HTTP API, payload format 2.0): the routes of handlers.routes, each one call into
the jobs domain, behind Powertools' resolver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from botocore.client import BaseClient
from botocore.config import Config

from conveyor_api.files.s3 import S3FileLinks, S3Payloads, S3Uploads, s3_client_on_demand
from conveyor_api.handlers.routes import ROUTES, Call, JobStore, Route, Services, logger
from conveyor_api.http.caller import read_caller
from conveyor_api.http.conditional import IF_NONE_MATCH_HEADER
from conveyor_api.http.errors import MethodNotAllowedError, RouteNotFoundError
from conveyor_api.http.idempotency_key import IDEMPOTENCY_KEY_HEADER
from conveyor_api.http.origin import through_edge_only
from conveyor_api.http.problems import register_problem_responses
from conveyor_api.idempotency.on_demand import OnDemandSubmissionLedger
from conveyor_api.jobs.availability import DeployedJobTypes
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.payloads import PayloadPlacement, PayloadStore
from conveyor_api.jobs.sources import Uploads
from conveyor_api.jobs.submit_batch import BatchJobPublisher
from conveyor_api.jobs.submit_once import SubmissionLedger
from conveyor_api.metrics.emf import EmfJobMetrics
from conveyor_api.parameters.ssm import SsmDeployedJobTypes
from conveyor_api.queue.sqs import SqsJobPublisher
from conveyor_api.settings import AuthMode, Settings
from conveyor_api.store.dynamo import DynamoJobStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

__all__ = ["Handler", "JobStore", "build_handler", "handler_for", "logger"]

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
RouteFunction = Callable[..., Response[str]]


def build_handler(
    settings: Settings,
    *,
    dynamodb_client: DynamoDBClient | None = None,
    sqs_client: SQSClient | None = None,
    s3_client: S3Client | None = None,
    ssm_client: BaseClient | None = None,
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
    # BatchWriteItem's puts take no condition, so botocore must not send one again (DynamoJobStore).
    unretried = Config(retries={"mode": "standard", "total_max_attempts": 1})
    unretried_dynamodb = dynamodb_client or cast(
        "DynamoDBClient",
        session.create_client(
            "dynamodb", config=unretried if client_config is None else client_config.merge(unretried)
        ),
    )
    sqs = sqs_client or cast("SQSClient", session.create_client("sqs", config=client_config))
    # SigV4, which regions opened since 2014 require of presigned URLs too; virtual-hosted addressing names
    # the bucket's regional endpoint on AWS, and falls back to path style for an endpoint such as moto's.
    s3_config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    if client_config is not None:
        s3_config = client_config.merge(s3_config)
    s3 = s3_client or s3_client_on_demand(
        lambda: cast("S3Client", session.create_client("s3", config=s3_config))
    )
    return handler_for(
        settings,
        store=DynamoJobStore(dynamodb, settings.jobs_table_name, unretried_client=unretried_dynamodb),
        publisher=SqsJobPublisher(sqs, settings.jobs_queue_url),
        ledger=OnDemandSubmissionLedger(dynamodb, settings.idempotency_table_name),
        links=S3FileLinks(s3, settings.files_bucket_name),
        uploads=S3Uploads(s3, settings.files_bucket_name),
        payloads=S3Payloads(s3, settings.files_bucket_name),
        # Made with its first read: a cold start that serves no submission never loads SSM's model.
        job_types=SsmDeployedJobTypes(
            lambda: ssm_client or session.create_client("ssm", config=client_config),
            settings.job_types_parameter_name,
            logger=logger,
        ),
    )


def handler_for(
    settings: Settings,
    *,
    store: JobStore,
    publisher: BatchJobPublisher,
    ledger: SubmissionLedger,
    links: FileLinks,
    uploads: Uploads,
    payloads: PayloadStore,
    job_types: DeployedJobTypes,
) -> Handler:
    """The same handler over any store, publisher, ledger, links, uploads, payloads and deployed job types,
    such as the unit tests'."""
    app = APIGatewayHttpResolver(
        cors=CORSConfig(
            allow_origin=settings.cors_allow_origin,
            # If-None-Match and ETag: a page may repeat a status read that costs no body when nothing changed.
            allow_headers=[IDEMPOTENCY_KEY_HEADER, IF_NONE_MATCH_HEADER],
            expose_headers=["Location", "Retry-After", "ETag"],
        )
    )
    register_problem_responses(app, logger)
    # Before every route, and before the answer to a path no route serves: a refusal does no work.
    open_paths = frozenset(route.path for route in ROUTES if route.public)
    app.use([through_edge_only(settings.origin_secret, open_paths)])
    metrics = EmfJobMetrics(
        namespace=settings.powertools_metrics_namespace, service=settings.powertools_service_name
    )
    services = Services(
        store=store,
        publisher=publisher,
        ledger=ledger,
        links=links,
        uploads=uploads,
        placement=PayloadPlacement(payloads, settings.payload_inline_max_bytes),
        metrics=metrics,
        retention=timedelta(days=settings.job_retention_days),
        job_types=job_types,
    )
    for route in ROUTES:
        app.route(route.rule, route.method)(_served(route, app, services, settings.auth_mode))
    _answer_unknown_routes(app)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.set_correlation_id(event.get("requestContext", {}).get("requestId"))
        try:
            return app.resolve(event, context)
        finally:
            # Once per invocation, whatever it answered: a job stored before a failure was still submitted.
            metrics.flush()

    return handle


def _served(
    route: Route, app: APIGatewayHttpResolver, services: Services, auth_mode: AuthMode
) -> RouteFunction:
    """The resolver's function for `route`: with sign-in, a route that is not public answers 401 without a
    caller before its endpoint runs."""

    def serve(**path: str) -> Response[str]:
        event = app.current_event
        allowed = _allowed_methods(event.path)
        if route.method not in allowed:
            raise MethodNotAllowedError(event.http_method, allowed)
        owner = None if route.public else read_caller(event, auth_mode)
        return route.endpoint(services, Call(event, owner, path, app.lambda_context))

    return serve


def _answer_unknown_routes(app: APIGatewayHttpResolver) -> None:
    """A path no route serves is 404; a served path asked with another method is 405, naming the methods."""

    @app.not_found
    def no_route(_: NotFoundError) -> Response[str]:
        path = app.current_event.path
        allowed = _allowed_methods(path)
        method = app.current_event.http_method
        if allowed and method not in allowed:
            raise MethodNotAllowedError(method, allowed)
        raise RouteNotFoundError([f"{route.method} {route.path}" for route in ROUTES])


def _allowed_methods(path: str) -> list[str]:
    """The methods served at `path`: a path some route names literally is only its routes', so that GET
    /jobs/batch is 405, not the read of a job whose id is `batch`."""
    literal = [route.method for route in ROUTES if route.path == path]
    return sorted(literal or (route.method for route in ROUTES if route.serves(path)))
