"""How long a job that failed transiently waits for its retry (docs/design.md, Retries: backoff, jitter)."""

from collections.abc import Callable
from dataclasses import dataclass

RandomInteger = Callable[[int, int], int]
"""Draws an integer uniformly from [low, high], both ends included (random.randint); injected by tests."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, in whole seconds because SQS visibility timeouts are."""

    base_seconds: int
    max_seconds: int
    draw: RandomInteger

    def delay_seconds(self, attempt: int) -> int:
        """A delay in [0, ceiling_seconds(attempt)]. Drawing from the whole range, rather than adding a little
        noise to the ceiling, is what spreads the retries of many jobs that failed together."""
        return self.draw(0, self.ceiling_seconds(attempt))

    def ceiling_seconds(self, attempt: int) -> int:
        """min(max, base * 2**(attempt - 1)) for attempt 1, 2, …"""
        if attempt < 1:
            raise ValueError(f"attempts count from 1, not {attempt}")
        # Past max's bit length every further doubling exceeds max anyway; stopping there keeps a huge attempt
        # count from building a huge integer.
        doublings = min(attempt - 1, self.max_seconds.bit_length())
        return min(self.max_seconds, self.base_seconds << doublings)
