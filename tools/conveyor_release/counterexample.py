"""One concrete document in the gap a finding points at: accepted by the producer's schema, refused by the
consumer's. Candidates are the golden examples, then those examples steered into the gap with values
hypothesis-jsonschema draws (whole documents drawn from the producer's schema only where a schema has no
examples: the contract's if/then rules make those draws slow); hypothesis shrinks the first that
separates the two schemas."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample, Unsatisfiable
from hypothesis_jsonschema import from_schema

from conveyor_release.contract_tree import ContractTree
from conveyor_release.structure import Finding, Location

# Enough to land in a gap the diff located (each candidate is one splice into a known-valid document), few
# enough that a changed schema costs a second or two; derandomized, so a report is the same at every run.
SEARCH = settings(
    max_examples=60,
    database=None,
    derandomize=True,
    deadline=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
_MISSING = object()
_PLAIN_VALUES: tuple[Any, ...] = ("", 0, True, None, {}, [])


def writer_view(schema: Any) -> Any:
    """The schema as writers use it: an object writes only the members it declares (an open object lets
    readers ignore members they do not know; no writer of this contract version invents them)."""
    if isinstance(schema, list):
        return [writer_view(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    viewed = {key: writer_view(value) for key, value in schema.items()}
    if "properties" in viewed and "additionalProperties" not in viewed:
        viewed["additionalProperties"] = False
    return viewed


def search(producer: ContractTree, consumer: ContractTree, name: str, findings: list[Finding]) -> Any:
    """A document valid against the producer's `name` and refused by the consumer's, or _MISSING."""
    separates = _separates(producer, consumer, name)
    # Either side's golden examples: one the producer refuses (a member it now requires is missing) is still
    # a document to steer into the gap.
    seeds = producer.examples(name)
    seeds += [document for document in consumer.examples(name) if document not in seeds]
    for seed in seeds:
        if separates(seed):
            return seed
    plain = _plainly_added(seeds, findings, separates)
    if found(plain):
        return plain
    seed_strategy = st.sampled_from(seeds) if seeds else _drawn(producer.inlined(name))
    for finding in findings:
        if finding.action == "probe" and finding.schema is None:
            continue
        try:
            return find(seed_strategy.flatmap(_steered(finding)), separates, settings=SEARCH)
        except (NoSuchExample, InvalidArgument, Unsatisfiable):
            continue
    return _MISSING


def _plainly_added(seeds: list[Any], findings: list[Finding], separates: Callable[[Any], bool]) -> Any:
    """A member added where a reader refuses unknown members is separated by any value: plain ones are tried
    first, so the commonest break is proven without a search, the same way at every run."""
    for finding in findings:
        if finding.action != "add":
            continue
        location = (*finding.location, finding.member)
        for seed in seeds:
            for value in _PLAIN_VALUES:
                if separates(candidate := _with(seed, location, value)):
                    return candidate
    return _MISSING


def found(document: Any) -> bool:
    return document is not _MISSING


def _separates(producer: ContractTree, consumer: ContractTree, name: str) -> Callable[[Any], bool]:
    def separates(document: Any) -> bool:
        return (
            document is not _MISSING
            and producer.accepts(name, document)
            and not consumer.accepts(name, document)
        )

    return separates


def _drawn(schema: Any) -> st.SearchStrategy[Any]:
    return from_schema(writer_view(schema))


def _steered(finding: Finding) -> Callable[[Any], st.SearchStrategy[Any]]:
    def steer(seed: Any) -> st.SearchStrategy[Any]:
        if finding.action == "drop":
            return st.just(_without(seed, finding.location, finding.member))
        location = (*finding.location, finding.member) if finding.action == "add" else finding.location
        return _drawn(finding.schema).map(lambda value: _with(seed, location, value))

    return steer


def _holds(container: Any, step: str | int) -> bool:
    if isinstance(step, str):
        return isinstance(container, dict)
    return isinstance(container, list) and step < len(container)


def _at(document: Any, location: Location) -> Any:
    for step in location:
        if not _holds(document, step) or (isinstance(step, str) and step not in document):
            return _MISSING
        document = document[step]
    return document


def _without(seed: Any, location: Location, member: str) -> Any:
    document = copy.deepcopy(seed)
    target = _at(document, location)
    if not isinstance(target, dict):
        return _MISSING
    target.pop(member, None)
    return document


def _with(seed: Any, location: Location, value: Any) -> Any:
    if not location:
        return value
    document = copy.deepcopy(seed)
    parent, step = _at(document, location[:-1]), location[-1]
    if not _holds(parent, step):
        return _MISSING
    parent[step] = value
    return document
