"""Every golden example is judged by the contract as its folder says: valid ones pass, invalid ones fail."""

import pytest
from jsonschema import Draft202012Validator

from tests.support import contract

EXAMPLES = list(contract.examples())


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    for path in contract.schema_paths():
        Draft202012Validator.check_schema(contract.schema(contract.schema_name(path)))


def test_every_schema_has_valid_and_invalid_examples() -> None:
    covered = {(example.schema_name, example.valid) for example in EXAMPLES}
    for path in contract.schema_paths():
        name = contract.schema_name(path)
        if name in {"job-id", "job-type", "job-status", "timestamp", "job-error"}:
            continue  # building blocks, exercised through the documents that use them
        assert (name, True) in covered, f"{name} has no valid example"
        assert (name, False) in covered, f"{name} has no invalid example"


def test_every_example_folder_names_a_schema() -> None:
    names = {contract.schema_name(path) for path in contract.schema_paths()}
    assert {example.schema_name for example in EXAMPLES} <= names


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.valid], ids=lambda e: e.test_id)
def test_valid_example_validates(example: contract.Example) -> None:
    errors = [
        error.message for error in contract.validator(example.schema_name).iter_errors(example.document)
    ]
    assert errors == []


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.valid], ids=lambda e: e.test_id)
def test_invalid_example_is_rejected(example: contract.Example) -> None:
    assert not contract.validator(example.schema_name).is_valid(example.document)
