"""The one place where errors become responses: RFC 9457 problem details, valid against the contract."""

from functools import singledispatch

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from conveyor_api.http.errors import (
    IdempotencyKeyNotSupportedError,
    InvalidIdempotencyKeyError,
    ListingDisabledError,
    MalformedJsonError,
    MethodNotAllowedError,
    NotThroughEdgeError,
    RequestBodyTooLargeError,
    RouteNotFoundError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)
from conveyor_api.jobs.errors import (
    BackendUnavailableError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
    InvalidJobBatchError,
    InvalidJobIdError,
    InvalidJobListQueryError,
    InvalidJobRequestError,
    InvalidUploadRequestError,
    JobEndedError,
    JobNotFailedError,
    JobNotFoundError,
    JobTypeUnavailableError,
    PayloadTooLargeError,
    RetryPayloadMissingError,
    UnknownJobTypeError,
    UploadNotFoundError,
)
from conveyor_api.models import ContractViolationError, Problem, Violation

PROBLEM_CONTENT_TYPE = "application/problem+json"
EXAMPLE_JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"
IN_PROGRESS_RETRY_AFTER_SECONDS = 1
"""A first use takes four quick AWS calls, well under a second; one that died frees its key when its
invocation times out, so a client retrying every second gets the outcome as soon as there is one."""


def register_problem_responses(app: APIGatewayHttpResolver, logger: Logger) -> None:
    """Makes every exception a route raises, known or not, a problem+json response."""

    def respond_with_problem(error: Exception) -> Response[str]:
        problem = problem_for(error)
        if problem.status == 503:
            logger.warning("a backend failed; answering 503", exc_info=error)
        elif problem.status >= 500:
            logger.exception("unexpected error; answering 500", exc_info=error)
        return Response(
            status_code=problem.status,
            content_type=PROBLEM_CONTENT_TYPE,
            body=problem.to_json(),
            headers=_headers_for(error),
        )

    app.exception_handler(Exception)(respond_with_problem)


def _headers_for(error: Exception) -> dict[str, str] | None:
    """The headers a problem needs beyond its body: what to do next, in the form HTTP clients understand."""
    match error:
        case MethodNotAllowedError():
            return {"Allow": ", ".join(error.allowed)}
        case IdempotencyKeyInProgressError():
            return {"Retry-After": str(IN_PROGRESS_RETRY_AFTER_SECONDS)}
        case UnauthenticatedError():
            # RFC 9110 asks every 401 to name the scheme it wants.
            return {"WWW-Authenticate": "Bearer"}
    return None


