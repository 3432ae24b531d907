"""contracts/directions.json: who writes and who reads each schema, and the checks that follow from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator


class Check(Enum):
    """BACKWARD: a new reader accepts every document an old writer could write (always). FORWARD: an old
    reader accepts every document a new writer could write (where a writer may deploy before a reader)."""

    BACKWARD = "backward"
    FORWARD = "forward"


@dataclass(frozen=True)
class Direction:
    writers: tuple[str, ...]
    readers: tuple[str, ...]


@dataclass(frozen=True)
class Directions:
    follows: dict[str, frozenset[str]]
    components: dict[str, str]
    catalogue: str
    schemas: dict[str, Direction]

    def checks(self, name: str) -> list[Check]:
        """Both checks, unless every writer follows every reader: a writer that never runs ahead of its
        readers never sends an old reader anything new."""
        direction = self.schemas[name]
        led = all(
            reader in self.follows[writer] for writer in direction.writers for reader in direction.readers
        )
        return [Check.BACKWARD] if led else [Check.BACKWARD, Check.FORWARD]


class DirectionsError(ValueError):
    """directions.json is not valid against its schema, or names a party it does not define."""


def load(contracts: Path) -> Directions:
    document = json.loads((contracts / "directions.json").read_text())
    schema = json.loads((contracts / "directions.schema.json").read_text())
    errors = [
        f"{error.json_path}: {error.message}" for error in Draft202012Validator(schema).iter_errors(document)
    ]
    if errors:
        raise DirectionsError("contracts/directions.json: " + "; ".join(errors))
    parties: dict[str, Any] = document["parties"]
    named = {document["catalogue"]["deploys_first"]}
    named |= {party for entry in parties.values() for party in entry["follows"]}
    named |= {
        party for entry in document["schemas"].values() for party in entry["writers"] + entry["readers"]
    }
    if unknown := named - parties.keys():
        raise DirectionsError(
            f"contracts/directions.json names parties it does not define: {sorted(unknown)}"
        )
    return Directions(
        follows={name: frozenset(entry["follows"]) for name, entry in parties.items()},
        components={name: entry["component"] for name, entry in parties.items()},
        catalogue=document["catalogue"]["schema"],
        schemas={
            name: Direction(tuple(entry["writers"]), tuple(entry["readers"]))
            for name, entry in document["schemas"].items()
        },
    )
