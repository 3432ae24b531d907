"""The API under fuzzing: served over HTTP on the local stack's pieces, with what it accepted so far."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.support.queues import queue_counts
from tests.support.stack import Stack, running_stack


@dataclass(frozen=True)
class Counts:
    jobs: int
    messages: int
    """The jobs queue's messages (visible, in flight, or delayed), and the jobs in the sweep index: a job
    delayed beyond SQS's 15 minutes has its entry there instead of a message (docs/design.md, Run later)."""


@dataclass
class FuzzTarget:
    """The API and its backends, and the jobs of every 2xx answer to POST /jobs: all it may have stored."""

    stack: Stack
    accepted: set[str] = field(default_factory=set)
    requests: int = 0
    server_errors: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    def counts(self) -> Counts:
        table = self.stack.resources.table_name
        jobs = self.stack.dynamodb.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"]
        # The sparse sweep index holds only the jobs in it: counting there, not over the whole table, keeps
        # each request's account as cheap as the run is long.
        swept = self.stack.dynamodb.scan(TableName=table, IndexName="sweep", Select="COUNT")["Count"]
        return Counts(jobs=int(jobs), messages=self._queued() + int(swept))

    def _queued(self) -> int:
        """Visible, in flight and delayed messages. A message whose delay ends moves from one count to
        another, and moto reads each count at its own instant (the last delay may end between them, leaving
        the delayed count 0): the same total twice running is consistent."""
        totals: list[int] = []
        while len(totals) < 2 or totals[-1] != totals[-2]:
            visible, in_flight, delayed = queue_counts(self.stack.sqs, self.stack.resources.queue_url)
            totals.append(visible + in_flight + delayed)
        return totals[-1]

    def record(self, method: str, path: str, status: int, body: bytes, before: Counts) -> None:
        """Checks the request's effect: a newly accepted job (of POST /jobs, or of a batch's 202 results) adds
        one item and one message (or, delayed beyond 15 minutes, one sweep index entry), others none.

        An upload ticket (POST /uploads) is accepted too, but presigning stores and sends nothing.
        """
        self.requests += 1
        self.server_errors += status >= 500
        new_jobs = 0
        if (method, path) == ("POST", "/jobs") and 200 <= status < 300:
            job_id = json.loads(body)["job_id"]
            new_jobs = 0 if job_id in self.accepted else 1
            self.accepted.add(job_id)
        if (method, path) == ("POST", "/jobs/batch") and status == 200:
            job_ids = [r["job"]["job_id"] for r in json.loads(body)["results"] if r["status"] == 202]
            new_jobs = len(set(job_ids) - self.accepted)
            self.accepted.update(job_ids)
        after = self.counts()
        expected = Counts(jobs=before.jobs + new_jobs, messages=before.messages + new_jobs)
        assert after == expected, f"{method} answered {status} and changed the backends: {before} -> {after}"

    def assert_backends_hold_exactly_the_accepted_jobs(self) -> None:
        """The whole run's account: no job stored but an accepted one, and exactly one message for each (or
        one sweep index entry). A delayed message cannot be received before its delay ends: those are
        counted, not named."""
        assert sorted(self.stored_job_ids()) == sorted(self.accepted)
        delayed = self.delayed_messages()
        announced = self.queued_job_ids() + self.swept_job_ids()
        assert len(announced) == len(set(announced))
        assert set(announced) <= self.accepted
        assert len(announced) + delayed == len(self.accepted)

    def summary(self, what: str) -> str:
        return (
            f"{what}: {self.requests} requests, {len(self.accepted)} jobs accepted, "
            f"{self.server_errors} 5xx, {time.monotonic() - self.started:.1f} s"
        )

    def figures(self) -> dict[str, int]:
        return {"cases": self.requests, "jobs_accepted": len(self.accepted), "5xx": self.server_errors}

    def queued_job_ids(self) -> list[str]:
        """The job id of every queued message, each message received once (and kept hidden while draining)."""
        job_ids: list[str] = []
        while True:
            received = self.stack.sqs.receive_message(
                QueueUrl=self.stack.resources.queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=300,
                WaitTimeSeconds=0,
            )
            messages = received.get("Messages", [])
            if not messages:
                return job_ids
            job_ids.extend(json.loads(message["Body"])["job_id"] for message in messages)

    def delayed_messages(self) -> int:
        attributes = self.stack.sqs.get_queue_attributes(
            QueueUrl=self.stack.resources.queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessagesDelayed"])

    def swept_job_ids(self) -> list[str]:
        return [item["job_id"]["S"] for item in self.stack.items() if "sweep_at" in item]

    def stored_job_ids(self) -> list[str]:
        return [item["job_id"]["S"] for item in self.stack.items()]


@pytest.fixture(scope="module")
def target(aws_endpoint: str) -> Iterator[FuzzTarget]:
    with running_stack(aws_endpoint) as stack:
        yield FuzzTarget(stack)
