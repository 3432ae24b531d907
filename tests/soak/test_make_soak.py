"""`make soak` itself, at a tiny size: the Makefile's recipe runs both suites, reports them and a seed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# What an outer make (`make test`) leaves in its children's environment, and this session's AWS endpoint: the
# soak starts a moto server of its own.
_INHERITED = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "AWS_ENDPOINT_URL")


def test_make_soak_runs_both_suites_and_reports_their_figures_and_the_seed_that_replays_them(
    tmp_path: Path,
) -> None:
    environment = {name: value for name, value in os.environ.items() if name not in _INHERITED}

    soak = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "soak",
            "SOAK_STEPS=15",
            "SOAK_SCHEDULE_STEPS=5",
            "SOAK_CASES=1",
            f"SOAK_DIR={tmp_path}",
        ],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert soak.returncode == 0, soak.stdout[-5000:] + soak.stderr[-5000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (summary["passed"], summary["problems"], summary["pytest_exit_code"]) == (True, [], 0)
    schedules, schemathesis = summary["fault_schedules"], summary["schemathesis"]
    assert schedules["steps"] >= 15
    assert schedules["schedules"] >= 3
    assert (schedules["lost"], schedules["completed_twice"], schedules["5xx"]) == (0, 0, 0)
    # Each of the five operations gets its generated case and its coverage phase's.
    assert schemathesis["cases"] > 5
    assert schemathesis["5xx"] == 0
    seed = summary["seed"]
    assert isinstance(seed, int)
    replay = f"make soak SOAK_STEPS=15 SOAK_SCHEDULE_STEPS=5 SOAK_CASES=1 SOAK_SEED={seed}"
    assert summary["replay"] == replay
    printed = (tmp_path / "summary.txt").read_text()
    assert printed.startswith("make soak passed in ")
    assert f"replay           {replay}\n" in printed
    assert printed in soak.stdout
