"""What the commands share: the world they act on (Runtime) and the global options' clients (Session)."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import TYPE_CHECKING

import click
import httpx

from conveyor_cli.api import ApiClient
from conveyor_cli.api_url import ENVIRONMENT_VARIABLE, check_api_url
from conveyor_cli.output import Output

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

HTTP_TIMEOUT_SECONDS = 10.0


def _now() -> datetime:
    return datetime.now(UTC)


def _default_sqs_client() -> "SQSClient":
    import boto3  # here: only the dlq commands pay for importing it

    return boto3.client("sqs")


@dataclass(frozen=True)
class Runtime:
    """What the commands take from the world; tests pass their own as click's `obj`."""

    transport: httpx.BaseTransport | None = None
    sqs_client: Callable[[], "SQSClient"] = _default_sqs_client
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _now
    random: Callable[[], float] = random.random
    """A draw from [0, 1): the jitter of a follower's waits."""


@dataclass
class Session:
    """The global options, and the clients made from them when a command first needs one.

    The options' callbacks fill it in as click processes them (conveyor_cli.global_options): the group's
    first, then the command's, so a value given after the command wins over one given before it."""

    runtime: Runtime
    context: click.Context
    output: Output = field(default_factory=lambda: Output(as_json=False))
    api_url: str | None = None
    # One from the environment is checked when first used: an --api-url after the command may override it.
    api_url_from_environment: bool = False
    token: str | None = None
    _api: ApiClient | None = field(default=None, init=False)

    def api(self) -> ApiClient:
        if self._api is None:
            headers = {"User-Agent": f"conveyor-cli/{version('conveyor-cli')}"}
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            http = httpx.Client(
                base_url=self._api_url(),
                headers=headers,
                transport=self.runtime.transport,
                timeout=HTTP_TIMEOUT_SECONDS,
            )
            self.context.call_on_close(http.close)
            self._api = ApiClient(
                http, sleep=self.runtime.sleep, clock=self.runtime.clock, now=self.runtime.now
            )
        return self._api

    def _api_url(self) -> str:
        context = click.get_current_context(silent=True)
        if not self.api_url:
            raise click.UsageError(
                f"no API URL: give --api-url or set {ENVIRONMENT_VARIABLE} (`make dev` prints it)", context
            )
        if self.api_url_from_environment:
            return check_api_url(self.api_url, f"the environment variable {ENVIRONMENT_VARIABLE}", context)
        return self.api_url

    def sqs(self) -> "SQSClient":
        return self.runtime.sqs_client()


pass_session = click.make_pass_decorator(Session)
