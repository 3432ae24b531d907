"""The models accept every document the contract accepts and hold, so emit, only documents it accepts."""

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conveyor_api import contract
from conveyor_api.jobs.errors import InvalidJobRequestError, UnknownJobTypeError
from conveyor_api.jobs.request_validation import validate_job_request
from conveyor_api.models import (
    ContractViolationError,
    JobBatchResponse,
    JobError,
    JobItem,
    JobList,
    JobListQuery,
    JobMessage,
    JobProgress,
    JobRecord,
    JobRequest,
    Problem,
    Violation,
)
from conveyor_api.models.contract_document import ContractDocument, JsonDocument
from conveyor_api.models.job_status import JobStatus
from tests.support.contract_bundle import as_written, bundled, job_item_cases, job_record_cases

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "v1"
MODELS: dict[str, type[JsonDocument]] = {
    "job-item": JobItem,
    "job-message": JobMessage,
    "job-record": JobRecord,
    "job-request": JobRequest,
    "problem": Problem,
    "job-error": JobError,
    "job-progress": JobProgress,
    "job-list": JobList,
    "job-list-query": JobListQuery,
    "job-batch-response": JobBatchResponse,
}
# A JobRequest is not held to its schema when made: jobs.request_validation checks each request once.
STRICT_MODELS = {name: model for name, model in MODELS.items() if name != "job-request"}


def _examples(kind: str, names: dict[str, type[JsonDocument]]) -> list[Any]:
    return [
        pytest.param(name, json.loads(path.read_text()), id=f"{name}/{path.stem}")
        for name in names
        for path in sorted((EXAMPLES / name / kind).glob("*.json"))
    ]


def _round_trips(name: str, document: Any) -> None:
    emitted = MODELS[name].from_document(document).to_document()
    assert emitted == document
    assert list(contract.validator(name).iter_errors(emitted)) == []


@pytest.mark.parametrize(("name", "document"), _examples("valid", MODELS))
def test_model_accepts_and_round_trips_each_valid_golden_example(name: str, document: Any) -> None:
    _round_trips(name, document)


NEWER_MEMBERS = {"added_by_a_newer_writer": {"any": ["json", 1]}, "superseded_by": "later"}


# The documents the API reads from its peers (a worker's item) or clients read from it; requests are closed.
OPEN_MODELS = {name: model for name, model in STRICT_MODELS.items() if name != "job-list-query"}


@pytest.mark.parametrize(("name", "document"), _examples("valid", OPEN_MODELS))
def test_model_reads_a_newer_writers_document_leaving_out_the_members_it_does_not_know(
    name: str, document: Any
) -> None:
    newer = document | NEWER_MEMBERS
    if isinstance(document.get("error"), dict):
        newer["error"] = document["error"] | NEWER_MEMBERS
    assert contract.validator(name).is_valid(newer)

    assert MODELS[name].from_document(newer).to_document() == document


def test_a_request_with_a_member_this_api_does_not_know_is_refused() -> None:
    document: Any = {"job_type": "text_transform", "payload": {"text": "x"}, "delay_secnds": 60}

    with pytest.raises(InvalidJobRequestError):
        validate_job_request(document)


@pytest.mark.parametrize(("name", "document"), _examples("invalid", STRICT_MODELS))
def test_model_refuses_each_invalid_golden_example(name: str, document: Any) -> None:
    with pytest.raises(ContractViolationError):
        MODELS[name].from_document(document)


def _accepted_result(job: Any) -> dict[str, Any]:
    return {"status": 202, "job": job, "location": f"/jobs/{job['job_id']}"}


def _documents(name: str) -> st.SearchStrategy[Any]:
    if name == "job-record":
        return st.one_of([from_schema(as_written(case)) for case in job_record_cases()])
    if name == "job-item":
        return st.one_of([from_schema(as_written(case)) for case in job_item_cases()])
    if name == "job-list":
        records = st.one_of([from_schema(as_written(case)) for case in job_record_cases()])
        cursor = from_schema(bundled("job-list-query")["properties"]["cursor"])
        return st.fixed_dictionaries(
            {"jobs": st.lists(records, max_size=3), "next_cursor": st.one_of(st.none(), cursor)}
        )
    if name == "job-batch-response":
        records = st.one_of([from_schema(as_written(case)) for case in job_record_cases()])
        accepted = records.map(_accepted_result)
        problems = from_schema(as_written(bundled("problem")))
        refused = st.builds(
            lambda status, problem: {"status": status, "problem": problem},
            st.sampled_from([400, 413, 422, 503]),
            problems,
        )
        return st.fixed_dictionaries(
            {
                "results": st.lists(st.one_of(accepted, refused), min_size=1, max_size=3),
                "accepted": st.integers(0, 25),
                "refused": st.integers(0, 25),
            }
        )
    return from_schema(as_written(bundled(name)))


