"""The API's OpenAPI 3.1 document, generated from its operations table and the contract's JSON Schemas.

`handlers.http` registers exactly the routes of OPERATIONS, so the document cannot miss one. The contract's
schemas become `components/schemas`, every `$ref` pointing inside the document, so that a tool can load it
without fetching anything. `python -m conveyor_api.http.openapi PATH` (`make openapi`) writes it.
"""

import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

from conveyor_api import contract
from conveyor_api.http.idempotency_key import IDEMPOTENCY_KEY_HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from conveyor_api.http.problems import PROBLEM_CONTENT_TYPE
from conveyor_api.idempotency.lifetime import KEY_LIFETIME
from conveyor_api.jobs.listing import DEFAULT_PAGE_SIZE
from conveyor_api.jobs.uploads import MAX_UPLOAD_BYTES, UPLOAD_LIFETIME

_RESOLVER_PARAMETER = re.compile(r"<(\w+)>")
_COMPONENT_SCHEMAS = "#/components/schemas/"
_PROBLEM_TYPE = "urn:conveyor:problem:"


@dataclass(frozen=True)
class Success:
    status: int
    description: str
    schema: dict[str, Any]
    headers: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One route, everything a client needs to call it: what it takes, what it answers, how it fails."""

    method: str
    rule: str
    """The path as the resolver writes it, e.g. `/jobs/<job_id>`."""
    operation_id: str
    summary: str
    description: str
    success: Success
    problems: Mapping[int, tuple[str, ...]]
    """Each error status the route answers, with the problem types (`urn:conveyor:problem:<slug>`) it has."""
    problem_headers: Mapping[int, Mapping[str, dict[str, Any]]] = field(default_factory=dict)
    parameters: tuple[dict[str, Any], ...] = ()
    request_body: str | None = None
    """The contract schema of the JSON body, if the route takes one."""

    @property
    def path(self) -> str:
        return _RESOLVER_PARAMETER.sub(r"{\1}", self.rule)


def _schema_ref(name: str) -> dict[str, Any]:
    return {"$ref": f"{_COMPONENT_SCHEMAS}{_component_name(name)}"}


def _component_name(schema_name: str) -> str:
    # Component names allow only letters, digits, `.`, `-` and `_`: job-types/x/input is job-types.x.input.
    return schema_name.replace("/", ".")


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


_KEY_LIFETIME_HOURS = KEY_LIFETIME // timedelta(hours=1)

_UNAUTHENTICATED = {401: ("unauthenticated",)}
"""Every route but GET /health, in a deployment with sign-in, for a request without a caller."""
_NOT_THROUGH_THE_EDGE = ("edge-required",)
"""Every route but GET /health, in a deployment behind an edge, for a request that did not come through it."""
_UNAUTHENTICATED_HEADERS = {
    401: {"WWW-Authenticate": _header("The scheme to authenticate with: `Bearer`.", {"const": "Bearer"})}
}


SUBMIT_JOB = Operation(
    method="POST",
    rule="/jobs",
    operation_id="submitJob",
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
        _schema_ref("job-record"),
        headers={
            "Location": _header(
                "Where the job's status is read: `/jobs/{job_id}`.",
                {"type": "string", "pattern": "^/jobs/[0-9a-f-]{36}$"},
            )
        },
    ),
    problems={
        400: ("invalid-json", "unknown-job-type", "validation-failed", "invalid-idempotency-key"),
        **_UNAUTHENTICATED,
        403: _NOT_THROUGH_THE_EDGE,
        409: ("idempotency-key-in-progress",),
        413: ("payload-too-large",),
        415: ("unsupported-media-type",),
        422: ("idempotency-key-reused", "upload-not-found"),
        500: ("internal-error",),
        503: ("service-unavailable",),
    },
    problem_headers={
        **_UNAUTHENTICATED_HEADERS,
        409: {
            "Retry-After": _header(
                "Seconds to wait before retrying with the same key.", {"type": "integer", "minimum": 1}
            )
        },
    },
)

GET_JOB = Operation(
    method="GET",
    rule="/jobs/<job_id>",
    operation_id="getJob",
    summary="Read a job",
    description=(
        "The job's current record: its status, its progress while it runs and, once it has ended, its "
        "result or its error. With sign-in, only the caller's own jobs are found: another's is 404, as a "
        "missing one is."
    ),
    parameters=({"name": "job_id", "in": "path", "required": True, "schema": _schema_ref("job-id")},),
    success=Success(200, "The job's record.", _schema_ref("job-record")),
    problems={
        400: ("invalid-job-id",),
        **_UNAUTHENTICATED,
        403: _NOT_THROUGH_THE_EDGE,
        404: ("job-not-found",),
        500: ("internal-error",),
        503: ("service-unavailable",),
    },
    problem_headers=_UNAUTHENTICATED_HEADERS,
)


def _query_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"$ref": f"{_schema_ref('job-list-query')['$ref']}/properties/{name}"},
    }


LIST_JOBS = Operation(
    method="GET",
    rule="/jobs",
    operation_id="listJobs",
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
    success=Success(200, "One page of the caller's jobs.", _schema_ref("job-list")),
    problems={
        400: ("validation-failed",),
        **_UNAUTHENTICATED,
        403: ("listing-disabled", *_NOT_THROUGH_THE_EDGE),
        500: ("internal-error",),
        503: ("service-unavailable",),
    },
    problem_headers=_UNAUTHENTICATED_HEADERS,
)

CREATE_UPLOAD = Operation(
    method="POST",
    rule="/uploads",
    operation_id="createUpload",
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
    success=Success(200, "The upload ticket.", _schema_ref("upload-ticket")),
    problems={
        400: ("invalid-json", "validation-failed"),
        **_UNAUTHENTICATED,
        403: _NOT_THROUGH_THE_EDGE,
        413: ("payload-too-large",),
        415: ("unsupported-media-type",),
        500: ("internal-error",),
    },
    problem_headers=_UNAUTHENTICATED_HEADERS,
)

GET_HEALTH = Operation(
    method="GET",
    rule="/health",
    operation_id="getHealth",
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
    problems={500: ("internal-error",)},
)

OPERATIONS = (SUBMIT_JOB, LIST_JOBS, GET_JOB, CREATE_UPLOAD, GET_HEALTH)


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Conveyor API",
            "version": "1",
            "description": (
                "Submit jobs, read their status and progress, list your own, and upload the images they "
                "read. "
                "A deployment with sign-in (a JWT authorizer) answers every route but GET /health 401 "
                "without a valid bearer token, and scopes jobs to their owner; one without lists nothing. "
                "A deployment behind its edge (the page's CloudFront distribution) answers every route but "
                "GET /health 403 edge-required when called past the edge, and the edge answers a client "
                "over its per-address rate limits 429 rate-limited, with Retry-After. "
                "Every error is "
                "application/problem+json (RFC 9457), "
                "valid against the `problem` schema; a request that matches no route answers the "
                "RouteNotFound or MethodNotAllowed response. Generated by the API service from its code "
                "(`make -C api-service openapi`): do not edit."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": _contract_components(
                [
                    "job-request",
                    "job-record",
                    "job-list",
                    "job-list-query",
                    "upload-request",
                    "upload-ticket",
                    "problem",
                ]
            ),
            # What requests that match no operation get: OpenAPI has no place for them in `paths`.
            "responses": {
                "RouteNotFound": _problem_response(404, ("route-not-found",)),
                "MethodNotAllowed": _problem_response(
                    405,
                    ("method-not-allowed",),
                    {"Allow": _header("The methods the path accepts.", {"type": "string"})},
                ),
            },
        },
    }


def _operation(operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": operation.description,
    }
    if operation.parameters:
        document["parameters"] = list(operation.parameters)
    if operation.request_body:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(operation.request_body)}},
        }
    success = operation.success
    responses: dict[str, Any] = {
        str(success.status): {
            "description": success.description,
            "content": {"application/json": {"schema": success.schema}},
        }
        | ({"headers": dict(success.headers)} if success.headers else {})
    }
    for status, slugs in operation.problems.items():
        responses[str(status)] = _problem_response(status, slugs, operation.problem_headers.get(status, {}))
    document["responses"] = responses
    return document


def _problem_response(
    status: int, slugs: tuple[str, ...], headers: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    types = [f"{_PROBLEM_TYPE}{slug}" for slug in slugs]
    response: dict[str, Any] = {
        "description": f"Problem details: {', '.join(slugs)}.",
        "content": {
            PROBLEM_CONTENT_TYPE: {
                "schema": {
                    "allOf": [
                        _schema_ref("problem"),
                        {"properties": {"status": {"const": status}, "type": {"enum": types}}},
                    ]
                }
            }
        },
    }
    if headers:
        response["headers"] = dict(headers)
    return response


def _contract_components(roots: list[str]) -> dict[str, Any]:
    """The schemas `roots` need, transitively, each under its component name with `$ref`s rewritten."""
    components: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if _component_name(name) in components:
            continue
        schema = contract.schema(name)
        referenced = list(_references(schema, contract.schema_id(name)))
        pending.extend(contract.schema_name(target) for target in referenced)
        components[_component_name(name)] = _with_local_refs(schema, contract.schema_id(name))
    return dict(sorted(components.items()))


def _references(node: Any, base_id: str) -> Iterator[str]:
    """The absolute `$id` of every schema `node` refers to (to a part of, for a `$ref` with a fragment)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield urldefrag(urljoin(base_id, value)).url
            else:
                yield from _references(value, base_id)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item, base_id)


def _with_local_refs(node: Any, base_id: str) -> Any:
    if isinstance(node, list):
        return [_with_local_refs(item, base_id) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$id", "$schema"):
            continue  # the document is the one resource now, and OpenAPI 3.1 fixes the dialect
        if key == "$ref":
            target, pointer = urldefrag(urljoin(base_id, value))
            rewritten[key] = _schema_ref(contract.schema_name(target))["$ref"] + pointer
        else:
            rewritten[key] = _with_local_refs(value, base_id)
    return rewritten


def rendered(document: dict[str, Any]) -> str:
    """The document as it is checked in: indented JSON, members in the order they were built."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m conveyor_api.http.openapi OUTPUT_PATH", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(rendered(openapi_document()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
