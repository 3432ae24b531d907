"""Figures a suite wants in the test run's output (pytest captures prints): shown in the terminal summary.

`figures` holds what a suite counts as it runs, by suite, for `make soak` (tests/soak) to judge: a suite
counts into its counter before it asserts, so a run that fails half-way still shows what it found.
"""

from collections import Counter

lines: list[str] = []
figures: dict[str, Counter[str]] = {}


def line(text: str) -> None:
    lines.append(text)


def counter(suite: str) -> Counter[str]:
    """The figures of `suite`, one counter for the whole session."""
    return figures.setdefault(suite, Counter())