@pytest.mark.slow
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


# A JobRequest is made only from a body its schema accepted (validate_job_request), never re-checked whole:
# for a large payload that check is the costliest step of a request.
def test_no_job_request_is_made_for_a_job_type_the_contract_does_not_define() -> None:
    with pytest.raises(UnknownJobTypeError, match="data_analysis, image_resize, send_email, text_transform"):
        validate_job_request({"job_type": "image_magic", "payload": {}})


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

    assert "started_at" not in item.to_document()
    assert "started_at" not in json.loads(item.to_json())


def test_job_record_refuses_a_combination_only_the_contract_forbids() -> None:
    queued_with_result = json.loads(
        (EXAMPLES / "job-record" / "invalid" / "queued-with-result.json").read_text()
    )

    with pytest.raises(ContractViolationError, match="not a valid job-record"):
        JobRecord.from_document(queued_with_result)


def test_a_model_made_in_code_is_held_to_the_contract_too() -> None:
    queued = JobRecord.from_document(
        json.loads((EXAMPLES / "job-record" / "valid" / "queued.json").read_text())
    )

    with pytest.raises(ContractViolationError, match="not a valid job-record: /result"):
        replace(queued, result={"length": 1})


@pytest.mark.parametrize(
    ("model", "document", "null"),
    [
        (JobItem, json.loads((EXAMPLES / "job-item" / "valid" / "queued.json").read_text()), "claim_token"),
        (Problem, json.loads((EXAMPLES / "problem" / "valid" / "job-not-found.json").read_text()), "errors"),
    ],
)
def test_sparse_documents_refuse_null_members_rather_than_read_them_as_absent(
    model: type[ContractDocument], document: dict[str, Any], null: str
) -> None:
    # Where the contract's type for the member has no null, its schema refuses one.
    with pytest.raises(ContractViolationError, match=f": /{null}: type"):
        model.from_document(document | {null: None})


@pytest.mark.parametrize(
    "document",
    [
        ["text_transform", {"text": "x"}],
        {"job_type": "text_transform"},
        {"job_type": "text_transform", "payload": {"text": "x"}, "priority": 1},
        {"job_type": ["text_transform"], "payload": {"text": "x"}},
        {"job_type": "text_transform", "payload": ["x"]},
    ],
)
def test_job_request_is_an_object_of_a_job_type_and_a_payload_object_and_nothing_else(document: Any) -> None:
    with pytest.raises(InvalidJobRequestError):
        validate_job_request(document)


def test_json_text_is_compact_and_keeps_non_ascii_characters() -> None:
    problem = Problem(
        type="urn:conveyor:problem:validation-failed",
        title="Request body does not match the contract",
        status=400,
        detail="The body breaks the contract in 1 place; see errors.",
        errors=[Violation(pointer="/payload/café", message="Must not be empty.")],
    )

    assert problem.to_json() == (
        '{"type":"urn:conveyor:problem:validation-failed","title":"Request body does not match the contract",'
        '"status":400,"detail":"The body breaks the contract in 1 place; see errors.",'
        '"errors":[{"pointer":"/payload/café","message":"Must not be empty."}]}'
    )


def test_integral_floats_count_as_integers_as_in_json_schema() -> None:
    document = json.loads((EXAMPLES / "job-record" / "valid" / "queued.json").read_text()) | {"attempts": 0.0}

    record = JobRecord.from_document(document)

    assert record.attempts == 0
    assert '"attempts":0,' in record.to_json()


def test_job_status_type_lists_exactly_the_contract_statuses() -> None:
    assert set(get_args(JobStatus)) == set(contract.schema("job-status")["enum"])
