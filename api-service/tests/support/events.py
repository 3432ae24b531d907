"""API Gateway HTTP API (payload format 2.0) events, from the recorded fixtures in tests/events/."""

import base64
import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

EVENTS = Path(__file__).resolve().parents[1] / "events"
DEMO_ORIGIN = "https://demo.conveyor.example"


@cache
def _fixture(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def load_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(_fixture(name))


def post_jobs(
    body: str | None,
    *,
    content_type: str | None = "application/json",
    origin: str | None = None,
) -> dict[str, Any]:
    event = load_event("post_jobs")
    event["body"] = body
    _set_header(event, "content-type", content_type)
    _set_header(event, "origin", origin)
    return event


def post_jobs_base64(body: bytes, *, content_type: str = "application/json") -> dict[str, Any]:
    event = post_jobs(base64.b64encode(body).decode("ascii"), content_type=content_type)
    event["isBase64Encoded"] = True
    return event


def post_job_request(document: object) -> dict[str, Any]:
    return post_jobs(json.dumps(document, separators=(",", ":")))


def get_job(job_id: str) -> dict[str, Any]:
    return request("GET", f"/jobs/{job_id}")


def request(method: str, path: str, *, origin: str | None = None) -> dict[str, Any]:
    event = load_event("get_job")
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    _set_header(event, "origin", origin)
    return event


def _set_header(event: dict[str, Any], name: str, value: str | None) -> None:
    if value is None:
        event["headers"].pop(name, None)
    else:
        event["headers"][name] = value


def post_uploads(body: str | None, *, content_type: str | None = "application/json") -> dict[str, Any]:
    event = post_jobs(body, content_type=content_type)
    event["rawPath"] = "/uploads"
    event["requestContext"]["http"]["path"] = "/uploads"
    return event


def signed_in(event: dict[str, Any], sub: str) -> dict[str, Any]:
    """The event as API Gateway's JWT authorizer passes it on: the token's claims in the request context."""
    event["requestContext"]["authorizer"] = {
        "jwt": {
            "claims": {"sub": sub, "iss": "https://issuer.conveyor.example", "token_use": "access"},
            "scopes": None,
        }
    }
    event["headers"]["authorization"] = "Bearer header.payload.signature"
    return event


def list_jobs(raw_query: str = "") -> dict[str, Any]:
    """GET /jobs with `raw_query` as sent (percent-encoded), and the parameters payload format 2.0 derives."""
    event = request("GET", "/jobs")
    event["rawQueryString"] = raw_query
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        # API Gateway joins a repeated parameter's values with commas.
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    if parameters:
        event["queryStringParameters"] = parameters
    return event


def post_job_batch(document: object, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POST /jobs/batch with `document` as its JSON body."""
    event = post_jobs(json.dumps(document, separators=(",", ":")))
    event["rawPath"] = "/jobs/batch"
    event["requestContext"]["http"]["path"] = "/jobs/batch"
    for name, value in (headers or {}).items():
        _set_header(event, name.lower(), value)
    return event
