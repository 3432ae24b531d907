"""The JSON Schema contract (contracts/v1), copied into this package by `make contracts`.

Every schema is registered under its `$id`, so relative `$ref`s resolve from this copy and nothing is
fetched; each validator is compiled once per process.
"""

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

_SCHEMAS = files(__package__) / "schemas"
_BASE_ID = "https://conveyor.example/contracts/v1/"


def _schema_files(folder: Traversable) -> Iterator[Traversable]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _schema_files(entry)
        elif entry.name.endswith(".schema.json"):
            yield entry


@cache
def _registry() -> Registry[Any]:
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in _schema_files(_SCHEMAS)]
    return Registry().with_resources((schema["$id"], Resource.from_contents(schema)) for schema in schemas)


def schema_id(name: str) -> str:
    """The `$id` of the schema `name`, against which its relative `$ref`s resolve."""
    return f"{_BASE_ID}{name}.schema.json"


def schema_name(schema_id: str) -> str:
    """The name of the schema whose `$id` is `schema_id`: `schema_name(schema_id(name)) == name`."""
    return schema_id.removeprefix(_BASE_ID).removesuffix(".schema.json")


def schema(name: str) -> dict[str, Any]:
    """The schema `v1/<name>.schema.json`, e.g. `job-request` or `job-types/text_transform/input`."""
    contents: dict[str, Any] = _registry().contents(schema_id(name))
    return contents


@cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator of `v1/<name>.schema.json`, date-time formats included."""
    return Draft202012Validator(
        schema(name), registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def job_types() -> tuple[str, ...]:
    """The job types this contract defines, in the order its `job-type` enum lists them."""
    return tuple(str(job_type) for job_type in schema("job-type")["enum"])
