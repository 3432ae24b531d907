"""How the benchmarks watch the functions: their AWS requests, where their time goes, and what they log.

`AwsMeter` hooks botocore on the clients the functions are given (and on boto3's default session, from which
they make the others): every HTTP request is counted by role, service and operation, and each call's time is
split into the HTTP round trip (moto's work, seen from the client) and botocore's own work around it.
`timed` wraps a handler so that each invocation's time is split into our code and its AWS calls.
`captured_logs` counts the bytes the functions' Powertools loggers write, at the level Lambda runs them.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import boto3

Client = TypeVar("Client")
Observer = Callable[[str, str, str, dict[str, Any], dict[str, Any]], None]
"""Called after each successful call: (role, service, operation, API parameters, parsed response)."""

_HOOK_ID = "conveyor-bench-meter"


@dataclass
class ThreadTotals:
    calls: int = 0
    call_seconds: float = 0.0
    """From botocore's before-call to after-call: parameter checks, serialisation, signing, HTTP, parsing."""
    http_seconds: float = 0.0
    """From before-send to before-parse: the request on the wire and the emulator's work."""
    observer_seconds: float = 0.0
    """In the meter's observers, which run inside a call but are the bench's work, not the function's."""


@dataclass
class Invocation:
    role: str
    seconds: float
    aws_call_seconds: float
    http_seconds: float
    calls: int
    records: int = 1

    @property
    def ours_seconds(self) -> float:
        return self.seconds - self.aws_call_seconds


class AwsMeter:
    def __init__(self) -> None:
        self.phase = "unattributed"
        """The role of calls made through clients watched without one (the functions' own clients)."""
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.errors: Counter[tuple[str, str, str]] = Counter()
        self.call_seconds: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.observers: list[Observer] = []
        self.active = True
        self._lock = threading.Lock()
        self._local = threading.local()

    def close(self) -> None:
        """Stops counting: clients made later from the default session still carry the hooks, now idle."""
        self.active = False

    def watch(self, client: Client, role: str | None = None) -> Client:
        """`client`, its calls counted under `role` (or the current phase when None)."""
        events = client.meta.events  # type: ignore[attr-defined]
        self._register(events, role)
        return client

    def watch_default_session(self) -> None:
        """Clients boto3 makes from now on (`boto3.client(...)`) are counted under the current phase."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        self._register(boto3.DEFAULT_SESSION.events, None)

    def _register(self, events: Any, role: str | None) -> None:
        suffix = f"{_HOOK_ID}-{id(self)}-{role}"
        events.register("before-parameter-build", self._keep_params, unique_id=f"{suffix}-params")
        events.register("before-call", self._before_call, unique_id=f"{suffix}-before")
        events.register("before-send", partial(self._before_send, role=role), unique_id=f"{suffix}-send")
        events.register("before-parse", self._before_parse, unique_id=f"{suffix}-parse")
        events.register("after-call", partial(self._after_call, role=role), unique_id=f"{suffix}-after")
        events.register(
            "after-call-error", partial(self._after_error, role=role), unique_id=f"{suffix}-error"
        )

    def totals(self) -> ThreadTotals:
        """This thread's running totals: a handler's calls are the difference across its invocation."""
        totals: ThreadTotals | None = getattr(self._local, "totals", None)
        if totals is None:
            totals = self._local.totals = ThreadTotals()
        return totals

    def _role(self, role: str | None) -> str:
        return self.phase if role is None else role

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if not self.active:
            return
        # The call starts here, before any other hook on the client runs (they run in registration order).
        context["bench_started"] = time.perf_counter()
        context["bench_params"] = dict(params)

    def _before_call(self, **_: Any) -> None:
        self._local.http_started = None

    def _before_send(self, request: Any, event_name: str, role: str | None, **_: Any) -> None:
        if not self.active:
            return
        service, operation = event_name.split(".", 2)[1:]
        with self._lock:
            self.requests[(self._role(role), service, operation)] += 1
        self._local.http_started = time.perf_counter()

    def _before_parse(self, **_: Any) -> None:
        started = getattr(self._local, "http_started", None)
        if started is not None:
            self.totals().http_seconds += time.perf_counter() - started
            self._local.http_started = None

    def _after_call(
        self, parsed: dict[str, Any], model: Any, context: dict[str, Any], role: str | None, **_: Any
    ) -> None:
        if not self.active:
            return
        key = self._finish(model, context, role)
        started = time.perf_counter()
        for observer in self.observers:
            observer(key[0], key[1], key[2], context.get("bench_params", {}), parsed)
        self.totals().observer_seconds += time.perf_counter() - started

    def _after_error(self, model: Any, context: dict[str, Any], role: str | None, **_: Any) -> None:
        if not self.active:
            return
        key = self._finish(model, context, role)
        with self._lock:
            self.errors[key] += 1

    def _finish(self, model: Any, context: dict[str, Any], role: str | None) -> tuple[str, str, str]:
        spent = time.perf_counter() - context.get("bench_started", time.perf_counter())
        key = (self._role(role), model.service_model.service_id.hyphenize(), model.name)
        totals = self.totals()
        totals.calls += 1
        totals.call_seconds += spent
        with self._lock:
            self.call_seconds[key] += spent
        return key

    def by_role(self, role: str) -> Counter[tuple[str, str]]:
        return Counter(
            {(service, operation): n for (r, service, operation), n in self.requests.items() if r == role}
        )


Handler = Callable[[dict[str, Any], Any], Any]


def timed(
    handler: Handler, meter: AwsMeter, role: str, invocations: list[Invocation], lock: threading.Lock
) -> Handler:
    """`handler`, each invocation's duration recorded and split into our code and its AWS calls."""

    def invoke(event: dict[str, Any], context: Any) -> Any:
        before = meter.totals()
        calls, call_seconds, http_seconds = before.calls, before.call_seconds, before.http_seconds
        observer_seconds = before.observer_seconds
        started = time.perf_counter()
        try:
            return handler(event, context)
        finally:
            after = meter.totals()
            # An observer reading an item back is the bench's time, not the function's: it is left out.
            seconds = time.perf_counter() - started - (after.observer_seconds - observer_seconds)
            invocation = Invocation(
                role=role,
                seconds=seconds,
                aws_call_seconds=after.call_seconds - call_seconds,
                http_seconds=after.http_seconds - http_seconds,
                calls=after.calls - calls,
                records=len(event.get("Records", [])) or 1,
            )
            with lock:
                invocations.append(invocation)

    return invoke


