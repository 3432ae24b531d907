"""Injecting AWS faults into one boto3 client through botocore's event hooks.

A fault raised from `before-call` stops the request before it leaves: AWS never saw it. A fault raised
from `after-call` comes after AWS applied the call: the caller sees an error for a write that happened
(a lost response). `ProcessDied` is a BaseException, so no `except Exception` in the services can
swallow it: it stands for the Lambda sandbox vanishing at that point (timeout, out of memory).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError, ReadTimeoutError

Moment = Literal["before", "after"]
Kind = Literal["throttling", "server-error", "timeout", "process-death"]


class ProcessDied(BaseException):
    """The process running the handler is gone; whatever it had not written is lost."""


def _fault(kind: Kind, operation: str) -> BaseException:
    if kind == "process-death":
        return ProcessDied(f"died around {operation}")
    if kind == "timeout":
        return ReadTimeoutError(endpoint_url=f"https://aws.example/{operation}")
    code, status = ("ThrottlingException", 400) if kind == "throttling" else ("InternalServerError", 500)
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"injected {kind}"},
            "ResponseMetadata": {
                "HTTPStatusCode": status,
                "RequestId": "injected",
                "HostId": "",
                "HTTPHeaders": {},
                "RetryAttempts": 0,
            },
        },
        operation,
    )


@dataclass
class _Planned:
    operation: str
    moment: Moment
    kind: Kind
    remaining: int
    when: Callable[[dict[str, Any]], bool]


class FaultInjector:
    """Fails chosen calls of `client`; counts every call it saw, by operation name."""

    def __init__(self, client: Any) -> None:
        self._planned: list[_Planned] = []
        self.calls: dict[str, int] = {}
        self.injected: list[tuple[str, Moment, Kind]] = []
        service = client.meta.service_model.service_id.hyphenize()
        # The choice is made where the call's own parameters are visible; the fault fires at its moment.
        client.meta.events.register(f"before-parameter-build.{service}", self._choose)
        client.meta.events.register(f"before-call.{service}", self._before)
        client.meta.events.register(f"after-call.{service}", self._after)

    def fail(
        self,
        operation: str,
        kind: Kind,
        *,
        moment: Moment = "before",
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> None:
        """The next `times` calls of `operation` (e.g. "SendMessage") whose parameters satisfy `when` fail."""
        self._planned.append(_Planned(operation, moment, kind, times, when))

    def clear(self) -> None:
        """Forgets the planned faults that have not fired."""
        self._planned.clear()

    def _choose(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] = self.calls.get(model.name, 0) + 1
        for planned in self._planned:
            if planned.operation == model.name and planned.remaining > 0 and planned.when(params):
                planned.remaining -= 1
                context["injected_fault"] = planned
                return

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self._fire(model.name, "before", context)

    def _after(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self._fire(model.name, "after", context)

    def _fire(self, operation: str, moment: Moment, context: dict[str, Any]) -> None:
        planned = context.get("injected_fault")
        if isinstance(planned, _Planned) and planned.moment == moment:
            self.injected.append((operation, moment, planned.kind))
            raise _fault(planned.kind, operation)
