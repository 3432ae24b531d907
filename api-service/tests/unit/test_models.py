"""The pydantic models accept every document the contract accepts and emit only documents it accepts."""

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import BaseModel, ValidationError

from conveyor_api import contract
from conveyor_api.models import JobError, JobItem, JobMessage, JobRecord, JobRequest, Problem
from conveyor_api.models.job_status import JobStatus
from tests.support.contract_bundle import bundled, job_record_cases

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1"
MODELS: dict[str, type[BaseModel]] = {
    "job-item": JobItem,
    "job-message": JobMessage,
    "job-record": JobRecord,
    "job-request": JobRequest,
    "problem": Problem,
    "job-error": JobError,
}
# JobRequest leaves the payload-against-input-schema check to request validation (see its docstring).
STRICT_MODELS = {name: model for name, model in MODELS.items() if name != "job-request"}


def _examples(kind: str, names: dict[str, type[BaseModel]]) -> list[Any]:
    return [
        pytest.param(name, json.loads(path.read_text()), id=f"{name}/{path.stem}")
        for name in names
        for path in sorted((EXAMPLES / name / kind).glob("*.json"))
    ]


def _round_trips(name: str, document: Any) -> None:
    emitted = MODELS[name].model_validate(document).model_dump(mode="json")
    assert emitted == document
    assert list(contract.validator(name).iter_errors(emitted)) == []


@pytest.mark.parametrize(("name", "document"), _examples("valid", MODELS))
def test_model_accepts_and_round_trips_each_valid_golden_example(name: str, document: Any) -> None:
    _round_trips(name, document)


@pytest.mark.parametrize(("name", "document"), _examples("invalid", STRICT_MODELS))
def test_model_refuses_each_invalid_golden_example(name: str, document: Any) -> None:
    with pytest.raises(ValidationError):
        MODELS[name].model_validate(document)


def _documents(name: str) -> st.SearchStrategy[Any]:
    if name == "job-record":
        return st.one_of([from_schema(case) for case in job_record_cases()])
    return from_schema(bundled(name))


@pytest.mark.parametrize("name", list(MODELS))
# The contract's if/then/else rules make hypothesis-jsonschema discard many draws: slower, no less rigorous.
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_model_accepts_and_round_trips_any_schema_valid_document(name: str, data: st.DataObject) -> None:
    document = data.draw(_documents(name))
    assert contract.validator(name).is_valid(document)
    _round_trips(name, document)


def test_job_request_refuses_a_job_type_the_contract_does_not_define() -> None:
    with pytest.raises(ValidationError, match="data_analysis, text_transform"):
        JobRequest.model_validate({"job_type": "image_magic", "payload": {}})


def test_job_item_leaves_out_attributes_that_do_not_apply() -> None:
    item = JobItem(
        job_id="3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d",
        job_type="text_transform",
        status="QUEUED",
        created_at="2026-11-24T17:05:09.123Z",
        updated_at="2026-11-24T17:05:09.123Z",
        attempts=0,
        payload="{}",
        sweep_shard=0,
        sweep_at=1795539909123,
    )

    assert "started_at" not in item.model_dump(mode="json")
    assert "started_at" not in json.loads(item.model_dump_json())


def test_job_record_refuses_a_combination_only_the_contract_forbids() -> None:
    queued_with_result = json.loads(
        (EXAMPLES / "job-record" / "invalid" / "queued-with-result.json").read_text()
    )

    with pytest.raises(ValidationError, match="not a valid job-record"):
        JobRecord.model_validate(queued_with_result)


def test_integral_floats_count_as_integers_as_in_json_schema() -> None:
    document = json.loads((EXAMPLES / "job-record" / "valid" / "queued.json").read_text()) | {"attempts": 0.0}

    assert JobRecord.model_validate(document).attempts == 0


def test_job_status_type_lists_exactly_the_contract_statuses() -> None:
    assert set(get_args(JobStatus)) == set(contract.schema("job-status")["enum"])
