"""Each service ships a build-time copy of the contract: byte for byte the contract in contracts/v1."""

import hashlib
from importlib import resources
from importlib.resources.abc import Traversable

import pytest

from tests.support import contract


def _digests(root: Traversable, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in root.iterdir():
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            found |= _digests(entry, f"{name}/")
        elif entry.name.endswith(".json"):
            found[name] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return found


@pytest.mark.parametrize("package", ["conveyor_api.contract", "conveyor_worker.contract"])
def test_service_copy_of_the_contract_matches_the_source(package: str) -> None:
    shipped = _digests(resources.files(package) / "schemas")
    source = _digests(contract.SCHEMAS_DIR)
    assert shipped == source
