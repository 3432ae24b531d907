"""Fault injection on a real boto3 client: the chosen calls fail as if the service had returned an error."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.client import BaseClient


@contextmanager
def failing_calls(
    client: BaseClient,
    operation: str,
    *,
    from_call: int = 1,
    code: str = "InternalServerError",
    status: int = 500,
) -> Iterator[None]:
    """Inside the block, every `operation` call from the `from_call`-th on answers `code` (HTTP `status`)."""
    calls = 0

    def answer_with_an_error(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        nonlocal calls
        calls += 1
        if calls < from_call:
            return None
        error = {"Error": {"Code": code, "Message": "injected fault"}}
        return AWSResponse(url="", status_code=status, headers=HTTPHeaders(), raw=None), error

    # A before-call handler that returns a response replaces the request (moto's included); the stubs
    # declare handlers as returning None, but botocore uses what a before-call handler returns.
    handler = cast("Callable[..., None]", answer_with_an_error)
    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event, handler)
