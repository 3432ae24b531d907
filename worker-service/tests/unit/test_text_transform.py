from typing import Any

import pytest
from hypothesis import given
from hypothesis_jsonschema import from_schema

from conveyor_worker.contract import check, load_contract
from conveyor_worker.job_types import text_transform
from conveyor_worker.job_types.context import JobContext
from tests.support.fake_files import FakeFileStore
from tests.support.schemas import schema_of

SCHEMAS = load_contract().job_types["text_transform"]
JOB = JobContext("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore())
"""text_transform reads and writes no files."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, Conveyor!", {"length": 16, "uppercase": "HELLO, CONVEYOR!", "word_count": 2}),
        ("  spaced \t\n out  ", {"length": 17, "uppercase": "  SPACED \t\n OUT  ", "word_count": 2}),
        ("   ", {"length": 3, "uppercase": "   ", "word_count": 0}),
        ("straße", {"length": 6, "uppercase": "STRASSE", "word_count": 1}),
    ],
    ids=["ascii", "whitespace-runs", "only-whitespace", "full-case-mapping"],
)
def test_text_transform_counts_code_points_and_words_and_upper_cases(
    text: str, expected: dict[str, Any]
) -> None:
    assert text_transform.run({"text": text}, JOB) == expected


@given(from_schema(schema_of(SCHEMAS.input)))
def test_every_valid_input_gives_a_result_valid_against_the_result_schema(payload: dict[str, Any]) -> None:
    check(SCHEMAS.result, "the result", text_transform.run(payload, JOB))
