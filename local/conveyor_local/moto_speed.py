"""Two of moto's costs that grow with what the emulator holds, not with the request, removed.

A queue exists for the moment work arrives faster than it is done, so the local stack must stay usable with a
backlog; moto 5.2 does not, for two reasons in its code rather than in AWS's behaviour:

- ReceiveMessage checks each message it is about to return against the queue's retention period by building
  every attribute of the queue, and three of them (ApproximateNumberOfMessages, ...NotVisible, ...Delayed)
  walk every message: a receive of 10 from a queue holding 1,000 took 0.79 s here (0.03 s with the check
  below), 2,000 took 1.56 s. A backlog then slows every receive of every worker, and a soak of 2,000 jobs
  took 850 s instead of a few minutes. `_retention_check` reads the one attribute the check needs and
  decides exactly as moto does.
- The server picks the service of every request under one lock, listing moto's package folder and matching
  some hundred URL patterns each time (1.3 ms a request here), so concurrent requests queue behind it.
  The answer depends only on the host name, so it is remembered per host.

Both replace moto internals; `apply` refuses to run if they are not what it expects (moto is pinned by the
lock file, and tests/local/test_moto_speed.py shows an upgrade that changes them).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from moto.core.utils import unix_time
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import Message, SQSBackend

_RETENTION_CHECK = "is_message_valid_based_on_retention_period"
_BACKEND_FOR_HOST = "get_backend_for_host"


class MotoChangedError(RuntimeError):
    """moto no longer has the internals these patches replace: look again before patching."""


def _retention_check(self: SQSBackend, queue_name: str, message: Message) -> bool:
    # Queue sets its attributes with setattr from their names, so mypy cannot see this one.
    retention_seconds = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
    return retention_seconds + message.sent_timestamp / 1000 > unix_time()  # type: ignore[operator]


_original_backend_for_host = DomainDispatcherApplication.get_backend_for_host


def _backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    cache: dict[str | None, Any] = self.__dict__.setdefault("_conveyor_backend_for_host", {})
    if host not in cache:
        cache[host] = _original_backend_for_host(self, host)
    return cache[host]


@functools.cache
def apply() -> None:
    """Installs both, once per process; moto's server then runs them (it serves from this process)."""
    original = getattr(SQSBackend, _RETENTION_CHECK, None)
    if original is None or list(inspect.signature(original).parameters) != ["self", "queue_name", "message"]:
        raise MotoChangedError(f"SQSBackend.{_RETENTION_CHECK} is not moto 5.2's")
    if list(inspect.signature(_original_backend_for_host).parameters) != ["self", "host"]:
        raise MotoChangedError(f"DomainDispatcherApplication.{_BACKEND_FOR_HOST} is not moto 5.2's")
    setattr(SQSBackend, _RETENTION_CHECK, _retention_check)
    setattr(DomainDispatcherApplication, _BACKEND_FOR_HOST, _backend_for_host)
