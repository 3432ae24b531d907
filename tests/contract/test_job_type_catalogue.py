"""A job type exists in the contract exactly when every document that dispatches on it knows it."""

import json
from typing import Any

from jsonschema import Draft202012Validator

from tests.support import contract

TIME_BUDGETS_SCHEMA = json.loads((contract.CONTRACTS_DIR / "time-budgets.schema.json").read_text())


def _branch_job_types(schema: dict[str, Any], dispatched_field: str) -> set[str]:
    job_types = set()
    for branch in schema["allOf"]:
        then_properties = branch.get("then", {}).get("properties", {})
        if dispatched_field in then_properties and "$ref" in then_properties[dispatched_field]:
            job_types.add(branch["if"]["properties"]["job_type"]["const"])
    return job_types


def test_each_job_type_has_an_input_and_a_result_schema() -> None:
    for job_type in contract.job_types():
        assert (contract.SCHEMAS_DIR / "job-types" / job_type / "input.schema.json").is_file()
        assert (contract.SCHEMAS_DIR / "job-types" / job_type / "result.schema.json").is_file()


def test_the_catalogue_gives_every_job_type_and_nothing_else_a_time_budget_its_schema_accepts() -> None:
    Draft202012Validator.check_schema(TIME_BUDGETS_SCHEMA)
    budgets = contract.schema("job-type")["x-time-budget-seconds"]

    assert list(Draft202012Validator(TIME_BUDGETS_SCHEMA).iter_errors(budgets)) == []
    assert set(budgets) == set(contract.job_types())


def test_a_budget_that_is_not_a_whole_positive_number_of_seconds_is_refused() -> None:
    validator = Draft202012Validator(TIME_BUDGETS_SCHEMA)
    assert not validator.is_valid({})
    assert not validator.is_valid({"text_transform": 0})
    assert not validator.is_valid({"text_transform": 2.5})
    assert not validator.is_valid({"text_transform": 900})


def test_no_job_type_schemas_exist_outside_the_catalogue() -> None:
    folders = {path.name for path in (contract.SCHEMAS_DIR / "job-types").iterdir()}
    assert folders == set(contract.job_types())


def test_job_request_checks_the_payload_of_every_job_type() -> None:
    assert _branch_job_types(contract.schema("job-request"), "payload") == set(contract.job_types())


def test_job_record_checks_the_result_of_every_job_type() -> None:
    assert _branch_job_types(contract.schema("job-record"), "result") == set(contract.job_types())


def test_schema_ids_are_versioned_and_match_their_paths() -> None:
    for path in contract.schema_paths():
        relative = path.relative_to(contract.SCHEMAS_DIR).as_posix()
        assert contract.schema(contract.schema_name(path))["$id"] == contract.BASE_URI + relative
