"""A plain HTTP client for the suites: what any client of the API would send, nothing from the services."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Response:
    sent_headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent_headers.setdefault("content-type", "application/json")
    http_request = urllib.request.Request(url, data=body, method=method, headers=sent_headers)
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as response:
            return Response(response.status, _lowercased(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, _lowercased(error.headers.items()), error.read())


def _lowercased(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def submit_later(api_url: str, text: str, delay_seconds: int) -> dict[str, Any]:
    """POST /jobs of a text job that runs `delay_seconds` from now: its record, once the API accepted it."""
    response = request(
        "POST",
        f"{api_url}/jobs",
        json_body={"job_type": "text_transform", "payload": {"text": text}, "delay_seconds": delay_seconds},
    )
    assert response.status == 202, response.body
    record: dict[str, Any] = response.json()
    return record
