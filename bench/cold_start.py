"""Cold start: each handler module's import in a fresh interpreter, beside a handler that imports only boto3.

The interpreter sees what a Lambda bundle holds and nothing else (`python -S`, PYTHONPATH = the service's
locked dependencies, installed by uv for this machine's platform, then the service's source), so neither the
development environments' extra packages nor their bytecode caches flatter or burden the figures. Two modes:

- bytecode: the bundle's modules already compiled (`__pycache__` warmed by a first run), as the zips `make
  package` builds ship them (compiled by Python 3.12: infra/lambda_bytecode.py);
- source: nothing compiled, which is what every cold start would pay without that bytecode (Lambda's
  /var/task is read-only, so nothing compiled there is kept).

The floors are a handler that imports boto3, and one that also creates the two clients the API creates at
import (DynamoDB and SQS; the API makes them from botocore's session, without importing boto3). Candidates
run interleaved, round after round, and each ratio is the median of the per-round ratios, so that load from
other processes on the machine weighs on both sides of it alike.
Timings inside the child exclude the interpreter's own start; the process wall time includes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BENCH_BUILD_DIR, REPO_ROOT, Section, median, table

CHILD = Path(__file__).with_name("cold_start_child.py")
TREES = BENCH_BUILD_DIR / "cold-start"
TARGET = 1.5
IMPORTTIME_RUNS = 3
"""Issue 6: the API handler's import within 1.5 x the floor's."""


@dataclass(frozen=True)
class Candidate:
    key: str
    label: str
    service: str
    module: str
    """What the child imports: a handler module, or `floor-import` / `floor-clients`."""
    first_request: bool = False


CANDIDATES = (
    Candidate("floor-import", "floor: `import boto3`", "api", "floor-import"),
    Candidate(
        "floor-clients", "floor: `import boto3` + DynamoDB and SQS clients", "api", "floor-clients", True
    ),
    Candidate(
        "floor-libraries",
        "the API's libraries: botocore session clients, Powertools Logger and HTTP resolver, jsonschema",
        "api",
        "floor-libraries",
    ),
    Candidate("api", "API `conveyor_api.lambda_function`", "api", "conveyor_api.lambda_function", True),
    Candidate(
        "worker", "worker `conveyor_worker.lambda_function`", "worker", "conveyor_worker.lambda_function"
    ),
    Candidate(
        "sweeper", "sweeper `conveyor_worker.sweeper_function`", "worker", "conveyor_worker.sweeper_function"
    ),
)
SHORT = {
    "floor-import": "boto3",
    "floor-clients": "boto3 + clients",
    "floor-libraries": "the API's libraries",
    "api": "API",
    "worker": "worker",
    "sweeper": "sweeper",
}
SERVICE_FOLDERS = {"api": "api-service", "worker": "worker-service"}

# Settings the handler modules read at import (docs/design.md, Configuration); no AWS call is made with them.
FUNCTION_ENVIRONMENT = {
    "JOBS_TABLE_NAME": "conveyor-jobs",
    "JOBS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs",
    "IDEMPOTENCY_TABLE_NAME": "conveyor-idempotency",
    "CORS_ALLOW_ORIGIN": "*",
    "AUTH_MODE": "none",
    "POWERTOOLS_SERVICE_NAME": "conveyor-bench",
    "POWERTOOLS_METRICS_NAMESPACE": "Conveyor",
    "FILES_BUCKET_NAME": "conveyor-files",
    "PAYLOAD_INLINE_MAX_BYTES": "4096",
    "JOB_LEASE_SECONDS": "60",
    "MAX_RECEIVE_COUNT": "5",
    "RETRY_BASE_DELAY_SECONDS": "2",
    "RETRY_MAX_DELAY_SECONDS": "300",
    "JOBS_DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/conveyor-jobs-dlq",
    "SWEEP_GRACE_SECONDS": "120",
    "MESSAGE_RETENTION_SECONDS": "1209600",
    "JOB_RETENTION_DAYS": "30",
    "JOB_TYPES_PARAMETER_NAME": "/conveyor-core/worker/job-types",
    # The worker template's default: no sender, so no SES client either.
    "EMAIL_SENDER": "",
    "EMAIL_CONFIGURATION_SET": "",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_NAME": "conveyor-bench",
}


def run(*, rounds: int = 7, source_rounds: int = 5) -> Section:
    started = time.monotonic()
    trees = {service: _prepare_trees(service) for service in SERVICE_FOLDERS}
    with tempfile.TemporaryDirectory(prefix="conveyor-cold-") as scratch:
        event_file = Path(scratch) / "event.json"
        event_file.write_text(json.dumps(_post_event()), encoding="utf-8")
        for candidate in CANDIDATES:  # warms the bytecode trees' __pycache__
            _run_child(candidate, trees[candidate.service]["bytecode"], event_file, bytecode=True)
        results = {
            "bytecode": _rounds(trees, "bytecode", rounds, event_file),
            "source": _rounds(trees, "source", source_rounds, event_file),
        }
        importtime = {
            candidate.key: _importtime(candidate, trees[candidate.service]["bytecode"])
            for candidate in CANDIDATES
        }
    figures = _summarise(results)
    figures["importtime_top"] = _beyond_floor(importtime)
    body = _report(figures, rounds, source_rounds)
    api = figures["bytecode"]["api"]
    like_for_like = api["import_wall_x_floor-clients"]
    # The floor is a handler that imports only boto3; ours creates its two clients at import, so the
    # like-for-like floor creates them too, and the target is judged against that one.
    headline = (
        f"API import {like_for_like:.2f}x a handler that imports boto3 and creates the same two clients "
        f"(target {TARGET}x: {'met' if like_for_like <= TARGET else 'missed'}; CPU "
        f"{api['import_cpu_x_floor-clients']:.2f}x), {api['import_wall_x_floor-import']:.2f}x one that only "
        f"imports boto3, {api['import_wall_x_floor-libraries']:.2f}x the libraries its request path needs, "
        f"imported bare. Without the bytecode the zips ship, the API's import would take "
        f"{figures['source_x_bytecode']['api']:.1f}x as long."
    )
    return Section("Cold start", body, figures, time.monotonic() - started, headline=headline)


def _uv() -> str:
    return os.environ.get("UV") or str(REPO_ROOT / ".tools" / "bin" / "uv")


def _prepare_trees(service: str) -> dict[str, Path]:
    """The service's bundle for this machine: locked dependencies plus current source, in both modes."""
    folder = REPO_ROOT / SERVICE_FOLDERS[service]
    base = TREES / service
    shutil.rmtree(base, ignore_errors=True)
    deps = base / "bytecode" / "deps"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run(
        [
            *(_uv(), "pip", "install", "--quiet", "--target", str(deps), "--python-version", python),
            *("--only-binary", ":all:", "--no-deps", "-r", str(folder / "requirements.lock")),
        ],
        check=True,
        env={**os.environ, "UV_NO_INSTALLER_METADATA": "1"},
    )
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(folder / "src", base / "bytecode" / "src", ignore=ignore)
    shutil.copytree(base / "bytecode", base / "source", ignore=ignore)
    return {"bytecode": base / "bytecode", "source": base / "source"}


