"""The API's routes: the one table that the handler registers (handlers.http), the OpenAPI document describes
(http.openapi) and tests/infra checks the api stack's template against.

A route is its method and path, its endpoint (the thin adapter from one request to one domain call and back),
the problems it answers and its OpenAPI text. Every route but a public one needs a caller with sign-in and
the edge's header behind an edge, and answers 401 and 403 edge-required without them; every route may answer
500 internal-error. Those are stated here once, not per route. http/problems.py maps each error to its
problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from aws_lambda_powertools.event_handler import Response

from conveyor_api.clock import utc_now
from conveyor_api.http.conditional import IF_NONE_MATCH_HEADER, cache_control, entity_tag, none_match
from conveyor_api.http.errors import IdempotencyKeyNotSupportedError, ListingDisabledError
from conveyor_api.http.idempotency_key import (
    IDEMPOTENCY_KEY_HEADER,
    KEY_PATTERN,
    MAX_KEY_LENGTH,
    read_idempotency_key,
)
from conveyor_api.http.json_body import read_json_body
from conveyor_api.http.problems import problem_for
from conveyor_api.http.query_string import query_parameters
from conveyor_api.idempotency.lifetime import KEY_LIFETIME
from conveyor_api.jobs.availability import DeployedJobTypes, require_available
from conveyor_api.jobs.cancel import JobCanceller, cancel_job
from conveyor_api.jobs.file_links import FileLinks
from conveyor_api.jobs.listing import DEFAULT_PAGE_SIZE, JobLister, list_jobs, validate_job_list_query
from conveyor_api.jobs.metrics import JobMetrics
from conveyor_api.jobs.pacing import (
    FOREVER,
    LONGEST_WAIT_SECONDS,
    SHORTEST_WAIT_SECONDS,
    fresh_for,
    retry_after,
)
from conveyor_api.jobs.payloads import PayloadPlacement
from conveyor_api.jobs.request_validation import validate_job_request
from conveyor_api.jobs.retry import retry_job
from conveyor_api.jobs.sources import Uploads, check_sources
from conveyor_api.jobs.status import get_job_record
from conveyor_api.jobs.submit import submit_job
from conveyor_api.jobs.submit_batch import (
    MAX_BATCH_JOBS,
    Accepted,
    BatchJobPublisher,
    BatchJobWriter,
    BatchOutcome,
    submit_jobs,
    validate_job_batch,
)
from conveyor_api.jobs.submit_once import SubmissionLedger, submit_job_once
from conveyor_api.jobs.uploads import (
    MAX_UPLOAD_BYTES,
    UPLOAD_LIFETIME,
    issue_upload_ticket,
    validate_upload_request,
)
from conveyor_api.log_lines import service_logger
from conveyor_api.models import JobBatchResponse, JobBatchResult, JobRecord
from conveyor_api.models.contract_document import JsonDocument

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

logger = service_logger()

BatchResultStatus = Literal[202, 400, 413, 422, 503]

_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
COMPONENT_SCHEMAS = "#/components/schemas/"


class JobStore(JobCanceller, BatchJobWriter, JobLister, Protocol):
    """Where jobs are kept: the API writes new ones (one or a batch), reads them back, lists an owner's and
    cancels them."""


@dataclass(frozen=True)
class Services:
    """What the endpoints call: made once per handler, shared by every request."""

    store: JobStore
    publisher: BatchJobPublisher
    ledger: SubmissionLedger
    links: FileLinks
    uploads: Uploads
    placement: PayloadPlacement
    metrics: JobMetrics
    retention: timedelta
    """How long a job's item is kept once it has ended (a cancel ends QUEUED jobs)."""
    job_types: DeployedJobTypes
    """The job types the deployed worker runs: the only ones accepted."""


@dataclass(frozen=True, slots=True)
class Call:
    """One request, as an endpoint sees it."""

    event: APIGatewayProxyEventV2
    owner: str | None
    """The signed-in caller; None without sign-in, and on a public route."""
    path: Mapping[str, str]
    """The path's parameters, e.g. {"job_id": ...} for /jobs/{job_id}."""
    lambda_context: Any

    def time_left(self) -> timedelta | None:
        """How long this invocation may still run; None when it runs outside Lambda (no context)."""
        if self.lambda_context is None:
            return None
        return timedelta(milliseconds=self.lambda_context.get_remaining_time_in_millis())


