"""Status reads per job: how often the CLI and the page read a job of a given duration, before and after the
API paced them (docs/design.md, Pacing status reads), and what those reads cost per million jobs.

On a simulated clock: a job QUEUED for QUEUE_DELAY seconds, then running with a progress report each second
(as the worker stores them), ended after its duration. The API's Retry-After is its own rule
(conveyor_api.jobs.pacing.retry_after) over the record the job has at each read. The clients' waits are
models of their code, which their own tests hold to them: the CLI's fixed 0.5 s before and Retry-After plus up
to a tenth after (cli/tests/test_following_pace.py); the page's backoff before (frontend/js/api.js nextDelay,
equal jitter, restarted by a change of status, held at 2 s while progress moves) and the same Retry-After rule
after (tests/browser/test_polling.py). Jitter is drawn from a seeded generator; each figure is a mean over
RUNS jobs.

Beside them, what a push channel to the page would cost per job (push_dollars_per_million), the break-even
issue 20 asks for before one is built.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from conveyor_api.clock import to_timestamp
from conveyor_api.jobs.pacing import LONGEST_WAIT_SECONDS, retry_after
from conveyor_api.models import JobProgress, JobRecord, JobStatus

from bench.common import Section, table
from bench.cost import PRICES

DURATIONS = (0.1, 10.0, 60.0)
BREAK_EVEN_DURATIONS = (*DURATIONS, 600.0, 3600.0)
"""Longer jobs too for the break-even: paced reads grow with a job's length, a push channel's cost barely."""
BREAK_EVEN_RUNS = 20
"""Fewer jobs than RUNS: a paced client's reads vary only by its jitter, and an hour's job is 130 reads."""
QUEUE_DELAY = 0.2
RUNS = 200
SEED = 20
JOB_TYPE = "text_transform"
SUBMITTED = datetime(2026, 12, 6, tzinfo=UTC)
GET_DOLLARS_PER_MILLION = 1.51
"""A status read's cost per million (the Cost section's GET /jobs/{id}), when no measured figure is given."""

# The page's backoff before pacing (frontend/js/api.js).
PAGE_FIRST_DELAY = 0.25
PAGE_FACTOR = 1.6
PAGE_MAX_DELAY = 8.0
PAGE_MOVING_DELAY = 2.0
# Both clients after pacing (cli/src/conveyor_cli/following.py, frontend/js/api.js).
JITTER = 0.1
LONGEST_WAIT = 60.0
CLI_FIXED_WAIT = 0.5


@dataclass(frozen=True)
class Answer:
    """What one read (or the submission) told the client."""

    ended: bool
    status: str
    progress: int | None
    retry_after: float | None


@dataclass(frozen=True)
class SimulatedJob:
    duration: float
    queue_delay: float = QUEUE_DELAY

    @property
    def ends(self) -> float:
        return self.queue_delay + self.duration

    def answer(self, now: float, *, paced: bool) -> Answer:
        """The API's answer at `now` seconds after the submission; with `paced`, its Retry-After."""
        if now >= self.ends:
            return Answer(True, "SUCCEEDED", None, None)
        record = self.record(now)
        wait = retry_after(record, now=SUBMITTED + timedelta(seconds=now)) if paced else None
        percent = record.progress.percent if record.progress else None
        return Answer(False, record.status, percent, None if wait is None else float(wait))

    def record(self, now: float) -> JobRecord:
        created = to_timestamp(SUBMITTED)
        if now < self.queue_delay:
            return _record("QUEUED", created, None, None)
        started = SUBMITTED + timedelta(seconds=self.queue_delay)
        running = math.floor(now - self.queue_delay)
        percent = math.floor(100 * running / self.duration)
        progress = None
        if running > 0 and 0 < percent < 100:
            reported = to_timestamp(started + timedelta(seconds=running))
            progress = JobProgress(percent=percent, message="", updated_at=reported)
        return _record("IN_PROGRESS", created, to_timestamp(started), progress)


def _record(status: JobStatus, created: str, started: str | None, progress: JobProgress | None) -> JobRecord:
    return JobRecord(
        job_id="3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
        job_type=JOB_TYPE,
        status=status,
        created_at=created,
        updated_at=started or created,
        started_at=started,
        finished_at=None,
        attempts=0 if started is None else 1,
        result=None,
        result_url=None,
        error=None,
        progress=progress,
    )


Waits = Callable[[Answer, random.Random], float]
"""A client's wait after an answer (the submission's first), from a fresh state per job: see follow()."""


def cli_before() -> Waits:
    return lambda answer, draw: CLI_FIXED_WAIT