def _environment(tree: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON", "POWERTOOLS_")) and name != "VIRTUAL_ENV"
    }
    environment.update(FUNCTION_ENVIRONMENT, PYTHONPATH=f"{tree / 'deps'}{os.pathsep}{tree / 'src'}")
    return environment


def _run_child(
    candidate: Candidate, tree: Path, event_file: Path, *, bytecode: bool, extra: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    flags = ("-S", *extra) if bytecode else ("-S", "-B", *extra)
    started = time.perf_counter()
    completed = subprocess.run(
        [
            sys.executable,
            *flags,
            str(CHILD),
            candidate.module,
            str(event_file) if candidate.first_request else "-",
        ],
        env=_environment(tree),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    marker = [line for line in completed.stdout.splitlines() if line.startswith("COLD-START-RESULT ")]
    if completed.returncode != 0 or not marker:
        raise RuntimeError(f"cold start of {candidate.key} failed:\n{completed.stdout}\n{completed.stderr}")
    result: dict[str, Any] = json.loads(marker[-1].split(" ", 1)[1])
    result["process_wall_ms"] = wall
    return result, completed.stderr


def _rounds(
    trees: dict[str, dict[str, Path]], mode: str, rounds: int, event_file: Path
) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _ in range(rounds):
        for candidate in CANDIDATES:
            result, _ = _run_child(
                candidate, trees[candidate.service][mode], event_file, bytecode=mode == "bytecode"
            )
            runs[candidate.key].append(result)
    return dict(runs)


_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _importtime(candidate: Candidate, tree: Path, runs: int = IMPORTTIME_RUNS) -> dict[str, float]:
    """Self time (ms) by top-level package, the median of `runs` `-X importtime` runs; the stdlib as one."""
    samples: list[defaultdict[str, float]] = []
    stdlib = sys.stdlib_module_names
    for _ in range(runs):
        _, stderr = _run_child(candidate, tree, Path("-"), bytecode=True, extra=("-X", "importtime"))
        by_package: defaultdict[str, float] = defaultdict(float)
        for line in stderr.splitlines():
            match = _IMPORT_LINE.match(line)
            if match:
                top = match.group(4).split(".")[0]
                package = "(standard library)" if top in stdlib or top.startswith("_") else top
                by_package[package] += int(match.group(1)) / 1000
        samples.append(by_package)
    packages = set().union(*samples)
    return {package: median([sample[package] for sample in samples]) for package in packages}


def _beyond_floor(importtime: dict[str, dict[str, float]]) -> dict[str, list[tuple[str, float]]]:
    """For each handler, the packages whose import time exceeds the floor's (boto3, clients)."""
    floor = importtime["floor-clients"]
    beyond: dict[str, list[tuple[str, float]]] = {}
    for key in ("api", "worker", "sweeper"):
        extra = [(package, spent - floor.get(package, 0.0)) for package, spent in importtime[key].items()]
        beyond[key] = [
            (package, round(spent, 1)) for package, spent in sorted(extra, key=lambda item: -item[1])[:10]
        ]
    return beyond


FLOORS = ("floor-import", "floor-clients", "floor-libraries")


def _summarise(results: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for mode, runs in results.items():
        summary: dict[str, Any] = {}
        for candidate in CANDIDATES:
            samples = runs[candidate.key]
            entry: dict[str, Any] = {
                metric: round(median([sample[metric] for sample in samples]), 1)
                for metric in samples[0]
                if metric.endswith("_ms")
            }
            for floor in FLOORS:
                for metric in ("import_wall", "import_cpu"):
                    entry[f"{metric}_x_{floor}"] = _median_ratio(samples, runs[floor], f"{metric}_ms")
            if candidate.first_request:
                entry["with_first_request_x_floor-clients"] = round(
                    median(
                        [
                            (sample["import_wall_ms"] + sample["first_request_wall_ms"])
                            / (base["import_wall_ms"] + base["first_request_wall_ms"])
                            for sample, base in zip(samples, runs["floor-clients"], strict=True)
                        ]
                    ),
                    2,
                )
            summary[candidate.key] = entry
        figures[mode] = summary
    figures["source_x_bytecode"] = {
        candidate.key: round(
            figures["source"][candidate.key]["import_wall_ms"]
            / figures["bytecode"][candidate.key]["import_wall_ms"],
            2,
        )
        for candidate in CANDIDATES
    }
    return figures


def _median_ratio(samples: list[dict[str, Any]], bases: list[dict[str, Any]], metric: str) -> float:
    """The median of per-round ratios: a round's load weighs on both of its runs."""
    return round(
        median([sample[metric] / base[metric] for sample, base in zip(samples, bases, strict=True)]), 2
    )


def _report(figures: dict[str, Any], rounds: int, source_rounds: int) -> list[str]:
    body = [
        "Each candidate imported in a fresh `python -S` that sees only the service's locked dependencies "
        f"(installed by uv for this machine's platform) and its current source. Medians of {rounds} "
        f"interleaved rounds (bytecode) and {source_rounds} (source); each ratio is the median of the "
        "per-round ratios. Import times are measured inside the process (from before its first import to the "
        "end of the handler module's import, which for our handlers includes creating their clients); the "
        "process time adds the interpreter's start. `first request` is a `POST /jobs` (API) or a PutItem + "
        "SendMessage (floor), with AWS's answers stubbed inside botocore: our code and botocore's, no "
        "network.",
        "",
    ]
    for mode, title in (
        ("bytecode", "Modules compiled (`__pycache__` present), as the zips ship them"),
        ("source", "No bytecode (what a zip without .pyc would pay: /var/task keeps nothing compiled)"),
    ):
        rows = []
        for candidate in CANDIDATES:
            entry = figures[mode][candidate.key]
            rows.append(
                [
                    candidate.label,
                    f"{entry['import_wall_ms']:.0f} ms",
                    f"{entry['import_cpu_ms']:.0f} ms",
                    f"{entry['process_wall_ms']:.0f} ms",
                    f"{entry['import_wall_x_floor-import']:.2f}",
                    f"{entry['import_wall_x_floor-clients']:.2f}",
                    f"{entry['import_wall_x_floor-libraries']:.2f}" if candidate.key == "api" else "",
                    f"{entry['first_request_wall_ms']:.0f} ms" if "first_request_wall_ms" in entry else "",
                ]
            )
        body += [f"**{title}**", ""]
        body += table(
            [
                "candidate",
                "import (wall)",
                "import (CPU)",
                "process (wall)",
                "x `import boto3`",
                "x boto3 + clients",
                "x the API's libraries",
                "first request",
            ],
            rows,
        )
        body.append("")
    api = figures["bytecode"]["api"]
    body += [
        f"**Target: API import ≤ {TARGET} x the floor.** With bytecode, against a handler that only imports "
        f"boto3: **{api['import_wall_x_floor-import']:.2f}** "
        f"({_verdict(api['import_wall_x_floor-import'])}; CPU time {api['import_cpu_x_floor-import']:.2f}). "
        "Our handler creates its DynamoDB and SQS clients at import, so the like-for-like floor includes "
        f"them: **{api['import_wall_x_floor-clients']:.2f}** "
        f"({_verdict(api['import_wall_x_floor-clients'])}; CPU time "
        f"{api['import_cpu_x_floor-clients']:.2f}). Against the libraries its request path uses (the "
        "clients from botocore's session, Powertools' Logger and HTTP resolver, jsonschema), imported and "
        "nothing more: "
        f"{api['import_wall_x_floor-libraries']:.2f} (CPU {api['import_cpu_x_floor-libraries']:.2f}); that "
        "part is our own code: models, contract, routes. Import plus first request, against the floor's "
        f"import, clients and first two calls: {api['with_first_request_x_floor-clients']:.2f}.",
        "",
        "Without bytecode each import takes "
        + ", ".join(
            f"{figures['source_x_bytecode'][candidate.key]:.1f}x ({SHORT[candidate.key]})"
            for candidate in CANDIDATES
        )
        + " as long as with it: that is why `make package` compiles the bundle with Lambda's Python (3.12) "
        "and ships the bytecode.",
        "",
        "Deferred from the API's init: Powertools' idempotency utility, loaded by the first request with an "
        "Idempotency-Key (`conveyor_api.idempotency.on_demand`). Everything else it imports, every request "
        "path uses: routing and logging (Powertools), the clients (botocore, without boto3 and its "
        "s3transfer), the models (dataclasses) and the contract (jsonschema).",
        "",
        "Where each handler's import goes beyond the floor with clients (`-X importtime` self time by "
        f"package, median of {IMPORTTIME_RUNS} runs, bytecode mode; our packages' time includes what their "
        "module bodies run, such as building the worker's pydantic models, and the handlers' clients and "
        "routers at import):",
        "",
    ]
    for key, name in (("api", "API"), ("worker", "worker"), ("sweeper", "sweeper")):
        parts = ", ".join(f"{package} {spent:.0f} ms" for package, spent in figures["importtime_top"][key])
        body.append(f"- {name}: {parts}")
    return body


def _verdict(ratio: float) -> str:
    return "meets the target" if ratio <= TARGET else "misses the target"


def _post_event() -> dict[str, Any]:
    from tests.support.stack import post_jobs_event

    return post_jobs_event("text_transform", {"text": "hello conveyor"})


if __name__ == "__main__":
    section = run(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 7)
    print("\n".join(section.body))