def _problem(
    slug: str,
    status: int,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    errors: list[Violation] | None = None,
) -> Problem:
    return Problem(
        type=f"urn:conveyor:problem:{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )


@singledispatch
def problem_for(error: Exception) -> Problem:
    """An exception nobody expected: its details stay in the log, not in the response."""
    return _problem(
        "internal-error",
        500,
        "Internal error",
        "Something went wrong on our side and has been logged; try again later.",
    )


@problem_for.register
def _(error: MalformedJsonError) -> Problem:
    return _problem("invalid-json", 400, "Request body is not valid JSON", str(error))


@problem_for.register
def _(error: UnsupportedMediaTypeError) -> Problem:
    return _problem(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "Send the body as JSON, with the header `Content-Type: application/json`.",
    )


@problem_for.register
def _(error: RequestBodyTooLargeError) -> Problem:
    return _problem(
        "payload-too-large",
        413,
        "Request body too large",
        f"The body is {error.size} bytes; the limit is {error.limit} bytes (256 KiB). Send less data.",
    )


@problem_for.register
def _(error: PayloadTooLargeError) -> Problem:
    return _problem(
        "payload-too-large",
        413,
        "Payload too large",
        f"The payload takes {error.size} bytes as stored JSON text, where numbers such as 1e15 are written "
        f"out in full; the limit is {error.limit} bytes. Send less data.",
    )


# Only a request's violations are the caller's to fix: one of a document the API made or read is a bug, a 500.
@problem_for.register
def _(error: InvalidJobRequestError | InvalidUploadRequestError | InvalidJobBatchError) -> Problem:
    return _problem(
        "validation-failed",
        400,
        "Request body does not match the contract",
        _count_violations(error),
        errors=error.violations,
    )


@problem_for.register
def _(error: InvalidJobListQueryError) -> Problem:
    count = len(error.violations)
    places = f"{count} place{'' if count == 1 else 's'}" if error.complete else f"more than {count} places"
    return _problem(
        "validation-failed",
        400,
        "Query string does not match the contract",
        f"The query string breaks the contract in {places}; see errors (pointers name its parameters).",
        errors=error.violations,
    )


@problem_for.register
def _(error: UnauthenticatedError) -> Problem:
    return _problem(
        "unauthenticated",
        401,
        "Sign-in required",
        "This deployment serves signed-in callers only: send `Authorization: Bearer <token>` with a token "
        "from its user pool.",
    )


@problem_for.register
def _(error: ListingDisabledError) -> Problem:
    return _problem(
        "listing-disabled",
        403,
        "Listing is disabled",
        "Listing jobs needs a deployment with sign-in, where each caller lists their own jobs. Here nobody "
        "signs in and a job id is the capability to read its job: keep the job_id that POST /jobs returned "
        "and read it with GET /jobs/{job_id}.",
    )


@problem_for.register
def _(error: NotThroughEdgeError) -> Problem:
    return _problem(
        "edge-required",
        403,
        "Call the API through its edge",
        "This deployment answers only requests that come through its CloudFront distribution, which limits "
        "each client: call the API at the page's own origin (the URL in the page's config.json), not at its "
        "execute-api URL.",
    )


@problem_for.register
def _(error: UnknownJobTypeError) -> Problem:
    return _problem(
        "unknown-job-type",
        400,
        "Unknown job type",
        f"job_type must be one of: {', '.join(error.allowed)}.",
        errors=error.violations,
    )


@problem_for.register
def _(error: JobTypeUnavailableError) -> Problem:
    # 422, not 503: the condition lasts until an operator deploys a worker, not seconds, so clients and SDKs
    # that retry a 503 by themselves must not, and a 5xx alarm must not page for it (docs/design.md).
    if error.in_contract:
        detail = (
            f"No deployed worker runs job type {error.job_type} yet, so the job was not accepted and "
            "nothing was stored. A new job type is deployed to the workers first, then accepted here: "
            "submit it again once that deploy is done."
        )
    else:
        detail = (
            f"This version of the API does not know job type {error.job_type} (a newer one accepted the "
            "job), so it cannot run it again. Nothing was changed: retry it once the newer API serves this "
            "URL."
        )
    return _problem("job-type-unavailable", 422, "Job type not available yet", detail)


@problem_for.register
def _(error: InvalidJobIdError) -> Problem:
    return _problem(
        "invalid-job-id",
        400,
        "Invalid job id",
        f"A job id is a lowercase UUID, version 4 such as {EXAMPLE_JOB_ID} (or version 8 for a job submitted "
        "with an Idempotency-Key); use the job_id that POST /jobs returned.",
    )


@problem_for.register
def _(error: JobNotFoundError) -> Problem:
    detail = f"No job has the id {error.job_id}."
    return _problem("job-not-found", 404, "Job not found", detail, instance=f"/jobs/{error.job_id}")


@problem_for.register
def _(error: JobEndedError) -> Problem:
    detail = (
        f"Job {error.job_id} has already ended {error.status}, so there is nothing to cancel; only a QUEUED "
        "or IN_PROGRESS job can be. Nothing was changed."
    )
    return _problem("job-ended", 409, "Job has ended", detail, instance=f"/jobs/{error.job_id}/cancel")


@problem_for.register
def _(error: JobNotFailedError) -> Problem:
    detail = (
        f"Job {error.job_id} is {error.status}; only a FAILED job can be retried. Nothing was changed: wait "
        "for it to end, or submit a new job with POST /jobs."
    )
    return _problem(
        "job-not-failed", 409, "Job has not failed", detail, instance=f"/jobs/{error.job_id}/retry"
    )


@problem_for.register
def _(error: RetryPayloadMissingError) -> Problem:
    detail = (
        f"The payload of job {error.job_id} is no longer stored, so it cannot be run again. Submit it again "
        "with POST /jobs."
    )
    return _problem("payload-expired", 409, "Payload expired", detail, instance=f"/jobs/{error.job_id}/retry")


@problem_for.register
def _(error: RouteNotFoundError) -> Problem:
    detail = f"Nothing is served at this path; the routes are {', '.join(error.routes)}."
    return _problem("route-not-found", 404, "Route not found", detail)


@problem_for.register
def _(error: MethodNotAllowedError) -> Problem:
    return _problem(
        "method-not-allowed",
        405,
        "Method not allowed",
        f"This route accepts {', '.join(error.allowed)}, not {error.method}.",
    )


@problem_for.register
def _(error: BackendUnavailableError) -> Problem:
    return _problem(
        "service-unavailable",
        503,
        "Service unavailable",
        "The job queue, the job store or the files bucket did not answer, and no job was created. Try again "
        "shortly, with the same Idempotency-Key header if the request had one.",
    )


@problem_for.register
def _(error: UploadNotFoundError) -> Problem:
    # The same words whatever the cause, which must not show: nothing there, or another caller's upload.
    return _problem(
        "upload-not-found",
        422,
        "Upload not found",
        "The job names an upload that is not one of yours: none has that key, or it has expired. Upload the "
        "file with the form POST /uploads returns to you, then submit the job naming its source_key.",
        errors=[Violation(pointer=error.pointer, message="No upload of yours has this key.")],
    )


@problem_for.register
def _(error: InvalidIdempotencyKeyError) -> Problem:
    return _problem(
        "invalid-idempotency-key",
        400,
        "Invalid idempotency key",
        "The Idempotency-Key header must be 1 to 255 printable ASCII characters; a random UUID makes a "
        "good key.",
    )


@problem_for.register
def _(error: IdempotencyKeyReusedError) -> Problem:
    return _problem(
        "idempotency-key-reused",
        422,
        "Idempotency key reused",
        "This Idempotency-Key was used with another request body in the last 24 hours. Send a new key with "
        "a new job, and the same body with a retried one.",
    )


@problem_for.register
def _(error: IdempotencyKeyInProgressError) -> Problem:
    return _problem(
        "idempotency-key-in-progress",
        409,
        "Idempotency key in progress",
        "The first request with this Idempotency-Key is still being handled. Retry after the seconds that "
        "Retry-After gives to get its outcome.",
    )


@problem_for.register
def _(error: IdempotencyKeyNotSupportedError) -> Problem:
    return _problem(
        "idempotency-key-not-supported",
        400,
        "Idempotency-Key not supported here",
        "POST /jobs/batch does not honor an Idempotency-Key: a retried batch would create its jobs again. "
        "Send the request without the header, or submit each job with POST /jobs and a key of its own.",
    )


def _count_violations(error: ContractViolationError) -> str:
    count = len(error.violations)
    if not error.complete:
        return f"The body breaks the contract in more than {count} places; errors lists the first {count}."
    return f"The body breaks the contract in {count} place{'' if count == 1 else 's'}; see errors."
