"""Turns a parsed body into a JobRequest, or says in plain words where and how it breaks the contract."""

import json
import re
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from jsonschema import ValidationError

from conveyor_api import contract
from conveyor_api.jobs.errors import InvalidJobRequestError, UnknownJobTypeError
from conveyor_api.json_pointer import json_pointer
from conveyor_api.json_types import JsonValue
from conveyor_api.models import JobRequest, Violation

MAX_LISTED_VIOLATIONS = 50
"""A body can break the contract 100000 times (once per list item); the response lists the first ones."""


def validate_job_request(document: JsonValue) -> JobRequest:
    errors = list(islice(contract.validator("job-request").iter_errors(document), MAX_LISTED_VIOLATIONS + 1))
    if not errors:
        return JobRequest.from_document(document)
    violations = list(dict.fromkeys(violations_of(errors[:MAX_LISTED_VIOLATIONS])))
    complete = len(errors) <= MAX_LISTED_VIOLATIONS
    job_type = document.get("job_type") if isinstance(document, dict) else None
    if job_type is not None and job_type not in contract.job_types():
        raise UnknownJobTypeError(contract.job_types(), violations, complete=complete)
    raise InvalidJobRequestError(violations, complete=complete)


def violations_of(errors: Iterable[ValidationError]) -> Iterable[Violation]:
    """One violation per error; a `required` or `additionalProperties` error yields one per member."""
    for error in errors:
        path = list(error.absolute_path)
        keyword = str(error.validator)
        if keyword == "required":
            for name in _missing_members(error.validator_value, error.instance):
                yield Violation(pointer=json_pointer([*path, name]), message="Required but missing; add it.")
        elif keyword == "additionalProperties":
            declared, unexpected = _unexpected_members(error.schema, error.instance)
            message = f"Unknown field; remove it (allowed: {', '.join(declared)})."
            for name in unexpected:
                yield Violation(pointer=json_pointer([*path, name]), message=message)
        elif describe := _DESCRIPTIONS.get(keyword):
            yield Violation(
                pointer=json_pointer(path), message=describe(error.validator_value, error.instance)
            )
        else:
            message = f"Does not satisfy the contract's `{keyword}` rule; see the job-request schema."
            yield Violation(pointer=json_pointer(path), message=message)


def _missing_members(required: Any, instance: Any) -> list[str]:
    return [name for name in required if name not in instance]


def _unexpected_members(schema: Any, instance: Any) -> tuple[list[str], list[str]]:
    declared = list(schema.get("properties", {}))
    patterns = [re.compile(pattern) for pattern in schema.get("patternProperties", {})]
    unexpected = [
        name
        for name in instance
        if name not in declared and not any(pattern.search(name) for pattern in patterns)
    ]
    return declared, unexpected


# Each message says what is wrong and how to fix it without quoting the value, which may be 100000 characters.
# Keywords the current input schemas do not use are here too: a new job type is a new schema, not new code.
def _describe_type(rule: Any, instance: Any) -> str:
    wanted = " or ".join(_JSON_TYPE_NAMES[name] for name in (rule if isinstance(rule, list) else [rule]))
    return f"Must be {wanted}, not {_JSON_TYPE_NAMES[_json_type(instance)]}."


def _describe_min_length(rule: Any, instance: Any) -> str:
    return "Must not be empty." if rule == 1 else f"Must be at least {rule} characters long."


def _describe_min_items(rule: Any, instance: Any) -> str:
    return "Must not be empty; give at least 1 item." if rule == 1 else f"Must have at least {rule} items."


_DESCRIPTIONS: dict[str, Callable[[Any, Any], str]] = {
    "type": _describe_type,
    "minLength": _describe_min_length,
    "maxLength": lambda rule, instance: f"Is {len(instance)} characters long; shorten it to at most {rule}.",
    "minItems": _describe_min_items,
    "maxItems": lambda rule, instance: f"Has {len(instance)} items; give at most {rule}.",
    "enum": lambda rule, instance: f"Must be one of: {', '.join(str(value) for value in rule)}.",
    "const": lambda rule, instance: f"Must be {json.dumps(rule)}.",
    "minimum": lambda rule, instance: f"Must be at least {rule}.",
    "maximum": lambda rule, instance: f"Must be at most {rule}.",
    "exclusiveMinimum": lambda rule, instance: f"Must be greater than {rule}.",
    "exclusiveMaximum": lambda rule, instance: f"Must be less than {rule}.",
    "format": lambda rule, instance: f"Must be a valid {rule}.",
    "pattern": lambda rule, instance: "Does not have the expected format; see the contract's schema.",
}

_JSON_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "null": "null",
}


def _json_type(value: object) -> str:
    match value:
        case bool():
            return "boolean"
        case int() | float():
            return "number"
        case str():
            return "string"
        case list():
            return "array"
        case dict():
            return "object"
        case _:
            return "null"
