"""What docs/benchmarks.md's polls-per-job figures rest on, against cases worked by hand."""

from __future__ import annotations

import random

import pytest

from bench.polls import (
    Answer,
    Row,
    SimulatedJob,
    cli_before,
    dollars_per_million_jobs,
    follow,
    paced,
    page_before,
    push_dollars_per_million,
    targets_hold,
)


class NoJitter(random.Random):
    def random(self) -> float:
        return 0.0


def test_the_old_cli_loop_reads_every_half_second_until_the_end() -> None:
    # A 10 s job after 0.2 s in the queue ends at 10.2 s: reads at 0.5, 1.0, ... 10.5 s, 21 of them.
    reads, late = follow(SimulatedJob(10), cli_before(), paced_api=False, draw=NoJitter())

    assert reads == 21
    assert late == pytest.approx(0.3)


def test_the_old_page_backoff_starts_again_at_each_change_of_status_and_holds_while_progress_moves() -> None:
    waits = page_before()
    draw = NoJitter()  # equal jitter: half the base

    assert waits(Answer(False, "QUEUED", None, None), draw) == pytest.approx(0.125)
    assert waits(Answer(False, "QUEUED", None, None), draw) == pytest.approx(0.2)
    assert waits(Answer(False, "IN_PROGRESS", None, None), draw) == pytest.approx(0.125)
    assert waits(Answer(False, "IN_PROGRESS", 50, None), draw) == pytest.approx(0.2)
    for _ in range(10):
        held = waits(Answer(False, "IN_PROGRESS", 60, None), draw)
        waits(Answer(False, "IN_PROGRESS", 70, None), draw)
    assert held == pytest.approx(1.0)  # 2 s at most, of which the fixed half


def test_a_paced_client_waits_what_the_api_asks_and_up_to_a_tenth_more() -> None:
    waits = paced()

    class MostJitter(random.Random):
        def random(self) -> float:
            return 1.0

    assert waits(Answer(False, "QUEUED", None, 3.0), NoJitter()) == 3.0
    assert waits(Answer(False, "QUEUED", None, 3.0), MostJitter()) == pytest.approx(3.3)
    assert waits(Answer(False, "QUEUED", None, 3600.0), NoJitter()) == 60.0


def test_the_api_paces_a_simulated_job_with_its_own_rule() -> None:
    job = SimulatedJob(10)

    assert job.answer(0.0, paced=True) == Answer(False, "QUEUED", None, 1.0)
    assert job.answer(2.0, paced=True).progress == 10
    assert job.answer(10.2, paced=True) == Answer(True, "SUCCEEDED", None, None)
    assert job.answer(0.0, paced=False).retry_after is None


def test_reads_cost_their_number_times_a_status_reads_price_per_million_jobs() -> None:
    assert dollars_per_million_jobs(4, 1.51) == pytest.approx(6.04)


def test_the_targets_are_issue_20s_for_the_paced_clients_only() -> None:
    def row(policy: str, duration: float, most: int, late: float) -> Row:
        return Row("CLI", policy, duration, most, most, late)

    assert targets_hold([row("after", 10, 3, 2.0), row("after", 60, 6, 12.0), row("before", 60, 121, 0.3)])
    assert not targets_hold([row("after", 10, 4, 1.0)])
    assert not targets_hold([row("after", 60, 5, 12.5)])
    assert targets_hold([row("after", 0.1, 1, 1.0)])


def test_a_push_channels_floor_per_job_is_its_messages_minutes_functions_items_and_one_read() -> None:
    # Per job: 2 messages ($1.00/M) + 1 connection-minute ($0.25/M) + 3 invocations ($0.20/M) + 2 WRU
    # ($0.625/M) + 0.5 RRU ($0.125/M) + one status read at $1.51/M.
    assert push_dollars_per_million(10, 1.51) == pytest.approx(2 + 0.25 + 0.60 + 1.25 + 0.0625 + 1.51)


def test_a_push_channel_bills_each_started_minute_of_the_connection() -> None:
    # QUEUED 0.2 s then 60 s running: the connection lives into its second minute.
    assert push_dollars_per_million(60, 1.51) - push_dollars_per_million(59.8, 1.51) == pytest.approx(0.25)
