"""The completions DynamoDB accepted, job by job, counted at the clients that write them.

A completion is an UpdateItem that sets a terminal status: a worker's SUCCEEDED or FAILED, a sweeper's
FAILED. It counts when DynamoDB answered 200; a stale one, refused by its condition, answers 400 and does not.
Counted below the code under test, so a job completed twice shows even if every caller thought it was first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

_PARAMS = "conveyor_completion_params"


def is_completion(params: Mapping[str, Any]) -> bool:
    """Whether an UpdateItem's parameters write a terminal status."""
    values = params.get("ExpressionAttributeValues", {})
    return ":succeeded" in values or ":failed" in values


class CompletionCounter:
    """Accepted completions per job id, from every DynamoDB client given to `watch`, in any thread."""

    def __init__(self) -> None:
        self.by_job: Counter[str] = Counter()
        self._lock = threading.Lock()

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.dynamodb.UpdateItem", self._keep_params)
        # First of the after-call handlers: a fault injected after the call (tests.support.faults) raises from
        # one of them, and the write whose answer it hides did happen.
        client.meta.events.register_first("after-call.dynamodb.UpdateItem", self._count)

    def completed_twice(self) -> int:
        """Completions beyond each job's first."""
        with self._lock:
            return sum(count - 1 for count in self.by_job.values() if count > 1)

    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = params

    def _count(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get(_PARAMS, {})
        if http_response.status_code == 200 and is_completion(params):
            with self._lock:
                self.by_job[params["Key"]["job_id"]["S"]] += 1
