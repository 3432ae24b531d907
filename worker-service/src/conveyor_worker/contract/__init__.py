"""The JSON Schema contract (contracts/v1), copied into this package by `make contracts`.

Every schema is registered by its `$id` so that relative `$ref`s resolve offline, and each validator is
compiled once per process. Each job type's declaration (job-types/<name>/job-type.json: its time budget) is
read with its schemas.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from pydantic import BaseModel, ConfigDict, Field, ValidationError
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


class _JobTypeDeclaration(BaseModel):
    """contracts/job-type-declaration.schema.json, which the worker's copy of v1 does not hold; a test in
    tests/contract checks every declaration against it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    time_budget_seconds: int = Field(ge=1, le=890)


@dataclass(frozen=True)
class JobTypeSchemas:
    input: Validator
    result: Validator
    time_budget: timedelta
    """The longest one attempt may run (the declaration's time_budget_seconds): past it, TIMED_OUT."""


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

    job_type_names: list[str] = registry.contents(_BASE_ID + "job-type.schema.json")["enum"]
    return Contract(
        job_message=compile_schema("job-message.schema.json"),
        job_item=compile_schema("job-item.schema.json"),
        job_types={
            name: JobTypeSchemas(
                input=compile_schema(f"job-types/{name}/input.schema.json"),
                result=compile_schema(f"job-types/{name}/result.schema.json"),
                time_budget=_time_budget(folder / "job-types" / name / "job-type.json"),
            )
            for name in job_type_names
        },
    )


def _time_budget(declaration: Traversable) -> timedelta:
    try:
        declared = _JobTypeDeclaration.model_validate_json(declaration.read_bytes())
    except FileNotFoundError as missing:
        raise IncompleteContractError(f"the contract has no job type declaration {declaration}") from missing
    except ValidationError as invalid:
        raise IncompleteContractError(
            f"the job type declaration {declaration} is invalid: {invalid}"
        ) from invalid
    return timedelta(seconds=declared.time_budget_seconds)


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