Endpoint = Callable[[Services, Call], Response[str]]


@dataclass(frozen=True)
class Success:
    status: int
    description: str
    schema: dict[str, Any]
    headers: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """One route, everything a client needs to call it and everything the handler needs to serve it."""

    method: str
    path: str
    """As OpenAPI and API Gateway write it, e.g. `/jobs/{job_id}`."""
    operation_id: str
    endpoint: Endpoint
    summary: str
    description: str
    success: Success
    problems: Mapping[int, tuple[str, ...]]
    """Each error status the route answers beyond those every route does (see the module), with its problem
    types (`urn:conveyor:problem:<slug>`)."""
    problem_headers: Mapping[int, Mapping[str, dict[str, Any]]] = field(default_factory=dict)
    other_successes: tuple[Success, ...] = ()
    """Successes with another status than `success`'s, such as a cancel's 202 beside its 200."""
    bodiless: Mapping[int, tuple[str, Mapping[str, dict[str, Any]]]] = field(default_factory=dict)
    """Answers without a body beyond success and problems (a 304), each with its description and headers."""
    parameters: tuple[dict[str, Any], ...] = ()
    request_body: str | None = None
    """The contract schema of the JSON body, if the route takes one."""
    public: bool = False
    """Served without a caller and without the edge's header: for monitors, which probe the API's own URL."""

    @property
    def rule(self) -> str:
        """The path as Powertools' resolver writes it, e.g. `/jobs/<job_id>`."""
        return _PATH_PARAMETER.sub(r"<\1>", self.path)

    def serves(self, path: str) -> bool:
        """Whether a request for `path` is this route's, whatever its method: a parameter is one segment."""
        segments = self.path.strip("/").split("/")
        pattern = "".join(
            "/[^/]+" if _PATH_PARAMETER.fullmatch(part) else f"/{re.escape(part)}" for part in segments
        )
        return re.fullmatch(pattern, path) is not None


def schema_ref(name: str) -> dict[str, Any]:
    return {"$ref": f"{COMPONENT_SCHEMAS}{component_name(name)}"}


def component_name(schema_name: str) -> str:
    # Component names allow only letters, digits, `.`, `-` and `_`: job-types/x/input is job-types.x.input.
    return schema_name.replace("/", ".")