@dataclass
class _Backoff:
    delay: float | None = None
    status: str = "QUEUED"
    progress: int | None = None


def page_before() -> Waits:
    state = _Backoff()

    def wait(answer: Answer, draw: random.Random) -> float:
        if answer.status != state.status:
            state.status, state.delay = answer.status, None
        moving = answer.progress is not None and answer.progress != state.progress
        state.progress = answer.progress
        base = PAGE_FIRST_DELAY if state.delay is None else min(state.delay * PAGE_FACTOR, PAGE_MAX_DELAY)
        if moving:
            base = min(base, PAGE_MOVING_DELAY)
        state.delay = base
        return base / 2 + draw.random() * base / 2

    return wait


def paced() -> Waits:
    def wait(answer: Answer, draw: random.Random) -> float:
        assert answer.retry_after is not None, "the paced API answers Retry-After until the job ends"
        return min(answer.retry_after, LONGEST_WAIT) * (1 + JITTER * draw.random())

    return wait


def follow(job: SimulatedJob, waits: Waits, *, paced_api: bool, draw: random.Random) -> tuple[int, float]:
    """The reads (GETs) a client makes from the submission to the end, and how late it saw the end."""
    now = 0.0
    answer = job.answer(now, paced=paced_api)  # the 202
    reads = 0
    while not answer.ended:
        now += waits(answer, draw)
        answer = job.answer(now, paced=paced_api)
        reads += 1
    return reads, now - job.ends


CLIENTS: tuple[tuple[str, str, Callable[[], Waits], bool], ...] = (
    ("CLI", "before: every 0.5 s", cli_before, False),
    ("CLI", "after: Retry-After", paced, True),
    ("page", "before: backoff from 0.25 s, x1.6, to 8 s", page_before, False),
    ("page", "after: Retry-After", paced, True),
)
PACED_PAGE = CLIENTS[-1]


@dataclass(frozen=True)
class Row:
    client: str
    policy: str
    duration_seconds: float
    reads_per_job: float
    most_reads: int
    latest_seconds: float


def measure(
    durations: tuple[float, ...] = DURATIONS,
    runs: int = RUNS,
    clients: tuple[tuple[str, str, Callable[[], Waits], bool], ...] = CLIENTS,
) -> list[Row]:
    draw = random.Random(SEED)
    rows = []
    for client, policy, make, paced_api in clients:
        for duration in durations:
            job = SimulatedJob(duration)
            outcomes = [follow(job, make(), paced_api=paced_api, draw=draw) for _ in range(runs)]
            rows.append(
                Row(
                    client,
                    policy,
                    duration,
                    statistics.fmean(reads for reads, _ in outcomes),
                    max(reads for reads, _ in outcomes),
                    max(late for _, late in outcomes),
                )
            )
    return rows


def dollars_per_million_jobs(reads_per_job: float, get_dollars_per_million: float) -> float:
    """What a job's status reads cost per million jobs: a million jobs make a million times its reads."""
    return reads_per_job * get_dollars_per_million


@dataclass(frozen=True)
class PushUsage:
    """What following one job over an API Gateway WebSocket API would use, the page's one connection per job
    (a page following several jobs shares one: this is the least favourable case for polling's rival, kept
    simple). Counted from the least such a channel needs, so that its cost is a floor:

    - messages: the page's subscribe and the record pushed at the end (the worker's PostToConnection);
    - Lambda invocations: $connect (its authorizer's check), the subscribe route, $disconnect;
    - DynamoDB: the connection's item written at subscribe and deleted at disconnect (1 WRU each), and read
      once by whoever pushes the end (0.5 RRU, eventually consistent);
    - one status read all the same: the page reads the record once it connects, so that a job that ended
      before the subscription is not waited for forever;
    - connection-minutes: the job's duration, rounded up to whole minutes as API Gateway bills them.
    """

    messages: int = 2
    lambda_invocations: int = 3
    wru: float = 2.0
    rru: float = 0.5
    status_reads: int = 1


def push_dollars_per_million(
    duration_seconds: float, get_dollars_per_million: float, usage: PushUsage = PushUsage()
) -> float:
    """A million jobs followed over a push channel instead of polls, in dollars."""
    minutes = math.ceil((QUEUE_DELAY + duration_seconds) / 60)
    per_million = {
        "websocket_messages": usage.messages,
        "websocket_minutes": minutes,
        "lambda_requests": usage.lambda_invocations,
        "dynamodb_wru": usage.wru,
        "dynamodb_rru": usage.rru,
    }
    dollars = sum(count * 1e6 * PRICES[key].dollars / PRICES[key].per for key, count in per_million.items())
    return dollars + usage.status_reads * get_dollars_per_million


