"""Violation messages for every keyword a job type's input schema may use, so a new job type needs no code."""

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conveyor_api.jobs.request_validation import violations_of
from conveyor_api.models import Violation


def _violations(schema: dict[str, Any], instance: Any) -> list[Violation]:
    return list(violations_of(Draft202012Validator(schema).iter_errors(instance)))


@pytest.mark.parametrize(
    ("schema", "instance", "message"),
    [
        ({"type": ["string", "null"]}, 1.5, "Must be a string or null, not a number."),
        ({"type": "integer"}, 1.5, "Must be an integer, not a number."),
        ({"minLength": 3}, "ab", "Must be at least 3 characters long."),
        ({"minItems": 2}, [1], "Must have at least 2 items."),
        ({"enum": ["upper", "lower"]}, "title", "Must be one of: upper, lower."),
        ({"const": "v1"}, "v2", 'Must be "v1".'),
        ({"minimum": 0}, -1, "Must be at least 0."),
        ({"maximum": 10}, 11, "Must be at most 10."),
        ({"exclusiveMinimum": 0}, 0, "Must be greater than 0."),
        ({"exclusiveMaximum": 1}, 1, "Must be less than 1."),
        ({"pattern": "^[a-z]+$"}, "ABC", "Does not have the expected format; see the contract's schema."),
        (
            {"multipleOf": 2},
            3,
            "Does not satisfy the contract's `multipleOf` rule; see the job-request schema.",
        ),
    ],
)
def test_each_keyword_has_a_short_message_that_says_how_to_fix_it(
    schema: dict[str, Any], instance: Any, message: str
) -> None:
    assert _violations(schema, instance) == [Violation(pointer="", message=message)]


def test_format_violation_names_the_format() -> None:
    validator = Draft202012Validator(
        {"format": "date-time"}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )

    [violation] = violations_of(validator.iter_errors("yesterday"))

    assert violation.message == "Must be a valid date-time."


def test_members_matching_pattern_properties_are_not_reported_as_unknown() -> None:
    schema = {"properties": {"text": {}}, "patternProperties": {"^x-": {}}, "additionalProperties": False}

    assert _violations(schema, {"text": "hi", "x-trace": 1, "upper": True}) == [
        Violation(pointer="/upper", message="Unknown field; remove it (allowed: text).")
    ]


def test_pointers_escape_tilde_and_slash_as_rfc_6901_asks() -> None:
    schema = {"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}}

    assert _violations(schema, {"a/b": {"c~d": 1}}) == [
        Violation(pointer="/a~1b/c~0d", message="Must be a string, not a number.")
    ]