def header(description: str, schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


def _json_response(
    status: int, document: JsonDocument, headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status, content_type="application/json", body=document.to_json(), headers=headers
    )


_KEY_LIFETIME_HOURS = KEY_LIFETIME // timedelta(hours=1)
_RETRY_AFTER = header(
    "Only while the job has not ended: the whole seconds worth waiting before reading it (again), "
    f"{SHORTEST_WAIT_SECONDS} to {LONGEST_WAIT_SECONDS}, estimated from its progress rate, or its type's "
    "usual run time, or for a job past both, a fifth of the time it has taken so far.",
    {"type": "integer", "minimum": SHORTEST_WAIT_SECONDS, "maximum": LONGEST_WAIT_SECONDS},
    required=False,
)


def _submit_job(api: Services, call: Call) -> Response[str]:
    idempotency_key = read_idempotency_key(call.event)
    request = validate_job_request(read_json_body(call.event))
    # Before anything is written, the Idempotency-Key's record included: a refusal changes nothing.
    check_sources(request, owner=call.owner, uploads=api.uploads)
    require_available(request.job_type, api.job_types)
    if idempotency_key is None:
        record = submit_job(
            request,
            owner=call.owner,
            writer=api.store,
            publisher=api.publisher,
            payloads=api.placement,
            links=api.links,
            metrics=api.metrics,
        )
    else:
        record = submit_job_once(
            idempotency_key,
            request,
            owner=call.owner,
            ledger=api.ledger,
            store=api.store,
            publisher=api.publisher,
            payloads=api.placement,
            links=api.links,
            metrics=api.metrics,
            time_left=call.time_left(),
        )
    logger.set_correlation_id(record.job_id)
    accepted = {"job_id": record.job_id, "job_type": record.job_type, "status": record.status}
    logger.info("job accepted", extra=accepted)
    return _json_response(202, record, headers={"Location": f"/jobs/{record.job_id}"} | _pacing(record))


SUBMIT_JOB = Route(
    method="POST",
    path="/jobs",
    operation_id="submitJob",
    endpoint=_submit_job,
    summary="Submit a job",
    description=(
        "Stores the job QUEUED and queues it for a worker, then answers at once. With an Idempotency-Key, "
        f"a retry of the same body within {_KEY_LIFETIME_HOURS} hours answers the first response again (202, "
        "the same job and Location) instead of creating a second job. With sign-in, a job may name only the "
        "caller's own uploads: another caller's is 422 upload-not-found, as a missing one is."
    ),
    parameters=(
        {
            "name": IDEMPOTENCY_KEY_HEADER,
            "in": "header",
            "required": False,
            "description": (
                "Makes retrying safe: the first request with a key creates the job, later ones with the same "
                f"key and body get it back for {_KEY_LIFETIME_HOURS} hours. 1 to {MAX_KEY_LENGTH} printable "
                "ASCII characters; a random UUID is a good key. With sign-in, each caller's keys are their "
                "own; without it, keys are shared by all clients."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
        },
    ),
    request_body="job-request",
    success=Success(
        202,
        "The job is accepted (for a repeated Idempotency-Key: was accepted): its record as it was stored.",
        schema_ref("job-record"),
        headers={
            "Location": header(
                "Where the job's status is read: `/jobs/{job_id}`.",
                {"type": "string", "pattern": "^/jobs/[0-9a-f-]{36}$"},
            ),
            "Retry-After": _RETRY_AFTER,
        },
    ),
    problems={
        400: ("invalid-json", "unknown-job-type", "validation-failed", "invalid-idempotency-key"),
        409: ("idempotency-key-in-progress",),
        413: ("payload-too-large",),
        415: ("unsupported-media-type",),
        422: ("idempotency-key-reused", "upload-not-found", "job-type-unavailable"),
        503: ("service-unavailable",),
    },
    problem_headers={
        409: {
            "Retry-After": header(
                "Seconds to wait before retrying with the same key.", {"type": "integer", "minimum": 1}
            )
        },
    },
)


def _submit_jobs(api: Services, call: Call) -> Response[str]:
    if call.event.headers.get(IDEMPOTENCY_KEY_HEADER) is not None:
        raise IdempotencyKeyNotSupportedError()
    documents = validate_job_batch(read_json_body(call.event))
    outcomes = submit_jobs(
        documents,
        owner=call.owner,
        writer=api.store,
        publisher=api.publisher,
        uploads=api.uploads,
        job_types=api.job_types,
        payloads=api.placement,
        links=api.links,
        metrics=api.metrics,
    )
    results = [_batch_result(outcome) for outcome in outcomes]
    accepted = sum(result.status == 202 for result in results)
    unavailable = sum(result.status == 503 for result in results)
    counts = {"accepted": accepted, "refused": len(results) - accepted, "unavailable": unavailable}
    if unavailable:
        logger.warning("a backend failed for jobs of a batch; they are refused 503", extra=counts)
    logger.info("batch judged", extra=counts)
    return _json_response(
        200, JobBatchResponse(results=results, accepted=accepted, refused=len(results) - accepted)
    )


def _batch_result(outcome: BatchOutcome) -> JobBatchResult:
    if isinstance(outcome, Accepted):
        return JobBatchResult(status=202, job=outcome.job, location=f"/jobs/{outcome.job.job_id}")
    problem = problem_for(outcome.error)
    # Only the refusals of JobRefusal reach here, whose statuses the contract lists.
    return JobBatchResult(status=cast("BatchResultStatus", problem.status), problem=problem)


SUBMIT_JOB_BATCH = Route(
    method="POST",
    path="/jobs/batch",
    operation_id="submitJobBatch",
    endpoint=_submit_jobs,
    summary="Submit up to 25 jobs at once",
    description=(
        f"Judges each of 1 to {MAX_BATCH_JOBS} job requests on its own, as POST /jobs would, and stores and "
        "queues those it accepts in one go: one bad job does not refuse the others. Answers 200 with one "
        "result per job, in the request's order: status 202 with the job's record and location, or the "
        "status and problem POST /jobs would have answered for that job alone (400, 413, 422 or 503), of "
        "which nothing was stored. 200 rather than 207: the batch itself was served, and every client "
        "reads each result's status whatever the batch's. A body that is not a batch of 1 to "
        f"{MAX_BATCH_JOBS} jobs is refused whole, nothing stored. The body limit is POST /jobs's, for the "
        "whole batch. No Idempotency-Key: a request with one is refused (a retried batch creates its jobs "
        "again; submit one by one with keys where that matters). With sign-in, the jobs are the caller's "
        "and may name only the caller's uploads."
    ),
    request_body="job-batch-request",
    success=Success(
        200, "Every job of the batch judged: its record, or its problem.", schema_ref("job-batch-response")
    ),
    problems={
        400: ("invalid-json", "validation-failed", "idempotency-key-not-supported"),
        413: ("payload-too-large",),
        415: ("unsupported-media-type",),
    },
)


def _list_jobs(api: Services, call: Call) -> Response[str]:
    # Only a signed-in caller has jobs to list: without sign-in nobody owns one.
    if call.owner is None:
        raise ListingDisabledError()
    query = validate_job_list_query(query_parameters(call.event))
    return _json_response(200, list_jobs(query, owner=call.owner, lister=api.store, links=api.links))


def _query_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"$ref": f"{schema_ref('job-list-query')['$ref']}/properties/{name}"},
    }


