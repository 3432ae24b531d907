"""`python -m bench` (`make bench`): every measurement, then docs/benchmarks.md and build/bench/results.json.

Runs package size, cold start, AWS requests per job, cost and polls per job, anonymous abuse, a backlog,
scale, throughput, then the fault soak. A measurement that fails is reported as failed in the document and
makes the exit status 1, as does a soak that loses or duplicates a job, or a backlog that fails, re-sends or
re-runs one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from conveyor_api.handlers.http import logger as api_logger
from conveyor_local.stacks import hide_known_gap_warnings

from bench import (
    abuse,
    backlog,
    cold_start,
    cost,
    package_size,
    partitions,
    polls,
    report,
    requests_per_job,
    scale,
    soak,
    throughput,
)
from bench.common import BENCH_BUILD_DIR, REPO_ROOT, Section, machine, moto_endpoint, table
from tests.support import aws_calls

MEASUREMENTS = ("package", "cold-start", "requests", "abuse", "backlog", "scale", "throughput", "soak")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=MEASUREMENTS, help="run only these (repeatable)")
    parser.add_argument("--jobs-per-type", type=int, default=100, help="happy-path jobs per job type")
    parser.add_argument("--backlog-jobs", type=int, default=500)
    parser.add_argument("--throughput-jobs", type=int, default=300)
    parser.add_argument("--scale-sizes", default="1000,10000,100000")
    parser.add_argument("--cold-start-rounds", type=int, default=7)
    parser.add_argument("--soak-jobs", type=int, default=2000)
    parser.add_argument("--output", default=str(REPO_ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    chosen = set(args.only or MEASUREMENTS)
    hide_known_gap_warnings()  # every stack deployed into moto here skips the alarms and the HTTP API
    ran_on = machine()
    started = time.monotonic()
    sections: list[Section] = []
    failed: list[str] = []

    def attempt(title: str, measure: Callable[[], list[Section]]) -> None:
        print(f"bench: {title}…", flush=True)
        began = time.monotonic()
        try:
            produced = measure()
        except Exception:
            failed.append(title)
            produced = [Section(title, ["**Failed:**", "", "```", traceback.format_exc().rstrip(), "```"])]
        # One process runs every function here and their Powertools loggers are one: what the API's Lambda
        # context added to it must not follow into the next measurement's worker lines.
        api_logger.clear_state()
        failed.extend(section.title for section in produced if section.failed)
        for section in produced:
            section.seconds = section.seconds or time.monotonic() - began
            print("\n".join([f"\n## {section.title}", *section.body]), flush=True)
        sections.extend(produced)

    for key, title, measure in _plan(args):
        if key in chosen:
            attempt(title, measure)
    aws_calls.remove_call_log_folder()
    command = (
        "make bench" if os.environ.get("MAKELEVEL") else "python -m bench " + " ".join(argv or sys.argv[1:])
    )
    report_path = Path(args.output)
    report.write(
        report_path,
        BENCH_BUILD_DIR / "results.json",
        ran_on,
        command.strip(),
        sections,
        time.monotonic() - started,
    )
    print(f"\nbench: wrote {report_path} and {BENCH_BUILD_DIR / 'results.json'}", flush=True)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _plan(args: argparse.Namespace) -> list[tuple[str, str, Callable[[], list[Section]]]]:
    sizes = tuple(int(size) for size in args.scale_sizes.split(","))
    rounds = args.cold_start_rounds
    return [
        ("package", "Package size", lambda: [package_size.run()]),
        (
            "cold-start",
            "Cold start",
            lambda: [cold_start.run(rounds=rounds, source_rounds=max(3, rounds - 2))],
        ),
        ("requests", "AWS requests per job", lambda: _requests_and_cost(args.jobs_per_type)),
        ("abuse", "Anonymous abuse", lambda: [_abuse()]),
        ("backlog", "Backlog", lambda: [_backlog(args.backlog_jobs)]),
        ("scale", "Scale", lambda: _scale(sizes)),
        ("throughput", "Throughput and latency", lambda: [throughput.run(args.throughput_jobs)]),
        ("soak", "Soak under faults", lambda: [_soak(args.soak_jobs)]),
    ]


def _requests_and_cost(jobs_per_type: int) -> list[Section]:
    with moto_endpoint() as endpoint:
        pipeline = requests_per_job.measure(endpoint, jobs_per_type)
    costs = cost.section(pipeline)
    status_read = costs.figures["GET /jobs/{id}"]["total"]
    return [requests_per_job.section(pipeline), costs, partitions.run(pipeline), polls.section(status_read)]


def _abuse() -> Section:
    with moto_endpoint() as endpoint:
        return abuse.run(endpoint)


def _backlog(jobs: int) -> Section:
    with moto_endpoint() as endpoint:
        return backlog.run(endpoint, jobs)


def _scale(sizes: tuple[int, ...]) -> list[Section]:
    with moto_endpoint() as endpoint:
        return [scale.run(endpoint, sizes)]


def _soak(jobs: int) -> Section:
    started = time.monotonic()
    summary = soak.run(jobs, fault_rate=0.05, seed=7, timeout_seconds=900)
    holds = soak.invariants_hold(summary)
    body = [
        f"`bench/soak.py`: {jobs} jobs through the real handlers on moto, with faults at 5% each (the API's "
        "SendMessage, or its PutItem after the message left, answers 503; the worker's claim is throttled "
        "and its completion times out; job runs die with their process and their batch); 4 workers and a "
        "sweeper every 2 s, with `make dev`'s times (15 s worker timeout and lease, 30 s visibility "
        "timeout, 3 receives).",
        "",
        *table(["figure", "value"], [[name, value] for name, value in summary.items()]),
        "",
        f"Lost: {summary['lost']}, duplicate completions: {summary['duplicate_completions']}, stored "
        f"although answered 503: {summary['stored_although_answered_503']} — "
        f"{'all 0, as they must be' if holds else 'INVARIANT BROKEN'}.",
    ]
    headline = (
        f"{jobs} jobs at 5% faults: {summary['lost']} lost, "
        f"{summary['duplicate_completions']} completed twice "
        f"({'invariants hold' if holds else 'INVARIANT BROKEN'})."
    )
    return Section(
        "Soak under faults", body, summary, time.monotonic() - started, failed=not holds, headline=headline
    )


if __name__ == "__main__":
    sys.exit(main())
