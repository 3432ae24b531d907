"""The suites' depth: `make test`'s without CONVEYOR_SOAK_*, a soak's with them, a malformed one refused."""

from __future__ import annotations

import pytest

from tests.support.depth import (
    CASES_PER_OPERATION,
    STEPS_PER_SCHEDULE,
    STEPS_VARIABLE,
    Depth,
    depth_from,
    environment,
)


def test_without_soak_variables_the_suites_run_at_make_tests_depth_unseeded() -> None:
    assert depth_from({}) == Depth(
        steps=None, steps_per_schedule=STEPS_PER_SCHEDULE, cases_per_operation=CASES_PER_OPERATION, seed=None
    )


def test_a_soaks_variables_give_back_its_depth() -> None:
    soak = Depth(steps=10_000, steps_per_schedule=50, cases_per_operation=1_000, seed=0)

    assert depth_from(environment(soak)) == soak


@pytest.mark.parametrize("text", ["ten", "-5", "0", "1e4", "10 000"])
def test_a_malformed_variable_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match=f"^{STEPS_VARIABLE}="):
        depth_from({STEPS_VARIABLE: text})