def targets_hold(rows: list[Row]) -> bool:
    """Issue 20's targets for the paced clients: ≤ 3 reads for a 10 s job and ≤ 6 for 60 s, the end seen
    within a fifth of the job or a second."""
    most = {10.0: 3, 60.0: 6}
    return all(
        row.most_reads <= most[row.duration_seconds]
        and row.latest_seconds <= max(0.2 * row.duration_seconds, 1.0)
        for row in rows
        if row.policy.startswith("after") and row.duration_seconds in most
    )


def section(get_dollars_per_million: float = GET_DOLLARS_PER_MILLION) -> Section:
    rows = measure()
    dollars = [dollars_per_million_jobs(row.reads_per_job, get_dollars_per_million) for row in rows]
    break_even = [
        (
            row,
            dollars_per_million_jobs(row.reads_per_job, get_dollars_per_million),
            push_dollars_per_million(row.duration_seconds, get_dollars_per_million),
        )
        for row in measure(BREAK_EVEN_DURATIONS, runs=BREAK_EVEN_RUNS, clients=(PACED_PAGE,))
    ]
    holds = targets_hold(rows)
    body = [
        f"`bench/polls.py`: a job QUEUED {QUEUE_DELAY} s, then running with a progress report each second, "
        f"followed from its submission; the mean of {RUNS} jobs, jitter from a seeded generator; a status "
        f"read at ${get_dollars_per_million:.2f} per million (GET /jobs/{{id}} in Cost per million jobs).",
        "",
        *table(
            [
                "client",
                "policy",
                "job",
                "reads per job",
                "most",
                "end seen after at most",
                "$ per million jobs",
            ],
            [
                [
                    row.client,
                    row.policy,
                    f"{row.duration_seconds:g} s",
                    f"{row.reads_per_job:.2f}",
                    row.most_reads,
                    f"{row.latest_seconds:.2f} s",
                    f"${cost:.2f}",
                ]
                for row, cost in zip(rows, dollars, strict=True)
            ],
        ),
        "",
        "Targets (issue 20): ≤ 3 reads for a 10 s job, ≤ 6 for 60 s, the end seen within a fifth of the job "
        f"or a second — {'they hold' if holds else 'TARGET MISSED'}.",
        "",
        "**A push channel instead?** The page could learn of the end over an API Gateway WebSocket API "
        "rather than by polling. Its floor per job (`PushUsage`: two messages, three Lambda invocations, the "
        "connection's item written and deleted and read once, one status read all the same, the "
        "connection's minutes) beside the paced page's reads:",
        "",
        *table(
            ["job", "paced page: reads per job", "polls: $ per million jobs", "push: $ per million jobs"],
            [
                [
                    f"{row.duration_seconds:g} s",
                    f"{row.reads_per_job:.2f}",
                    f"${polled:.2f}",
                    f"${pushed:.2f}",
                ]
                for row, polled, pushed in break_even
            ],
        ),
        "",
        f"Push is cheaper only for jobs of {_first_cheaper(break_even)}: a long job's paced reads come "
        f"every {LONGEST_WAIT_SECONDS} s at most (the API's longest Retry-After, so that a progress bar "
        "moves and an early end is seen). The page's jobs run for seconds (text and data jobs a tenth of a "
        "second, an image about two), where the paced polls cost less; a push channel would also add a "
        "stack (the WebSocket API, a connections table, three functions) and a grant to the worker to post "
        "to the page's connections. Not built: should long jobs come, this table says when it pays. Servers "
        "that must not poll get the completion webhooks of issue 21.",
    ]
    figures = {
        "rows": [
            {**vars(row), "dollars_per_million_jobs": round(cost, 2)}
            for row, cost in zip(rows, dollars, strict=True)
        ],
        "push_break_even": [
            {"duration_seconds": row.duration_seconds, "polls": round(polled, 2), "push": round(pushed, 2)}
            for row, polled, pushed in break_even
        ],
    }
    headline = "; ".join(
        f"{row.client} {row.duration_seconds:g} s job {row.reads_per_job:.1f} reads (${cost:.2f} per million)"
        for row, cost in zip(rows, dollars, strict=True)
        if row.policy.startswith("after")
    )
    return Section("Polls per job", body, figures, headline=headline, failed=not holds)


def _first_cheaper(break_even: list[tuple[Row, float, float]]) -> str:
    longer = [row.duration_seconds for row, polled, pushed in break_even if pushed < polled]
    return f"{min(longer):g} s and longer" if longer else "none of these lengths"
