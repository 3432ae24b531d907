"""The copied contract is the repository's contract, and the worker's models agree with its examples."""

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conveyor_worker.contract import (
    ContractViolationError,
    IncompleteContractError,
    check,
    load_contract,
    read_contract,
)
from conveyor_worker.job_types import image_resize, text_transform
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.jobs.errors import MalformedMessageError, NewerJobError
from conveyor_worker.jobs.messages import parse_job_message
from conveyor_worker.models.job_item import JobItem
from tests.support.fake_files import FakeFileStore
from tests.support.images import image_file
from tests.support.schemas import schema_of

REPOSITORY = Path(__file__).parents[3]
COPY = Path(__file__).parents[2] / "src" / "conveyor_worker" / "contract" / "schemas"
EXAMPLES = REPOSITORY / "contracts" / "examples" / "v1"
JOB_ID = "3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d"


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def examples(document: str, verdict: str) -> list[Any]:
    paths = sorted((EXAMPLES / document / verdict).glob("*.json"))
    return [pytest.param(json.loads(path.read_text(encoding="utf-8")), id=path.stem) for path in paths]


def test_the_packaged_schemas_are_an_exact_copy_of_contracts_v1() -> None:
    assert tree_digest(COPY) == tree_digest(REPOSITORY / "contracts" / "v1"), "run `make contracts`"


@pytest.mark.parametrize("document", examples("job-message", "valid"))
def test_valid_job_message_examples_are_read(document: dict[str, Any]) -> None:
    assert parse_job_message(json.dumps(document)).model_dump() == document


@pytest.mark.parametrize("document", examples("job-message", "invalid"))
def test_invalid_job_message_examples_are_malformed_but_those_of_a_later_major_which_are_newer(
    document: dict[str, Any],
) -> None:
    later_major = document.get("contract_version") not in (None, "1")
    with pytest.raises(NewerJobError if later_major else MalformedMessageError):
        parse_job_message(json.dumps(document))


def _messages_with_newer_members() -> st.SearchStrategy[dict[str, Any]]:
    """Messages the schema allows: those of its own members (drawn closed, since hypothesis-jsonschema draws
    arbitrary extra members of an open schema too slowly) with members a newer writer may add beside them."""
    schema = schema_of(load_contract().job_message)
    own = set(schema["properties"]) | {"payload"}  # a message never carries the payload, whoever writes it
    newer = st.dictionaries(
        st.text(min_size=1).filter(lambda name: name not in own), from_schema({}), max_size=3
    )
    return st.tuples(from_schema(schema | {"additionalProperties": False}), newer).map(
        lambda pair: pair[1] | pair[0]
    )


@given(_messages_with_newer_members())
def test_every_message_the_schema_allows_is_read(document: dict[str, Any]) -> None:
    assert load_contract().job_message.is_valid(document)
    assert parse_job_message(json.dumps(document)).job_id == document["job_id"]


@pytest.mark.parametrize("document", examples("job-item", "valid"))
def test_valid_job_item_examples_round_trip_through_the_job_item_model(document: dict[str, Any]) -> None:
    assert JobItem.model_validate(document).model_dump(mode="json", exclude_none=True) == document


@pytest.mark.parametrize("document", examples("text_transform.input", "valid"))
def test_text_transform_turns_valid_input_examples_into_valid_results(document: dict[str, Any]) -> None:
    schemas = load_contract().job_types["text_transform"]
    check(schemas.input, "the payload", document)

    check(schemas.result, "the result", text_transform.run(document, JobContext(JOB_ID, FakeFileStore())))


@pytest.mark.parametrize("document", examples("image_resize.input", "valid"))
def test_image_resize_turns_valid_input_examples_into_valid_results(document: dict[str, Any]) -> None:
    schemas = load_contract().job_types["image_resize"]
    check(schemas.input, "the payload", document)
    files = FakeFileStore()
    files.put(document["source_key"], image_file("PNG", (40, 30)))

    check(schemas.result, "the result", image_resize.run(document, JobContext(JOB_ID, files)))


@pytest.mark.parametrize(
    ("job_type", "kind"),
    [(name, kind) for name in load_contract().job_types for kind in ("input", "result")],
)
def test_job_type_schemas_accept_their_valid_examples_and_refuse_the_invalid(
    job_type: str, kind: str
) -> None:
    schemas = load_contract().job_types[job_type]
    validator = schemas.input if kind == "input" else schemas.result
    for valid in examples(f"{job_type}.{kind}", "valid"):
        check(validator, kind, valid.values[0])
    for invalid in examples(f"{job_type}.{kind}", "invalid"):
        with pytest.raises(ContractViolationError):
            check(validator, kind, invalid.values[0])


def test_a_contract_job_type_without_its_schema_pair_is_an_incomplete_contract(tmp_path: Path) -> None:
    shutil.copytree(COPY, tmp_path / "v1")
    (tmp_path / "v1" / "job-types" / "data_analysis" / "result.schema.json").unlink()

    with pytest.raises(IncompleteContractError, match=r"job-types/data_analysis/result\.schema\.json"):
        read_contract(tmp_path / "v1")


@pytest.mark.parametrize(
    ("budgets", "complaint"),
    [
        pytest.param(
            {"data_analysis": 5, "image_resize": 30, "send_email": 10},
            "no time budget for text_transform",
            id="one-missing",
        ),
        pytest.param(
            {"data_analysis": 5, "image_resize": 30, "text_transform": 0}, "invalid", id="zero-seconds"
        ),
        pytest.param(None, "invalid", id="no-budgets-at-all"),
    ],
)
def test_a_catalogue_without_a_whole_positive_time_budget_for_every_job_type_is_an_incomplete_contract(
    tmp_path: Path, budgets: dict[str, int] | None, complaint: str
) -> None:
    shutil.copytree(COPY, tmp_path / "v1")
    catalogue_path = tmp_path / "v1" / "job-type.schema.json"
    catalogue = json.loads(catalogue_path.read_text())
    if budgets is None:
        del catalogue["x-time-budget-seconds"]
    else:
        catalogue["x-time-budget-seconds"] = budgets
    catalogue_path.write_text(json.dumps(catalogue))

    with pytest.raises(IncompleteContractError, match=complaint):
        read_contract(tmp_path / "v1")