LIST_JOBS = Route(
    method="GET",
    path="/jobs",
    operation_id="listJobs",
    endpoint=_list_jobs,
    summary="List your jobs",
    description=(
        "One page of the caller's own jobs, newest first, each as GET /jobs/{job_id} returns it; filter by "
        "status, job_type or both. Only in a deployment with sign-in: without it, job ids are the capability "
        "and listing answers 403. A page may hold fewer jobs than limit even when more follow; only a null "
        "next_cursor means the end. Each parameter may be given once."
    ),
    parameters=(
        _query_parameter("status", "Only jobs in this status."),
        _query_parameter("job_type", "Only jobs of this type."),
        _query_parameter("limit", f"The page size, 1 to 100; {DEFAULT_PAGE_SIZE} when left out."),
        _query_parameter(
            "cursor", "The previous page's next_cursor, to read the page after it (with the same filters)."
        ),
    ),
    success=Success(200, "One page of the caller's jobs.", schema_ref("job-list")),
    problems={
        400: ("validation-failed",),
        403: ("listing-disabled",),
        503: ("service-unavailable",),
    },
)


_RECORD_HEADERS = {
    "ETag": header(
        "A strong validator of the record's body, to send back in If-None-Match.", {"type": "string"}
    ),
    "Cache-Control": header(
        "`private, no-cache` while the job may change; once it has ended, `private, max-age=31536000, "
        "immutable`, or for a record with links to files a max-age of half the links' lifetime.",
        {"type": "string"},
    ),
    "Retry-After": _RETRY_AFTER,
}


def _get_job(api: Services, call: Call) -> Response[str]:
    job_id = call.path["job_id"]
    # Every line about the job carries its id, problems included, from before the first domain call.
    logger.set_correlation_id(job_id)
    record = get_job_record(job_id, owner=call.owner, reader=api.store, links=api.links)
    body = record.to_json()
    etag = entity_tag(body)
    lifetime = fresh_for(record)
    headers = {"ETag": etag, "Cache-Control": cache_control(lifetime, immutable=lifetime == FOREVER)}
    headers |= _pacing(record)
    if not none_match(call.event.headers.get(IF_NONE_MATCH_HEADER.lower()), etag):
        # RFC 9110: a 304 carries the headers a 200 would have, and no body.
        return Response(status_code=304, content_type=None, body=None, headers=headers)
    return Response(status_code=200, content_type="application/json", body=body, headers=headers)


