"""The job type registry.

Adding a job type takes two things with the same name: a folder contracts/v1/job-types/<name>/ with its
schema pair (input and result), its name and time budget in the catalogue (job-type.schema.json), and one
module here, `conveyor_worker/job_types/<name>.py`, that declares

    JOB_TYPE = "<name>"

    def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]: ...

`run` gets the payload, already valid against the input schema, and the job's context (context.py): the
job id, the files bucket, in which a job writes only under `job.result_key(name)`, results/{job_id}/, and
`job.time_left()`, what is left of its time budget (past it, the worker ends the job TIMED_OUT: a pure Python
loop is interrupted where it stands, by TimedOutError raised in it), `job.report_progress(percent, message)`,
which a job that may take more than a second calls at its stages
(best effort: stored at most once a second, never raised; only a percent outside 0..100 raises, and
JobCancelledError once a cancel was asked for), and `job.check_cancelled()`, one read, which a job that does
not report may call between stages. A job lets JobCancelledError through; the worker ends it CANCELLED.
It returns the result object, which is checked against the result schema; a result too large for the job
item goes to the bucket by the worker's hand, not the job's (the claim-check rule, contracts/README.md).
It raises PermanentJobError for a failure that retrying cannot fix; any other exception is transient, and
the job may run again, so a run must be safe to repeat. A worker starts a record only when its invocation has
the job type's time budget left (and the record's own AWS calls), and otherwise gives the message back.
Modules are found by scanning this package, and the worker refuses to start unless the modules and the
contract's job types match one to one.
"""

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from jsonschema.protocols import Validator

from conveyor_worker.contract import Contract
from conveyor_worker.job_types.context import JobContext

JobFunction = Callable[[Mapping[str, Any], JobContext], dict[str, Any]]
"""Runs one job: takes the payload object and the job's context, returns the result object."""

_SUPPORT_MODULES = frozenset({"context", "errors"})


class JobTypeRegistryError(Exception):
    """The job type modules and the contract disagree; the worker must not start."""


@dataclass(frozen=True)
class JobType:
    name: str
    run: JobFunction
    input_schema: Validator
    result_schema: Validator
    budget: timedelta
    """The contract's time budget of one attempt (job-type.schema.json's x-time-budget-seconds)."""


def discover_job_functions(package: ModuleType) -> dict[str, JobFunction]:
    """The `run` function of every job type module in `package`, by job type name."""
    return {name: _job_function_of(module, name) for name, module in _job_modules(package)}


def _job_modules(package: ModuleType) -> Iterator[tuple[str, ModuleType]]:
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_") or module_info.name in _SUPPORT_MODULES:
            continue
        yield module_info.name, importlib.import_module(f"{package.__name__}.{module_info.name}")


def build_registry(
    contract: Contract,
    discovered: Mapping[str, JobFunction],
    overrides: Mapping[str, JobFunction] | None = None,
) -> dict[str, JobType]:
    """Pairs each job function with its contract schemas and time budget; `overrides` replace discovered
    functions by name."""
    problems = [
        f"module job_types/{name}.py has no schema pair contracts/v1/job-types/{name}/ in the contract"
        for name in sorted(discovered.keys() - contract.job_types.keys())
    ]
    problems += [
        f"contract job type {name!r} has no module conveyor_worker/job_types/{name}.py"
        for name in sorted(contract.job_types.keys() - discovered.keys())
    ]
    problems += [
        f"override {name!r} is not a job type of the contract"
        for name in sorted((overrides or {}).keys() - contract.job_types.keys())
    ]
    if problems:
        raise JobTypeRegistryError("; ".join(problems))
    functions = {**discovered, **(overrides or {})}
    return {
        name: JobType(
            name,
            run,
            contract.job_types[name].input,
            contract.job_types[name].result,
            contract.job_types[name].time_budget,
        )
        for name, run in functions.items()
    }


def _job_function_of(module: ModuleType, module_name: str) -> JobFunction:
    declared = getattr(module, "JOB_TYPE", None)
    if declared != module_name:
        raise JobTypeRegistryError(
            f"{module.__name__} must declare JOB_TYPE = {module_name!r} (found {declared!r})"
        )
    run = getattr(module, "run", None)
    if not callable(run):
        raise JobTypeRegistryError(f"{module.__name__} must define run(payload, job) -> dict")
    function: JobFunction = run
    return function
