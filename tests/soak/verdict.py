"""A soak's verdict and summary, from the figures its suites counted as they ran (tests.support.report)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.support.depth import Depth

SCHEDULES = "fault_schedules"
SCHEMATHESIS = "schemathesis"
# What must be 0, by their names in each suite's counter: the fault machine follows jobs to their end, while
# schemathesis only sends requests (tests/fuzz checks that the backends hold exactly the accepted jobs).
VIOLATIONS = {SCHEDULES: ("lost", "completed_twice", "5xx"), SCHEMATHESIS: ("5xx",)}


def replay_command(soak: Depth) -> str:
    return (
        f"make soak SOAK_STEPS={soak.steps} SOAK_SCHEDULE_STEPS={soak.steps_per_schedule} "
        f"SOAK_CASES={soak.cases_per_operation} SOAK_SEED={soak.seed}"
    )


@dataclass(frozen=True)
class Verdict:
    soak: Depth
    pytest_exit_code: int
    seconds: float
    fault_schedules: dict[str, int] = field(default_factory=dict)
    schemathesis: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        found = []
        if self.pytest_exit_code != 0:
            # Hypothesis replays a failure while it shrinks it: the counts below include those replays.
            found.append(f"pytest exited {self.pytest_exit_code}: the failing test is above")
        for suite, figures in self._suites():
            if not figures:
                found.append(f"{suite}: no figures, the suite stopped before it counted")
            found += [f"{suite}: {name} {figures[name]}" for name in VIOLATIONS[suite] if figures.get(name)]
        steps = self.fault_schedules.get("steps", 0)
        if self.soak.steps is not None and steps < self.soak.steps:
            found.append(f"{SCHEDULES}: {steps} steps, {self.soak.steps} asked for")
        return found

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "problems": self.problems,
            "seconds": round(self.seconds, 1),
            "seed": self.soak.seed,
            "replay": replay_command(self.soak),
            "asked": {
                "steps": self.soak.steps,
                "steps_per_schedule": self.soak.steps_per_schedule,
                "cases_per_operation": self.soak.cases_per_operation,
            },
            "pytest_exit_code": self.pytest_exit_code,
            # Every violation's count, 0 included: a counter holds only what was counted.
            **{suite: dict.fromkeys(VIOLATIONS[suite], 0) | figures for suite, figures in self._suites()},
        }

    def _suites(self) -> tuple[tuple[str, dict[str, int]], ...]:
        return (SCHEDULES, self.fault_schedules), (SCHEMATHESIS, self.schemathesis)

    def lines(self) -> list[str]:
        minutes, seconds = divmod(round(self.seconds), 60)
        schedules, fuzz = self.fault_schedules, self.schemathesis
        return [
            f"make soak {'passed' if self.passed else 'FAILED'} in {minutes} min {seconds} s",
            *(_row("problem", problem) for problem in self.problems),
            _row(
                "fault schedules",
                f"{schedules.get('steps', 0):,} steps in {schedules.get('schedules', 0):,} schedules "
                f"(at most {self.soak.steps_per_schedule} steps each), {schedules.get('jobs', 0):,} jobs: "
                f"{schedules.get('succeeded', 0):,} succeeded, {schedules.get('failed', 0):,} failed",
            ),
            _row(
                "",
                f"{_violations(SCHEDULES, schedules)} "
                f"({schedules.get('503_for_injected_faults', 0):,} answered 503 for an injected fault)",
            ),
            _row(
                "schemathesis",
                f"{fuzz.get('cases', 0):,} cases (up to {self.soak.cases_per_operation:,} generated per "
                f"operation), {fuzz.get('jobs_accepted', 0):,} jobs accepted; "
                f"{_violations(SCHEMATHESIS, fuzz)}",
            ),
            _row("seed", str(self.soak.seed)),
            _row("replay", replay_command(self.soak)),
        ]


def _row(label: str, text: str) -> str:
    return f"  {label:<16} {text}"


def _violations(suite: str, figures: Mapping[str, int]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {figures.get(name, 0)}" for name in VIOLATIONS[suite])