class LogCapture(io.TextIOBase):
    """Stands in for the functions' stdout: counts what CloudWatch Logs would ingest, by phase."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "unattributed"
        self.bytes_by_phase: Counter[str] = Counter()
        self.events_by_phase: Counter[str] = Counter()
        self.samples: dict[str, str] = {}
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            # A StreamHandler writes one record and its newline per call: one log event each.
            self.bytes_by_phase[self.phase] += len(text.rstrip("\n").encode("utf-8"))
            self.events_by_phase[self.phase] += 1
            self.samples.setdefault(self.phase, text.rstrip("\n"))
        return len(text)

    def writable(self) -> bool:
        return True


@contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[LogCapture]:
    """Every Powertools logger writes into the capture at `level` (Lambda's default, INFO) until the end.

    The services' loggers exist from import on, at the level the environment gave them (`make bench` says
    WARNING, to keep the soak's output readable); here their level is what a deployed function logs at.
    """
    capture = LogCapture()
    saved: list[tuple[logging.Logger, int, list[tuple[logging.StreamHandler[Any], Any]]]] = []
    for name in list(logging.Logger.manager.loggerDict):
        candidate = logging.getLogger(name)
        if not getattr(candidate, "init", False):  # Powertools marks the loggers it configured
            continue
        streams = []
        for handler in candidate.handlers:
            if isinstance(handler, logging.StreamHandler):
                streams.append((handler, handler.setStream(capture)))
        saved.append((candidate, candidate.level, streams))
        candidate.setLevel(level)
    try:
        yield capture
    finally:
        for candidate, old_level, streams in saved:
            candidate.setLevel(old_level)
            for handler, stream in streams:
                handler.setStream(stream)
