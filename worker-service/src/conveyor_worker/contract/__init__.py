"""The JSON Schema contract (contracts/v1), copied into this package by `make contracts`.

Every schema is registered by its `$id` so that relative `$ref`s resolve offline, and each validator is
compiled once per process. Each job type's time budget is read from the catalogue (job-type.schema.json's
`x-time-budget-seconds`) with its schemas.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from pydantic import Field, TypeAdapter, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

_SCHEMAS = files(__package__) / "schemas"
_BASE_ID = "https://conveyor.example/contracts/v1/"


class IncompleteContractError(Exception):
    """The copied contract lacks a schema it promises, such as a job type's input or result schema."""


class ContractViolationError(Exception):
    """A document does not match its schema; `violations` says where (JSON pointer) and what."""

    def __init__(self, document: str, violations: list[str]) -> None:
        super().__init__(f"{document} does not match the contract: {'; '.join(violations)}")
        self.violations = violations


_TIME_BUDGETS = TypeAdapter(dict[str, Annotated[int, Field(ge=1, le=890)]])
"""contracts/time-budgets.schema.json, which the worker's copy of v1 does not hold (tests/contract checks the
catalogue against it): enough to refuse to start on a budget that is missing or not a number of seconds."""


@dataclass(frozen=True)
class JobTypeSchemas:
    input: Validator
    result: Validator
    time_budget: timedelta
    """The longest one attempt may run (the catalogue's x-time-budget-seconds): past it, TIMED_OUT."""


@dataclass(frozen=True)
class Contract:
    job_message: Validator
    job_item: Validator
    job_types: Mapping[str, JobTypeSchemas]
    """Every job type the contract's `job-type` enum names, with its input and result schemas and its time
    budget."""


def check(validator: Validator, document: str, instance: Any) -> None:
    """Raises ContractViolationError listing every violation, each prefixed with its JSON pointer."""
    violations = [
        f"{_json_pointer(error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda error: [str(p) for p in error.path])
    ]
    if violations:
        raise ContractViolationError(document, violations)


@cache
def load_contract() -> Contract:
    """The packaged contract, compiled once per process."""
    return read_contract(_SCHEMAS)


def read_contract(folder: Traversable) -> Contract:
    """Compiles the contract whose schemas lie anywhere under `folder`, each registered by its `$id`."""
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in _read_all_schemas(folder)
    )

    def compile_schema(relative_id: str) -> Validator:
        try:
            schema = registry.contents(_BASE_ID + relative_id)
        except NoSuchResource as missing:
            raise IncompleteContractError(f"the contract has no schema {relative_id}") from missing
        return Draft202012Validator(
            schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    catalogue = registry.contents(_BASE_ID + "job-type.schema.json")
    job_type_names: list[str] = catalogue["enum"]
    time_budgets = _time_budgets(catalogue, job_type_names)
    return Contract(
        job_message=compile_schema("job-message.schema.json"),
        job_item=compile_schema("job-item.schema.json"),
        job_types={
            name: JobTypeSchemas(
                input=compile_schema(f"job-types/{name}/input.schema.json"),
                result=compile_schema(f"job-types/{name}/result.schema.json"),
                time_budget=time_budgets[name],
            )
            for name in job_type_names
        },
    )


def _time_budgets(catalogue: Mapping[str, Any], job_type_names: list[str]) -> dict[str, timedelta]:
    try:
        seconds = _TIME_BUDGETS.validate_python(catalogue.get("x-time-budget-seconds"))
    except ValidationError as invalid:
        raise IncompleteContractError(
            f"the catalogue's x-time-budget-seconds is invalid: {invalid}"
        ) from invalid
    missing = sorted(set(job_type_names) - seconds.keys())
    if missing:
        raise IncompleteContractError(f"the catalogue declares no time budget for {', '.join(missing)}")
    return {name: timedelta(seconds=seconds[name]) for name in job_type_names}


def _read_all_schemas(folder: Traversable) -> list[dict[str, Any]]:
    schemas: list[dict[str, Any]] = []
    for entry in folder.iterdir():
        if entry.is_dir():
            schemas.extend(_read_all_schemas(entry))
        elif entry.name.endswith(".schema.json"):
            schemas.append(json.loads(entry.read_text(encoding="utf-8")))
    return schemas


def _json_pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
