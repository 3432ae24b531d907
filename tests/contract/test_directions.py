"""contracts/directions.json names every schema's writers and readers, and the gate's checks follow from
it: both checks wherever a writer may deploy before a reader, the backward check alone where the API reads
first."""

from pathlib import Path

import pytest
from conveyor_release import directions
from conveyor_release.directions import Check

from tests.support import contract

DIRECTIONS = directions.load(contract.CONTRACTS_DIR)
REQUESTS = ["job-request", "job-list-query", "upload-request"]


def test_every_schema_has_directions_and_every_direction_a_schema() -> None:
    names = {contract.schema_name(path) for path in contract.schema_paths()}
    assert set(DIRECTIONS.schemas) == names


@pytest.mark.parametrize("name", REQUESTS)
def test_a_request_read_by_the_api_alone_gets_the_backward_check_alone(name: str) -> None:
    assert DIRECTIONS.schemas[name].readers == ("api",)
    assert DIRECTIONS.checks(name) == [Check.BACKWARD]


@pytest.mark.parametrize(
    "name",
    [
        "job-item",
        "job-message",
        "job-record",
        "job-list",
        "problem",
        "upload-ticket",
        "job-error",
        "job-progress",
    ],
)
def test_a_document_read_by_a_separately_deployed_side_gets_both_checks(name: str) -> None:
    assert DIRECTIONS.checks(name) == [Check.BACKWARD, Check.FORWARD]


@pytest.mark.parametrize("job_type", contract.job_types())
def test_a_job_types_input_gets_both_checks_since_the_worker_reads_it_too(job_type: str) -> None:
    assert "worker" in DIRECTIONS.schemas[f"{job_type}.input"].readers
    assert DIRECTIONS.checks(f"{job_type}.input") == [Check.BACKWARD, Check.FORWARD]
    assert DIRECTIONS.checks(f"{job_type}.result") == [Check.BACKWARD, Check.FORWARD]


def test_directions_naming_a_party_they_do_not_define_are_refused(tmp_path: Path) -> None:
    folder = contract.CONTRACTS_DIR
    text = (
        (folder / "directions.json").read_text().replace('"readers": ["api"]}', '"readers": ["gateway"]}', 1)
    )
    copy = tmp_path / "contracts"
    copy.mkdir()
    (copy / "directions.json").write_text(text)
    (copy / "directions.schema.json").write_text((folder / "directions.schema.json").read_text())

    with pytest.raises(directions.DirectionsError, match="gateway"):
        directions.load(copy)
