"""The HTTP API (API Gateway HTTP API, payload format 2.0): each route is one call into the jobs domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from conveyor_api.http.errors import MethodNotAllowedError, RouteNotFoundError
from conveyor_api.http.json_body import read_json_body
from conveyor_api.http.problems import register_problem_responses
from conveyor_api.http.routing import MethodTable
from conveyor_api.jobs.request_validation import validate_job_request
from conveyor_api.jobs.status import JobReader, get_job_record
from conveyor_api.jobs.submit import JobPublisher, JobWriter, submit_job
from conveyor_api.models import JobRecord
from conveyor_api.queue.sqs import SqsJobPublisher
from conveyor_api.settings import Settings
from conveyor_api.store.dynamo import DynamoJobStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

logger = Logger()

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
RouteFunction = Callable[..., Response[str]]


class JobStore(JobReader, JobWriter, Protocol):
    """Where jobs are kept: the API writes new ones and reads them back."""


def build_handler(
    settings: Settings,
    *,
    dynamodb_client: DynamoDBClient | None = None,
    sqs_client: SQSClient | None = None,
) -> Handler:
    """A Lambda handler for API Gateway HTTP API events, serving the table and queue `settings` name."""
    return handler_for(
        settings,
        store=DynamoJobStore(dynamodb_client or boto3.client("dynamodb"), settings.jobs_table_name),
        publisher=SqsJobPublisher(sqs_client or boto3.client("sqs"), settings.jobs_queue_url),
    )


def handler_for(settings: Settings, *, store: JobStore, publisher: JobPublisher) -> Handler:
    """The same handler over any store and publisher, such as the in-memory fakes of the unit tests."""
    app = APIGatewayHttpResolver(
        cors=CORSConfig(allow_origin=settings.cors_allow_origin, expose_headers=["Location"])
    )
    methods = MethodTable()
    register_problem_responses(app, logger)

    def route(method: str, rule: str) -> Callable[[RouteFunction], RouteFunction]:
        methods.add(method, rule)
        return app.route(rule, method)

    @route("POST", "/jobs")
    def submit() -> Response[str]:
        request = validate_job_request(read_json_body(app.current_event))
        record = submit_job(request, writer=store, publisher=publisher)
        logger.set_correlation_id(record.job_id)
        accepted = {"job_id": record.job_id, "job_type": record.job_type, "status": record.status}
        logger.info("job accepted", extra=accepted)
        return _json_response(202, record, headers={"Location": f"/jobs/{record.job_id}"})

    @route("GET", "/jobs/<job_id>")
    def status(job_id: str) -> Response[str]:
        record = get_job_record(job_id, reader=store)
        logger.set_correlation_id(record.job_id)
        return _json_response(200, record)

    @route("GET", "/health")
    def health() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body='{"status":"ok"}')

    @app.not_found
    def no_route(_: NotFoundError) -> Response[str]:
        allowed = methods.allowed(app.current_event.path)
        method = app.current_event.http_method
        if allowed and method not in allowed:
            raise MethodNotAllowedError(method, allowed)
        raise RouteNotFoundError(methods.routes())

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.set_correlation_id(event.get("requestContext", {}).get("requestId"))
        return app.resolve(event, context)

    return handle


def _json_response(status: int, record: JobRecord, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status, content_type="application/json", body=record.model_dump_json(), headers=headers
    )