def _pacing(record: JobRecord) -> dict[str, str]:
    wait = retry_after(record, now=utc_now())
    return {} if wait is None else {"Retry-After": str(wait)}


GET_JOB = Route(
    method="GET",
    path="/jobs/{job_id}",
    operation_id="getJob",
    endpoint=_get_job,
    summary="Read a job",
    description=(
        "The job's current record: its status, its progress while it runs and, once it has ended, its "
        "result or its error. With sign-in, only the caller's own jobs are found: another's is 404, as a "
        "missing one is. A job that has not ended answers Retry-After, the time worth waiting before the "
        "next read; every record has an ETag, and If-None-Match with it answers 304 without a body while "
        "it is unchanged."
    ),
    parameters=(
        {"name": "job_id", "in": "path", "required": True, "schema": schema_ref("job-id")},
        {
            "name": IF_NONE_MATCH_HEADER,
            "in": "header",
            "required": False,
            "description": (
                "The ETag of the record the client holds (or a list of them, or `*`): when the record is "
                "unchanged the answer is 304 without a body."
            ),
            "schema": {"type": "string"},
        },
    ),
    success=Success(200, "The job's record.", schema_ref("job-record"), headers=_RECORD_HEADERS),
    bodiless={
        304: (
            "The record is unchanged since the one whose ETag If-None-Match names: no body, the same "
            "headers.",
            _RECORD_HEADERS,
        )
    },
    problems={
        400: ("invalid-job-id",),
        404: ("job-not-found",),
        503: ("service-unavailable",),
    },
)


_JOB_ID_PARAMETER = {"name": "job_id", "in": "path", "required": True, "schema": schema_ref("job-id")}


def _cancel_job(api: Services, call: Call) -> Response[str]:
    job_id = call.path["job_id"]
    logger.set_correlation_id(job_id)
    record = cancel_job(job_id, owner=call.owner, store=api.store, links=api.links, retention=api.retention)
    logger.info("job cancelled", extra={"status": record.status})
    # Ended now (200), or a running job asked to stop, which it does at its next check (202).
    return _json_response(202 if record.status == "IN_PROGRESS" else 200, record, headers=_pacing(record))


CANCEL_JOB = Route(
    method="POST",
    path="/jobs/{job_id}/cancel",
    operation_id="cancelJob",
    endpoint=_cancel_job,
    summary="Cancel a job",
    description=(
        "No body. A QUEUED job ends at once, FAILED with error code CANCELLED (200, its record); its message "
        "is dropped when it arrives. A running job is marked cancel-requested (202, its record, still "
        "IN_PROGRESS with cancel_requested_at): its function stops at its next progress report or check and "
        "the job ends FAILED CANCELLED, unless it finishes first, when it ends as it finished and its record "
        "keeps cancel_requested_at. Cancelling again answers the same and changes nothing; a job that ended "
        "otherwise is 409 job-ended, unchanged. With sign-in, only the caller's own jobs are found "
        "(another's is 404, as for GET); without it, whoever knows the job id may cancel it."
    ),
    parameters=(_JOB_ID_PARAMETER,),
    success=Success(
        200,
        "The job has ended cancelled: its record, FAILED with error code CANCELLED.",
        schema_ref("job-record"),
    ),
    other_successes=(
        Success(
            202,
            "The running job is asked to stop: its record, IN_PROGRESS with cancel_requested_at.",
            schema_ref("job-record"),
            headers={"Retry-After": _RETRY_AFTER},
        ),
    ),
    problems={
        400: ("invalid-job-id",),
        404: ("job-not-found",),
        409: ("job-ended",),
        503: ("service-unavailable",),
    },
)


def _retry_job(api: Services, call: Call) -> Response[str]:
    job_id = call.path["job_id"]
    logger.set_correlation_id(job_id)
    record = retry_job(
        job_id,
        owner=call.owner,
        idempotency_key=read_idempotency_key(call.event),
        store=api.store,
        job_types=api.job_types,
        publisher=api.publisher,
        ledger=api.ledger,
        payloads=api.placement,
        links=api.links,
        metrics=api.metrics,
        time_left=call.time_left(),
    )
    logger.info("job retried", extra={"retry_job_id": record.job_id})
    return _json_response(202, record, headers={"Location": f"/jobs/{record.job_id}"} | _pacing(record))


