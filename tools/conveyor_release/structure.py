"""The structural diff: where a consumer's schema accepts less than a producer's, walking both inlined trees
side by side. Each finding says where in a document (a location) and how to steer a document into the gap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
# A member name no schema declares: what a writer may add to an open object, and a closed reader refuses.
UNKNOWN_MEMBER = "a_member_this_reader_does_not_know"
# Keywords whose change the diff reads; any other keyword that differs is an unclassified change.
_READ = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "prefixItems",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentRequired",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)
_JSON_TYPE_OF = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}
_UPPER_COUNTS = {"maxLength": "minLength", "maxItems": "minItems", "maxProperties": "minProperties"}

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One place where a document the producer accepts may be refused by the consumer.

    `action` steers a valid document into that place: `drop` removes the member `member` at `location`;
    `add` sets it to a value drawn from `schema`; `replace` replaces the value at `location` with one drawn
    from `schema` (the producer's subschema with the gap forced); `probe`, a change the diff cannot
    classify, draws from the producer's subschema as it is, or, where a whole branch of rules changed
    (`schema` None), tries the golden examples alone."""

    location: Location
    change: str
    action: str
    schema: Any = None
    member: str = ""
    # False where the diff cannot tell a narrowing from a widening (a changed pattern, a changed branch): the
    # gate then fails only on a counter-example.
    certain: bool = True

    @property
    def pointer(self) -> str:
        return "".join(f"/{step}" for step in self.location) or "(the document)"


def narrowings(producer: Any, consumer: Any, location: Location = ()) -> Iterator[Finding]:
    """Every place the consumer may refuse a document the producer's writers write. A writer writes only the
    members its schema declares, or, where that schema is open, members no schema declares: a member name is
    introduced by declaring it, so a reader declaring a new member narrows nothing."""
    if producer == consumer:
        return
    if not isinstance(producer, dict) or not isinstance(consumer, dict):
        if consumer is not True and consumer != {}:
            yield Finding(location, "the schema was replaced", "probe", producer, certain=False)
        return
    yield from _values(producer, consumer, location)
    yield from _members(producer, consumer, location)
    yield from _branches(producer, consumer, location)
    for keyword in (producer.keys() | consumer.keys()) - _READ:
        if keyword in consumer and producer.get(keyword) != consumer[keyword]:
            forced = {"allOf": [producer, {"not": {keyword: consumer[keyword]}}]}
            yield Finding(
                location, f"{keyword} is now {consumer[keyword]!r}", "replace", forced, certain=False
            )


def _types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema admits: its `type`, else those of its enum's values, else any."""
    if "type" not in schema and ("enum" in schema or "const" in schema):
        values = schema["enum"] if "enum" in schema else [schema["const"]]
        return {_JSON_TYPE_OF[type(value)] for value in values}
    declared = schema.get("type", sorted(JSON_TYPES))
    return {declared} if isinstance(declared, str) else set(declared)


def _values(producer: dict[str, Any], consumer: dict[str, Any], location: Location) -> Iterator[Finding]:
    if "type" in consumer:
        accepted = _types(consumer) | ({"integer"} if "number" in _types(consumer) else set())
        refused = sorted(_types(producer) - accepted)
        if refused:
            yield Finding(
                location, f"type is now {consumer['type']!r}", "replace", producer | {"type": refused}
            )
    allowed = consumer["enum"] if "enum" in consumer else [consumer["const"]] if "const" in consumer else None
    if allowed is not None:
        written = (
            producer["enum"] if "enum" in producer else [producer["const"]] if "const" in producer else None
        )
        if written is None:
            forced = {"allOf": [producer, {"not": {"enum": allowed}}]}
            yield Finding(location, f"only {allowed!r} allowed", "replace", forced)
        else:
            removed = [value for value in written if value not in allowed]
            if removed:
                forced = {k: v for k, v in producer.items() if k != "const"} | {"enum": removed}
                yield Finding(location, f"{removed!r} no longer allowed", "replace", forced)
    yield from _bounds(producer, consumer, location)


def _bounds(producer: dict[str, Any], consumer: dict[str, Any], location: Location) -> Iterator[Finding]:
    for upper, lower in _UPPER_COUNTS.items():
        if upper in consumer and consumer[upper] < producer.get(upper, float("inf")):
            forced = producer | {lower: consumer[upper] + 1}
            yield Finding(location, f"{upper} {producer.get(upper)} -> {consumer[upper]}", "replace", forced)
        if consumer.get(lower, 0) > producer.get(lower, 0):
            forced = producer | {upper: consumer[lower] - 1}
            yield Finding(location, f"{lower} {producer.get(lower)} -> {consumer[lower]}", "replace", forced)
    ceiling = _upper(consumer)
    if ceiling is not None and ceiling < (_upper(producer) or (float("inf"), 1)):
        # Just above the consumer's bound: past an inclusive maximum, or at an exclusive one.
        forced = producer | ({"exclusiveMinimum": ceiling[0]} if ceiling[1] else {"minimum": ceiling[0]})
        yield Finding(location, f"upper bound is now {ceiling[0]}", "replace", forced)
    floor = _lower(consumer)
    if floor is not None and floor > (_lower(producer) or (float("-inf"), 0)):
        forced = producer | ({"exclusiveMaximum": floor[0]} if floor[1] == 0 else {"maximum": floor[0]})
        yield Finding(location, f"lower bound is now {floor[0]}", "replace", forced)


