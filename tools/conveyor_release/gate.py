"""The compatibility gate: a working tree's contract against a released one, each schema in the directions
its documents travel, and one counter-example document for each break."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match

from conveyor_release import counterexample
from conveyor_release.contract_tree import ContractTree
from conveyor_release.directions import Check, load
from conveyor_release.structure import Finding, narrowings


@dataclass(frozen=True)
class Break:
    """A change that lets `writers` write a document `readers` refuse (or a schema removed)."""

    schema: str
    check: Check | None
    writers: tuple[str, ...]
    readers: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)
    counter_example: Any = None
    refusal: str = ""

    @property
    def proven(self) -> bool:
        return bool(self.refusal)

    def report(self) -> str:
        if self.check is None:
            return f"{self.schema}: removed, while v1's readers ({', '.join(self.readers)}) still read it"
        old_side, new_side = ("old", "new") if self.check is Check.BACKWARD else ("new", "old")
        lines = [
            f"{self.schema} ({self.check.value} check): "
            f"{new_side} readers refuse what {old_side} writers write",
            f"  writers: {', '.join(self.writers)} with the {old_side} contract",
            f"  readers: {', '.join(self.readers)} with the {new_side} contract",
        ]
        lines += [f"  change at {finding.pointer}: {finding.change}" for finding in self.findings]
        if self.proven:
            lines.append(
                f"  counter-example, valid against the {old_side} {self.schema}, refused by the {new_side}:"
            )
            lines.append("  " + json.dumps(self.counter_example, ensure_ascii=False))
            lines.append(f"  the {new_side} {self.schema} says: {self.refusal}")
        else:
            lines.append("  no counter-example found; the structural diff alone says the change narrows")
        return "\n".join(lines)


def check(released: Path, working: Path) -> list[Break]:
    """Every break between the contract in folder `released` and the one in `working` (each a `contracts/`
    folder), judged by the working tree's directions."""
    directions = load(working)
    old, new = ContractTree(released), ContractTree(working)
    if undirected := sorted(new.schemas.keys() - directions.schemas.keys()):
        raise ValueError(f"contracts/directions.json has no entry for {', '.join(undirected)}")
    # A job type the old contract lacks reaches no old reader: the worker that runs it deploys first.
    pinned = new.with_pinned({directions.catalogue: old.schemas[directions.catalogue]})
    breaks = []
    for name in sorted(old.schemas):
        direction = directions.schemas.get(name)
        if name not in new.schemas:
            readers = direction.readers if direction else ()
            breaks.append(Break(name, None, (), readers))
            continue
        assert direction is not None
        for kind in directions.checks(name):
            producer, consumer = (old, new) if kind is Check.BACKWARD else (pinned, old)
            found = _break(producer, consumer, name, kind, direction.writers, direction.readers)
            if found:
                breaks.append(found)
    return breaks


def _break(
    producer: ContractTree,
    consumer: ContractTree,
    name: str,
    kind: Check,
    writers: tuple[str, ...],
    readers: tuple[str, ...],
) -> Break | None:
    findings = list(narrowings(producer.inlined(name), consumer.inlined(name)))
    if not findings:
        return None
    document = counterexample.search(producer, consumer, name, findings)
    if counterexample.found(document):
        error = best_match(consumer.validator(name).iter_errors(document))
        return Break(
            name, kind, writers, readers, findings, document, f"{error.message} (at {error.json_path})"
        )
    certain = [finding for finding in findings if finding.certain]
    return Break(name, kind, writers, readers, certain) if certain else None
