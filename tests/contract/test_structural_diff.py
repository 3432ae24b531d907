"""The structural diff finds where a consumer's schema accepts less than a producer's, and nowhere else."""

from typing import Any

import pytest
from conveyor_release.structure import UNKNOWN_MEMBER, narrowings


def _changes(producer: Any, consumer: Any) -> list[tuple[str, str, bool]]:
    return [(finding.pointer, finding.action, finding.certain) for finding in narrowings(producer, consumer)]


@pytest.mark.parametrize(
    ("producer", "consumer"),
    [
        ({"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 20}),
        ({"type": "integer", "maximum": 5}, {"type": "integer", "exclusiveMaximum": 6}),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}),
        ({"type": "integer"}, {"type": "number"}),
        ({"type": "object", "properties": {"a": {}}}, {"type": "object", "properties": {"a": {}, "b": {}}}),
        (
            {"type": "object", "properties": {"a": {}}, "required": ["a"]},
            {"type": "object", "properties": {"a": {}}},
        ),
    ],
    ids=["longer", "exclusive-above", "enum-grown", "number", "member-declared", "required-dropped"],
)
def test_a_consumer_that_accepts_as_much_or_more_narrows_nothing(producer: Any, consumer: Any) -> None:
    assert _changes(producer, consumer) == []


@pytest.mark.parametrize(
    ("producer", "consumer", "expected"),
    [
        ({"type": "string"}, {"type": "string", "maxLength": 3}, ("(the document)", "replace", True)),
        (
            {"type": "integer", "maximum": 5},
            {"type": "integer", "exclusiveMaximum": 5},
            ("(the document)", "replace", True),
        ),
        ({"type": "number"}, {"type": "integer"}, ("(the document)", "replace", True)),
        (
            {"properties": {"a": {"enum": [1, 2]}}},
            {"properties": {"a": {"enum": [1]}}},
            ("/a", "replace", True),
        ),
        (
            {"properties": {"a": {}}},
            {"properties": {"a": {}}, "required": ["a"]},
            ("(the document)", "drop", True),
        ),
        (
            {"properties": {"a": {}}},
            {"properties": {"a": {}}, "additionalProperties": False},
            ("(the document)", "add", True),
        ),
        (
            {"items": {"type": "string"}},
            {"items": {"type": "string", "pattern": "^x"}},
            ("/0", "replace", False),
        ),
        ({"allOf": [{}]}, {"allOf": [{}, {"required": ["a"]}]}, ("(the document)", "probe", False)),
    ],
    ids=[
        "bounded",
        "exclusive-at",
        "integer",
        "enum-shrunk",
        "required",
        "closed",
        "pattern",
        "branch-added",
    ],
)
def test_a_consumer_that_accepts_less_is_found_where_it_does(
    producer: Any, consumer: Any, expected: tuple[str, str, bool]
) -> None:
    assert _changes(producer, consumer) == [expected]


def test_a_closed_object_is_shown_a_member_no_schema_declares() -> None:
    (finding,) = narrowings(
        {"properties": {"a": {}}}, {"properties": {"a": {}}, "additionalProperties": False}
    )
    assert finding.member == UNKNOWN_MEMBER


def test_a_type_stated_beside_an_enum_of_its_values_narrows_nothing() -> None:
    assert _changes({"enum": ["png", "jpeg"]}, {"type": "string", "enum": ["png", "jpeg"]}) == []
