"""The models `make contracts` generates from contracts/v1 are the ones committed: none is stale or edited."""

import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2]
GENERATED = SERVICE / "src" / "conveyor_api" / "models" / "generated"
HEADER = "# Generated from contracts/v1 by `make contracts`; do not edit."


def _differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    mismatched = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)[1]
    found = [*comparison.left_only, *comparison.right_only, *mismatched]
    for name in comparison.common_dirs:
        found += [f"{name}/{difference}" for difference in _differences(left / name, right / name)]
    return found


def test_every_generated_module_says_it_is_generated() -> None:
    modules = list(GENERATED.rglob("*.py"))

    assert modules
    assert [module for module in modules if not module.read_text().startswith(HEADER)] == []


def test_generated_models_are_what_the_contract_generates_today() -> None:
    # Inside the service, whose pyproject.toml holds the options of the generator and of ruff, which formats
    # its output by the settings it finds above each file.
    with tempfile.TemporaryDirectory(dir=SERVICE, prefix=".generated-") as scratch:
        regenerated = Path(scratch) / "generated"
        subprocess.run(
            [
                Path(sys.executable).parent / "datamodel-codegen",
                "--input",
                SERVICE.parent / "contracts" / "v1",
                "--output",
                regenerated,
            ],
            cwd=SERVICE,
            check=True,
            capture_output=True,
        )

        assert _differences(regenerated, GENERATED) == [], "run `make -C api-service contracts`"
