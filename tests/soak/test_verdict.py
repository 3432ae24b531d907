"""A soak passes only if both suites passed, counted, reached their steps and found no violation."""

from __future__ import annotations

import pytest

from tests.soak.verdict import Verdict
from tests.support.depth import Depth

SOAK = Depth(steps=100, steps_per_schedule=10, cases_per_operation=20, seed=7)
CLEAN_SCHEDULES = {"steps": 104, "schedules": 11, "jobs": 30, "lost": 0, "completed_twice": 0}
CLEAN_SCHEMATHESIS = {"cases": 300, "jobs_accepted": 12}


def test_a_clean_soak_passes_and_says_how_to_replay_it() -> None:
    verdict = Verdict(SOAK, 0, 60.0, fault_schedules=CLEAN_SCHEDULES, schemathesis=CLEAN_SCHEMATHESIS)

    assert verdict.passed
    assert verdict.as_json()["replay"] == (
        "make soak SOAK_STEPS=100 SOAK_SCHEDULE_STEPS=10 SOAK_CASES=20 SOAK_SEED=7"
    )
    assert verdict.as_json()["schemathesis"] == {"cases": 300, "jobs_accepted": 12, "5xx": 0}


@pytest.mark.parametrize(
    ("schedules", "schemathesis", "problem"),
    [
        (CLEAN_SCHEDULES | {"lost": 1}, CLEAN_SCHEMATHESIS, "fault_schedules: lost 1"),
        (CLEAN_SCHEDULES | {"completed_twice": 2}, CLEAN_SCHEMATHESIS, "fault_schedules: completed_twice 2"),
        (CLEAN_SCHEDULES | {"5xx": 1}, CLEAN_SCHEMATHESIS, "fault_schedules: 5xx 1"),
        (CLEAN_SCHEDULES, CLEAN_SCHEMATHESIS | {"5xx": 3}, "schemathesis: 5xx 3"),
        (CLEAN_SCHEDULES | {"steps": 99}, CLEAN_SCHEMATHESIS, "fault_schedules: 99 steps, 100 asked for"),
        ({}, CLEAN_SCHEMATHESIS, "fault_schedules: no figures, the suite stopped before it counted"),
    ],
)
def test_a_soak_with_a_violation_fails_and_names_it(
    schedules: dict[str, int], schemathesis: dict[str, int], problem: str
) -> None:
    verdict = Verdict(SOAK, 0, 60.0, fault_schedules=schedules, schemathesis=schemathesis)

    assert not verdict.passed
    assert problem in verdict.problems
    assert f"  problem          {problem}" in verdict.lines()


def test_a_soak_whose_suite_failed_fails_even_with_clean_figures() -> None:
    verdict = Verdict(SOAK, 1, 60.0, fault_schedules=CLEAN_SCHEDULES, schemathesis=CLEAN_SCHEMATHESIS)

    assert verdict.problems == ["pytest exited 1: the failing test is above"]
