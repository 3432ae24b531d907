"""The models `make contracts` generates from contracts/v1 are the ones committed: none is stale or edited."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2]
MODELS = SERVICE / "src" / "conveyor_worker" / "models"
CONTRACT = SERVICE.parent / "contracts" / "v1"
HEADER = "# Generated from contracts/v1 by `make contracts`; do not edit."
# The generator names the schema it read in the header it writes under ours.
SOURCE = re.compile(r"^#   filename:  (\S+\.schema\.json)$", re.MULTILINE)

GENERATED = sorted(path for path in MODELS.glob("*.py") if path.read_text().startswith(HEADER))


def test_the_worker_models_the_documents_it_reads_and_writes_from_the_contract() -> None:
    assert [path.name for path in GENERATED] == ["job_item.py", "job_message.py"]


@pytest.mark.parametrize("module", GENERATED, ids=lambda path: path.name)
def test_generated_model_is_what_the_contract_generates_today(module: Path) -> None:
    committed = module.read_text()
    source = SOURCE.search(committed)
    assert source is not None, f"{module.name} does not name its schema"

    # From the service, whose pyproject.toml holds the options of the generator and of ruff, as make contracts
    # does; to stdout, so that those settings format it rather than a temporary directory's.
    regenerated = subprocess.run(
        [Path(sys.executable).parent / "datamodel-codegen", "--input", CONTRACT / source[1]],
        cwd=SERVICE,
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert regenerated == committed, f"{module.name} is stale: run `make -C worker-service contracts`"
