"""Recording the calls a real boto3 client makes, with the parameters the code under test passed."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from botocore.client import BaseClient


@contextmanager
def recorded_calls(client: BaseClient, operation: str) -> Iterator[list[dict[str, Any]]]:
    """Inside the block, every `operation` call's parameters are appended to the yielded list; the calls
    themselves go ahead (to moto), so a call the service would refuse is still recorded."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    handler = cast("Callable[..., None]", record)
    event = f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, handler)
    try:
        yield calls
    finally:
        client.meta.events.unregister(event, handler)
