"""Full-jitter backoff: delays lie in [0, min(max, base * 2**(attempt - 1))], drawn over that whole range."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conveyor_worker.jobs.backoff import Backoff

attempts = st.integers(min_value=1, max_value=5_000)
bases = st.integers(min_value=0, max_value=3_600)
maxima = st.integers(min_value=0, max_value=43_200)


@given(attempt=attempts, base=bases, maximum=maxima, source=st.randoms(use_true_random=False))
def test_a_delay_lies_between_zero_and_the_capped_exponential(
    attempt: int, base: int, maximum: int, source: random.Random
) -> None:
    delay = Backoff(base, maximum, source.randint).delay_seconds(attempt)

    assert 0 <= delay <= min(maximum, base * 2 ** (attempt - 1))


@given(attempt=attempts, base=bases, maximum=maxima)
def test_the_delay_is_drawn_from_the_whole_range_starting_at_zero(
    attempt: int, base: int, maximum: int
) -> None:
    ranges: list[tuple[int, int]] = []

    def record(low: int, high: int) -> int:
        ranges.append((low, high))
        return high

    delay = Backoff(base, maximum, record).delay_seconds(attempt)

    assert ranges == [(0, min(maximum, base * 2 ** (attempt - 1)))]
    assert delay == ranges[0][1]


@given(attempt=attempts, base=bases, maximum=maxima)
def test_the_ceiling_doubles_with_each_attempt_until_it_reaches_the_maximum(
    attempt: int, base: int, maximum: int
) -> None:
    backoff = Backoff(base, maximum, random.randint)

    assert backoff.ceiling_seconds(attempt + 1) == min(maximum, 2 * backoff.ceiling_seconds(attempt))


def test_the_first_attempts_wait_up_to_base_then_twice_then_four_times_then_the_maximum() -> None:
    backoff = Backoff(base_seconds=5, max_seconds=30, draw=random.randint)

    assert [backoff.ceiling_seconds(attempt) for attempt in range(1, 6)] == [5, 10, 20, 30, 30]


def test_a_huge_attempt_count_is_capped_at_the_maximum_without_a_huge_power() -> None:
    assert Backoff(base_seconds=1, max_seconds=900, draw=random.randint).ceiling_seconds(10**12) == 900


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        Backoff(base_seconds=1, max_seconds=900, draw=random.randint).delay_seconds(0)
