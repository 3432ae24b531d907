"""Soak: a few thousand jobs through the real handlers on a moto server, with faults at a steady rate.

Prints accepted, succeeded, failed, lost (must be 0), duplicate completions (must be 0) and jobs stored
although the API answered 503 (must be 0), and exits 1 if an invariant broke. Faults: the API's SendMessage
fails (503: nothing is stored) and its PutItem fails after the message left (503: the message is an orphan the
workers drop), the worker's claim and completion writes are throttled or time out, and job runs die with their
process (and with them their whole batch). Run by `make bench`; not part of `make test`: it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from conveyor_local.aws import dynamodb_client, sqs_client
from conveyor_local.config import (
    MAX_RECEIVE_COUNT,
    QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    SWEEP_GRACE_SECONDS,
    WORKER_TIMEOUT_SECONDS,
)
from conveyor_local.moto_server import start_moto_server
from conveyor_worker.handlers.sweeper import SCAN_SEGMENTS
from conveyor_worker.job_types.context import JobContext

from tests.support.completions import CompletionCounter
from tests.support.faults import FaultInjector, ProcessDied
from tests.support.stack import Stack, post_jobs_event, running_stack

WORKERS = 4
SUBMITTERS = 4
# The whole table is read this often for jobs not yet ended: each read is a moto scan of every item, in this
# process, so it slows the workers it waits for.
ENDED_CHECK_SECONDS = 5


def _writes(status: str) -> Any:
    return lambda params: f":{status}" in params.get("ExpressionAttributeValues", {})


class Soak:
    def __init__(self, stack: Stack, endpoint: str, fault_rate: float, seed: int) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.rate = fault_rate
        self.completions = CompletionCounter()
        self.lock = threading.Lock()
        api_sqs = sqs_client(endpoint)
        FaultInjector(api_sqs).fail("SendMessage", "server-error", times=10**9, when=self._chance)
        api_dynamodb = dynamodb_client(endpoint)
        jobs_table = stack.resources.table_name
        FaultInjector(api_dynamodb).fail(
            "PutItem",
            "server-error",
            times=10**9,
            when=lambda p: p["TableName"] == jobs_table and self._chance(p),
        )
        self.api = stack.api_handler(sqs_client=api_sqs, dynamodb_client=api_dynamodb)
        self.stack.replace_job("text_transform", self._job)

    def _chance(self, _params: Mapping[str, Any]) -> bool:
        with self.lock:
            return self.rng.random() < self.rate

    def _job(self, payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        if self._chance(payload):
            raise ProcessDied("soak: the sandbox vanished mid-job")
        text = str(payload["text"])
        return {"length": len(text), "uppercase": text.upper(), "word_count": len(text.split())}

    def worker(self, endpoint: str) -> Any:
        client = dynamodb_client(endpoint)
        faults = FaultInjector(client)
        faults.fail(
            "UpdateItem", "throttling", times=10**9, when=lambda p: _writes("queued")(p) and self._chance(p)
        )
        faults.fail(
            "UpdateItem", "timeout", times=10**9, when=lambda p: _writes("succeeded")(p) and self._chance(p)
        )
        self.completions.watch(client)
        return self.stack.worker(
            dynamodb_client=client,
            lease_seconds=WORKER_TIMEOUT_SECONDS,
            max_receive_count=MAX_RECEIVE_COUNT,
            timeout_seconds=WORKER_TIMEOUT_SECONDS,
        )

    def submit(self, n: int) -> tuple[int, str | None]:
        """The status the client saw, and the job id of a 202."""
        try:
            response = self.api(post_jobs_event("text_transform", {"text": f"soak {n}"}), None)
        except ProcessDied:
            return 0, None
        status = int(response["statusCode"])
        return status, json.loads(response["body"])["job_id"] if status == 202 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout-seconds", type=float, default=900)
    args = parser.parse_args(argv)
    summary = run(args.jobs, fault_rate=args.fault_rate, seed=args.seed, timeout_seconds=args.timeout_seconds)
    print(json.dumps(summary, indent=2))
    return 0 if invariants_hold(summary) else 1


def invariants_hold(summary: Mapping[str, Any]) -> bool:
    return bool(
        summary["lost"] == 0
        and summary["duplicate_completions"] == 0
        and summary["stored_although_answered_503"] == 0
    )


def run(jobs: int, *, fault_rate: float, seed: int, timeout_seconds: float) -> dict[str, Any]:
    """The soak on a moto server of its own; its summary (`make bench` writes it to docs/benchmarks.md)."""
    server = start_moto_server("127.0.0.1", 0)
    endpoint = server.endpoint_url
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
    )
    started = time.monotonic()
    # make dev's times, which keep the order a deployment must (lease <= worker timeout < visibility timeout).
    # The tests' 1 s lease and 2 s visibility timeout do not fit a batch once this process's moto slows under
    # a backlog: a batch outlives its messages' visibility, they are delivered again meanwhile, its postpones
    # and deletes fail on stale receipt handles, and each extra delivery slows the rest (docs/design.md, moto
    # under a backlog).
    with running_stack(
        endpoint,
        visibility_timeout_seconds=QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        max_receive_count=MAX_RECEIVE_COUNT,
        worker_timeout_seconds=WORKER_TIMEOUT_SECONDS,
    ) as stack:
        soak = Soak(stack, endpoint, fault_rate, seed)
        stop = threading.Event()
        threads = [threading.Thread(target=_work, args=(soak.worker(endpoint), stop)) for _ in range(WORKERS)]
        threads.append(threading.Thread(target=_sweep, args=(stack, stop)))
        for thread in threads:
            thread.start()
        with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
            answers = list(pool.map(soak.submit, range(jobs)))
        statuses = Counter(status for status, _ in answers)
        accepted = {job_id for _, job_id in answers if job_id is not None}
        deadline = started + timeout_seconds
        while time.monotonic() < deadline and not _all_ended(stack):
            time.sleep(ENDED_CHECK_SECONDS)
        stop.set()
        for thread in threads:
            thread.join()
        items = _items(stack)
    server.stop()
    ended = Counter(item["status"] for item in items)
    stored = {item["job_id"] for item in items}
    # An accepted job that never ended, or that was never stored, is lost.
    lost = len(items) - ended["SUCCEEDED"] - ended["FAILED"] + len(accepted - stored)
    duplicates = soak.completions.completed_twice()
    elapsed = time.monotonic() - started
    return {
        "jobs_submitted": jobs,
        "fault_rate": fault_rate,
        "accepted_202": statuses[202],
        "answered_503": statuses[503],
        "stored_although_answered_503": len(stored - accepted),
        "stored": len(items),
        "succeeded": ended["SUCCEEDED"],
        "failed": ended["FAILED"],
        "lost": lost,
        "duplicate_completions": duplicates,
        "refused_stale_completions": sum(int(item.get("refused_completions", 0)) for item in items),
        "seconds": round(elapsed, 1),
    }


def _work(worker: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(ProcessDied):  # the batch returns after its visibility timeout
            worker.poll_once()


def _sweep(stack: Stack, stop: threading.Event) -> None:
    # Its expiry scan reads one segment a run, as deployed: the whole table at every run (the tests' default,
    # for small tables) would read it 30 times a minute here, 43,200 times the deployed rate, and slow every
    # worker in this process (no message expires in a soak anyway).
    sweeper = stack.sweeper_handler(
        grace_seconds=SWEEP_GRACE_SECONDS, max_receive_count=MAX_RECEIVE_COUNT, scan_segments=SCAN_SEGMENTS
    )
    while not stop.wait(2):
        sweeper({}, None)


def _items(stack: Stack) -> list[dict[str, Any]]:
    pages = stack.dynamodb.get_paginator("scan").paginate(TableName=stack.resources.table_name)
    return [
        {name: next(iter(value.values())) for name, value in item.items()}
        for page in pages
        for item in page["Items"]
    ]


def _all_ended(stack: Stack) -> bool:
    return all(item["status"] in ("SUCCEEDED", "FAILED") for item in _items(stack))


if __name__ == "__main__":
    sys.exit(main())
