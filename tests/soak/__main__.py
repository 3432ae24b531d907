"""`python -m tests.soak` (`make soak`): the fault-schedule machine and schemathesis, at the depth asked for.

Runs tests/faults/test_schedules.py and tests/fuzz/test_openapi_fuzzing.py, the very suites `make test` runs,
with CONVEYOR_SOAK_* set (tests/support/depth.py), in this process: what they counted is then read back
from tests.support.report. Then prints the summary, writes it to <report-dir>/summary.txt and summary.json,
and exits 1 unless both suites passed, reached their steps, and counted nothing lost, nothing completed
twice and no 5xx.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.soak.verdict import SCHEDULES, SCHEMATHESIS, Verdict
from tests.support import report
from tests.support.depth import Depth, environment

TESTS_DIR = Path(__file__).resolve().parents[1]
SUITES = (TESTS_DIR / "faults" / "test_schedules.py", TESTS_DIR / "fuzz" / "test_openapi_fuzzing.py")


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text}: at least {minimum}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--steps", type=_whole(1), required=True, help="fault-schedule steps, at least")
    parser.add_argument("--schedule-steps", type=_whole(1), required=True, help="steps per schedule, at most")
    parser.add_argument("--cases", type=_whole(1), required=True, help="generated cases per API operation")
    parser.add_argument("--seed", type=_whole(0), help="a run's seed, to replay it")
    parser.add_argument("--report-dir", type=Path, required=True, help="where summary.txt and .json go")
    args = parser.parse_args(argv)
    soak = Depth(
        steps=args.steps,
        steps_per_schedule=args.schedule_steps,
        cases_per_operation=args.cases,
        seed=random.SystemRandom().randrange(2**32) if args.seed is None else args.seed,
    )
    print(f"make soak: seed {soak.seed}", flush=True)
    os.environ.update(environment(soak))
    started = time.monotonic()
    # A soak's tests are long by design: pytest-timeout's bound (pyproject.toml) is for `make test`'s. Nor has
    # a soak a use for pytest's last-failed cache, which a `make test` that runs a small soak is writing too.
    exit_code = pytest.main([*map(str, SUITES), "-p", "no:cacheprovider", "--timeout=0"])
    verdict = Verdict(
        soak,
        int(exit_code),
        time.monotonic() - started,
        fault_schedules=dict(report.figures.get(SCHEDULES, {})),
        schemathesis=dict(report.figures.get(SCHEMATHESIS, {})),
    )
    text = "\n".join(verdict.lines())
    print(text)
    args.report_dir.mkdir(parents=True, exist_ok=True)
    (args.report_dir / "summary.txt").write_text(text + "\n")
    (args.report_dir / "summary.json").write_text(json.dumps(verdict.as_json(), indent=2) + "\n")
    print(f"  (also in {args.report_dir / 'summary.txt'}, and as JSON in summary.json beside it)")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
