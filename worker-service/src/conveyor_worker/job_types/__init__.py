"""The job type registry.

Adding a job type takes two things with the same name: a schema pair in contracts/v1/job-types/<name>/
(input and result) and one module here, `conveyor_worker/job_types/<name>.py`, that declares

    JOB_TYPE = "<name>"

    def run(payload: Mapping[str, Any]) -> dict[str, Any]: ...

`run` gets the payload already valid against the input schema and returns the result object, which is
checked against the result schema. It raises PermanentJobError for a failure that retrying cannot fix;
any other exception is transient. Modules are found by scanning this package, and the worker refuses to
start unless the modules and the contract's job types match one to one.
"""

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from jsonschema.protocols import Validator

from conveyor_worker.contract import Contract

JobFunction = Callable[[Mapping[str, Any]], dict[str, Any]]
"""Runs one job: takes the payload object, returns the result object."""

_SUPPORT_MODULES = frozenset({"errors"})


class JobTypeRegistryError(Exception):
    """The job type modules and the contract disagree; the worker must not start."""


@dataclass(frozen=True)
class JobType:
    name: str
    run: JobFunction
    input_schema: Validator
    result_schema: Validator


def discover_job_functions(package: ModuleType) -> dict[str, JobFunction]:
    """The `run` function of every job type module in `package`, by job type name."""
    functions: dict[str, JobFunction] = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_") or module_info.name in _SUPPORT_MODULES:
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        functions[module_info.name] = _job_function_of(module, module_info.name)
    return functions


def build_registry(
    contract: Contract,
    discovered: Mapping[str, JobFunction],
    overrides: Mapping[str, JobFunction] | None = None,
) -> dict[str, JobType]:
    """Pairs each job function with its contract schemas; `overrides` replace discovered functions by name."""
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
        name: JobType(name, run, contract.job_types[name].input, contract.job_types[name].result)
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
        raise JobTypeRegistryError(f"{module.__name__} must define run(payload) -> dict")
    function: JobFunction = run
    return function
