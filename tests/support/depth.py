"""How deep the randomized suites go: `make test`'s fixed depth, or a soak's, read once from the environment.

`make soak` (tests/soak) sets the CONVEYOR_SOAK_* variables before pytest imports the suites; a malformed one
fails the collection, naming it. Without them, tests/faults/test_schedules.py and tests/fuzz/
test_openapi_fuzzing.py run at `make test`'s depth, with random seeds and hypothesis' example database.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

SCHEDULES = 30
"""`make test`'s fault schedules, of at most STEPS_PER_SCHEDULE steps: about 700 steps in all."""
STEPS_PER_SCHEDULE = 25
CASES_PER_OPERATION = 200
"""`make test`'s schemathesis cases per operation: with the coverage phase's, about 1,000 requests in all."""

STEPS_VARIABLE = "CONVEYOR_SOAK_STEPS"
SCHEDULE_STEPS_VARIABLE = "CONVEYOR_SOAK_SCHEDULE_STEPS"
CASES_VARIABLE = "CONVEYOR_SOAK_CASES"
SEED_VARIABLE = "CONVEYOR_SOAK_SEED"


@dataclass(frozen=True)
class Depth:
    steps: int | None
    """The fault machine's steps, at least, in all; None: `make test`'s SCHEDULES, once."""
    steps_per_schedule: int
    """Hypothesis' stateful_step_count: the longest schedule."""
    cases_per_operation: int
    """Schemathesis' max-examples: the generated cases of each operation, besides its coverage phase's."""
    seed: int | None
    """Seeds both suites, so that a soak can be run again as it was; None: each run draws its own."""


def _number(environ: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    text = environ.get(name, "")
    if not text:
        return None
    if re.fullmatch("[0-9]+", text) is None or int(text) < minimum:
        raise ValueError(f"{name}={text!r}: expected a whole number, at least {minimum}")
    return int(text)


def depth_from(environ: Mapping[str, str]) -> Depth:
    """The depth the variables in `environ` ask for; `make test`'s for those unset or empty."""
    steps_per_schedule = _number(environ, SCHEDULE_STEPS_VARIABLE, minimum=1)
    cases_per_operation = _number(environ, CASES_VARIABLE, minimum=1)
    return Depth(
        steps=_number(environ, STEPS_VARIABLE, minimum=1),
        steps_per_schedule=STEPS_PER_SCHEDULE if steps_per_schedule is None else steps_per_schedule,
        cases_per_operation=CASES_PER_OPERATION if cases_per_operation is None else cases_per_operation,
        seed=_number(environ, SEED_VARIABLE, minimum=0),
    )


@functools.cache
def depth() -> Depth:
    """The environment's depth, read at the first call: the suites' import, after tests/soak has set it."""
    return depth_from(os.environ)


def environment(chosen: Depth) -> dict[str, str]:
    """The variables that make `depth()` return `chosen` in a process that has not read them yet."""
    return {
        STEPS_VARIABLE: "" if chosen.steps is None else str(chosen.steps),
        SCHEDULE_STEPS_VARIABLE: str(chosen.steps_per_schedule),
        CASES_VARIABLE: str(chosen.cases_per_operation),
        SEED_VARIABLE: "" if chosen.seed is None else str(chosen.seed),
    }