RETRY_JOB = Route(
    method="POST",
    path="/jobs/{job_id}/retry",
    operation_id="retryJob",
    endpoint=_retry_job,
    summary="Run a failed job again",
    description=(
        "No body. Submits a new job with the FAILED job's type, payload and owner, whose record's retry_of "
        "is the failed job's id, and answers as POST /jobs does (202, Location). The failed job is not "
        "changed. With an Idempotency-Key, a retry of the same job with the same key within "
        f"{_KEY_LIFETIME_HOURS} hours answers the first response again instead of creating a second job. A "
        "job in any other status is 409 job-not-failed; one whose payload stored aside has expired, 409 "
        "payload-expired. With sign-in, only the caller's own jobs are found (another's is 404, as for GET); "
        "without it, whoever knows the job id may retry it."
    ),
    parameters=(_JOB_ID_PARAMETER, SUBMIT_JOB.parameters[0]),
    success=Success(
        202,
        "The new job is accepted (for a repeated Idempotency-Key: was accepted): its record as stored.",
        schema_ref("job-record"),
        headers={"Location": SUBMIT_JOB.success.headers["Location"], "Retry-After": _RETRY_AFTER},
    ),
    problems={
        400: ("invalid-job-id", "invalid-idempotency-key"),
        404: ("job-not-found",),
        409: ("job-not-failed", "payload-expired", "idempotency-key-in-progress"),
        422: ("job-type-unavailable",),
        503: ("service-unavailable",),
    },
    problem_headers=SUBMIT_JOB.problem_headers,
)


def _create_upload(api: Services, call: Call) -> Response[str]:
    request = validate_upload_request(read_json_body(call.event))
    # The upload records its caller, whose jobs alone may name it.
    ticket = issue_upload_ticket(request, owner=call.owner, links=api.links)
    logger.info("upload ticket issued", extra={"source_key": ticket.source_key})
    return _json_response(200, ticket)


CREATE_UPLOAD = Route(
    method="POST",
    path="/uploads",
    operation_id="createUpload",
    endpoint=_create_upload,
    summary="Get a ticket to upload an image",
    description=(
        "Answers a presigned S3 POST for one new object under uploads/, of the given content type and at "
        f"most {MAX_UPLOAD_BYTES} bytes, valid for {UPLOAD_LIFETIME // timedelta(minutes=1)} minutes. The "
        "file goes straight to S3, never through the API; an image_resize job then names its source_key. "
        "Nothing is stored until the file is sent, so a ticket never used costs nothing. With sign-in, the "
        "upload records the caller (the form's x-amz-meta-owner field), and only the caller's jobs may name "
        "it."
    ),
    request_body="upload-request",
    success=Success(200, "The upload ticket.", schema_ref("upload-ticket")),
    problems={
        400: ("invalid-json", "validation-failed"),
        413: ("payload-too-large",),
        415: ("unsupported-media-type",),
    },
)


def _health(api: Services, call: Call) -> Response[str]:
    return Response(status_code=200, content_type="application/json", body='{"status":"ok"}')


GET_HEALTH = Route(
    method="GET",
    path="/health",
    operation_id="getHealth",
    endpoint=_health,
    summary="Check the API answers",
    description="Answers without touching DynamoDB or SQS.",
    success=Success(
        200,
        "The API is up.",
        {
            "type": "object",
            "required": ["status"],
            "additionalProperties": False,
            "properties": {"status": {"const": "ok"}},
        },
    ),
    problems={},
    public=True,
)

ROUTES = (SUBMIT_JOB, LIST_JOBS, SUBMIT_JOB_BATCH, GET_JOB, CANCEL_JOB, RETRY_JOB, CREATE_UPLOAD, GET_HEALTH)
"""Grouped by path, in the order the OpenAPI document and a 404's detail list them."""