def _upper(schema: dict[str, Any]) -> tuple[float, int] | None:
    """The upper bound, an exclusive one below an inclusive one of the same value."""
    bounds = [(schema["maximum"], 1)] if "maximum" in schema else []
    bounds += [(schema["exclusiveMaximum"], 0)] if "exclusiveMaximum" in schema else []
    return min(bounds, default=None)


def _lower(schema: dict[str, Any]) -> tuple[float, int] | None:
    """The lower bound, an exclusive one above an inclusive one of the same value."""
    bounds = [(schema["minimum"], 0)] if "minimum" in schema else []
    bounds += [(schema["exclusiveMinimum"], 1)] if "exclusiveMinimum" in schema else []
    return max(bounds, default=None)


def _members(producer: dict[str, Any], consumer: dict[str, Any], location: Location) -> Iterator[Finding]:
    for member in sorted(set(consumer.get("required", [])) - set(producer.get("required", []))):
        yield Finding(location, f"member {member!r} is now required", "drop", member=member)
    yield from _dependencies(producer, consumer, location)
    produced = producer.get("properties", {})
    consumed = consumer.get("properties", {})
    closed = consumer.get("additionalProperties", True)
    for member, schema in produced.items():
        if member in consumed:
            yield from narrowings(schema, consumed[member], (*location, member))
        elif closed is False:
            yield Finding(location, f"member {member!r} is not allowed", "add", schema, member)
        elif closed is not True:
            yield from narrowings(schema, closed, (*location, member))
    extra = producer.get("additionalProperties", True)
    if extra is not False and closed != extra:
        if closed is False:
            change = "members it does not declare are refused (additionalProperties: false)"
            yield Finding(location, change, "add", extra, UNKNOWN_MEMBER)
        elif closed is not True:
            yield from narrowings(extra, closed, (*location, UNKNOWN_MEMBER))


def _branches(producer: dict[str, Any], consumer: dict[str, Any], location: Location) -> Iterator[Finding]:
    for keyword in ("items", "then", "else"):
        if keyword in consumer:
            step: Location = (0,) if keyword == "items" else ()
            yield from narrowings(producer.get(keyword, True), consumer[keyword], (*location, *step))
    for index, (before, after) in enumerate(
        zip(producer.get("prefixItems", []), consumer.get("prefixItems", []), strict=False)
    ):
        yield from narrowings(before, after, (*location, index))
    if len(producer.get("prefixItems", [])) != len(consumer.get("prefixItems", [])):
        yield Finding(location, "prefixItems has a new length", "probe", certain=False)
    for keyword in ("allOf", "anyOf", "oneOf"):
        produced, consumed = producer.get(keyword, []), consumer.get(keyword, [])
        if produced == consumed:
            continue
        paired, unpaired = _paired(produced, consumed)
        for before, after in paired:
            yield from narrowings(before, after, location)
        if unpaired:
            yield Finding(
                location, f"{keyword} has {unpaired} branch(es) of a new condition", "probe", certain=False
            )
    if producer.get("if") != consumer.get("if"):
        yield Finding(location, "an if condition changed", "probe", certain=False)


def _paired(produced: list[Any], consumed: list[Any]) -> tuple[list[tuple[Any, Any]], int]:
    """Each branch of `consumed` with the branch of `produced` it continues, and how many have none. A branch
    with an `if` continues the one with the same condition, wherever either sits: a new job type's if/then
    may come between two others (the branches go in name order). One without, the branch at its place."""
    conditions = {_key(branch["if"]): branch for branch in produced if _conditional(branch)}
    paired: list[tuple[Any, Any]] = []
    unpaired = 0
    for index, after in enumerate(consumed):
        before = conditions.get(_key(after["if"])) if _conditional(after) else None
        if before is None and not _conditional(after) and index < len(produced):
            before = produced[index]
        if before is None:
            unpaired += 1
        else:
            paired.append((before, after))
    # A condition gone from the consumer: the documents it governed are read by the rules left.
    unpaired += sum(
        1 for key in conditions if key not in {_key(b["if"]) for b in consumed if _conditional(b)}
    )
    return paired, unpaired


def _conditional(branch: Any) -> bool:
    return isinstance(branch, dict) and "if" in branch


def _key(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True)


def _dependencies(
    producer: dict[str, Any], consumer: dict[str, Any], location: Location
) -> Iterator[Finding]:
    for key, dependents in consumer.get("dependentRequired", {}).items():
        before = set(producer.get("dependentRequired", {}).get(key, []))
        for member in sorted(set(dependents) - before):
            yield Finding(location, f"member {member!r} is now required with {key!r}", "drop", member=member)
