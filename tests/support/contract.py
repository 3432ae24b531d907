"""The contract as the cross-service suites see it: every schema by name, validators, examples.

Only the tests read `contracts/` this way; each service loads its own build-time copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = REPO_ROOT / "contracts"
SCHEMAS_DIR = CONTRACTS_DIR / "v1"
EXAMPLES_DIR = CONTRACTS_DIR / "examples" / "v1"
BASE_URI = "https://conveyor.example/contracts/v1/"


def schema_paths() -> list[Path]:
    return sorted(SCHEMAS_DIR.rglob("*.schema.json"))


def schema_name(path: Path) -> str:
    """`job-request` for v1/job-request.schema.json, `text_transform.input` for a job type's input."""
    relative = path.relative_to(SCHEMAS_DIR)
    stem = relative.name.removesuffix(".schema.json")
    if relative.parts[0] == "job-types":
        return f"{relative.parts[1]}.{stem}"
    return stem


def schema_uri(name: str) -> str:
    if "." in name:
        job_type, kind = name.split(".")
        return f"{BASE_URI}job-types/{job_type}/{kind}.schema.json"
    return f"{BASE_URI}{name}.schema.json"


@cache
def registry() -> Registry:
    resources = []
    for path in schema_paths():
        document = json.loads(path.read_text())
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


def schema(name: str) -> dict[str, Any]:
    contents = registry().contents(schema_uri(name))
    assert isinstance(contents, dict)
    return contents


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": schema_uri(name)},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def job_types() -> list[str]:
    enum = schema("job-type")["enum"]
    assert isinstance(enum, list)
    return [str(job_type) for job_type in enum]


@dataclass(frozen=True)
class Example:
    schema_name: str
    valid: bool
    path: Path

    @property
    def document(self) -> Any:
        return json.loads(self.path.read_text())

    @property
    def test_id(self) -> str:
        return f"{self.schema_name}/{'valid' if self.valid else 'invalid'}/{self.path.stem}"


def examples() -> Iterator[Example]:
    for folder in sorted(EXAMPLES_DIR.iterdir()):
        for kind in ("valid", "invalid"):
            for path in sorted((folder / kind).glob("*.json")):
                yield Example(folder.name, kind == "valid", path)
